//! What the hosted pages say, in English and in Welsh (`language: cy` on the payment), so a
//! service that asks for Welsh gets every heading, label, hint, button and error in Welsh.
//! The Welsh follows the wording of GOV.UK Pay's own Welsh payment pages where it is known.
//! Nothing here knows about HTTP or templates: the pages module hands a [`Words`] to them.

use serde::Serialize;

/// Every piece of text the hosted pages show, in one language.
#[derive(Debug, Serialize)]
pub struct Words {
    /// The `lang` attribute of the page content (`en` or `cy`).
    pub lang: &'static str,
    /// Prefix of the title when a form has errors.
    pub error_prefix: &'static str,
    /// The error summary's title.
    pub problem: &'static str,
    /// Card page heading.
    pub enter_card_details: &'static str,
    /// Label before the amount.
    pub total_amount: &'static str,
    /// Heading over a decline message.
    pub not_taken: &'static str,
    /// Field label.
    pub card_number: &'static str,
    /// Field label.
    pub expiry_date: &'static str,
    /// Hint under the expiry date.
    pub expiry_hint: &'static str,
    /// Field label.
    pub month: &'static str,
    /// Field label.
    pub year: &'static str,
    /// Field label.
    pub name_on_card: &'static str,
    /// Field label.
    pub security_code: &'static str,
    /// Hint under the security code.
    pub security_code_hint: &'static str,
    /// Fieldset legend.
    pub billing_address: &'static str,
    /// Field label.
    pub address_line_1: &'static str,
    /// Field label.
    pub address_line_2: &'static str,
    /// Field label.
    pub town_or_city: &'static str,
    /// Field label.
    pub postcode: &'static str,
    /// Field label.
    pub country: &'static str,
    /// Hint under the country.
    pub country_hint: &'static str,
    /// Field label.
    pub email: &'static str,
    /// Hint under the email.
    pub email_hint: &'static str,
    /// Button.
    pub continue_button: &'static str,
    /// Button.
    pub cancel_payment: &'static str,
    /// Confirm page heading.
    pub confirm_heading: &'static str,
    /// Summary key.
    pub payment_for: &'static str,
    /// Summary key.
    pub confirmation_email: &'static str,
    /// Button.
    pub confirm_button: &'static str,
    /// 3-D Secure page heading.
    pub challenge_heading: &'static str,
    /// 3-D Secure page text.
    pub challenge_text: &'static str,
    /// 3-D Secure page: what the sandbox's buttons stand for.
    pub challenge_sandbox: &'static str,
    /// Button: pass the challenge.
    pub challenge_pass: &'static str,
    /// Button: fail the challenge.
    pub challenge_fail: &'static str,
    /// Result page link.
    pub go_back: &'static str,
    /// Result: paid (heading, text).
    pub success: (&'static str, &'static str),
    /// Result: provider error.
    pub technical_problem: (&'static str, &'static str),
    /// Result: cancelled.
    pub cancelled: (&'static str, &'static str),
    /// Result: expired.
    pub expired: (&'static str, &'static str),
    /// Result: declined (3-D Secure failed, or otherwise failed).
    pub declined: (&'static str, &'static str),
    /// The `next_url` was used already (heading, text).
    pub link_used: (&'static str, &'static str),
    /// Field errors.
    pub err_card_number: &'static str,
    /// Field error.
    pub err_expiry: &'static str,
    /// Field error.
    pub err_expired: &'static str,
    /// Field error.
    pub err_name: &'static str,
    /// Field error.
    pub err_cvc: &'static str,
    /// Field error.
    pub err_address: &'static str,
    /// Field error.
    pub err_city: &'static str,
    /// Field error.
    pub err_country: &'static str,
    /// Field error.
    pub err_postcode: &'static str,
    /// Field error.
    pub err_email: &'static str,
    /// Decline messages from the providers, English → this language.
    pub declines: &'static [(&'static str, &'static str)],
}

/// English.
pub static EN: Words = Words {
    lang: "en",
    error_prefix: "Error: ",
    problem: "There is a problem",
    enter_card_details: "Enter card details",
    total_amount: "Total amount:",
    not_taken: "Your payment has not been taken",
    card_number: "Card number",
    expiry_date: "Expiry date",
    expiry_hint: "For example, 10/29",
    month: "Month",
    year: "Year",
    name_on_card: "Name on card",
    security_code: "Card security code",
    security_code_hint: "The last 3 digits on the back of the card",
    billing_address: "Billing address",
    address_line_1: "Address line 1",
    address_line_2: "Address line 2 (optional)",
    town_or_city: "Town or city",
    postcode: "Postcode",
    country: "Country or territory code",
    country_hint: "For example, GB",
    email: "Email (optional)",
    email_hint: "We will send your payment confirmation here",
    continue_button: "Continue",
    cancel_payment: "Cancel payment",
    confirm_heading: "Confirm your payment",
    payment_for: "Payment for",
    confirmation_email: "Confirmation email",
    confirm_button: "Confirm payment",
    challenge_heading: "Confirm it’s you",
    challenge_text: "Your bank needs to check it’s really you making this payment.",
    challenge_sandbox: "This is the test bank of the sandbox: choose how the check ends.",
    challenge_pass: "Complete authentication",
    challenge_fail: "Fail authentication",
    go_back: "Go back to the service",
    success: ("Your payment was successful", "Your payment has been received."),
    technical_problem: (
        "Sorry, we’re experiencing technical problems",
        "No money has been taken from your account. Go back to the service to try again.",
    ),
    cancelled: ("Your payment has been cancelled", "No money has been taken from your account."),
    expired: (
        "Your payment session has expired",
        "No money has been taken from your account. Go back to the service to start again.",
    ),
    declined: ("Your payment has been declined", "No money has been taken from your account."),
    link_used: (
        "This payment link has already been used or has expired",
        "Go back to the service to start your payment again.",
    ),
    err_card_number: "Enter a valid card number",
    err_expiry: "Enter a valid expiry date",
    err_expired: "The card has expired. Enter a valid expiry date",
    err_name: "Enter the name as it appears on the card",
    err_cvc: "Enter a valid card security code",
    err_address: "Enter a valid billing address",
    err_city: "Enter a valid town or city",
    err_country: "Enter a valid 2-letter country code, like GB",
    err_postcode: "Enter a valid postcode",
    err_email: "Enter a valid email address",
    declines: &[],
};

/// Welsh (Cymraeg).
pub static CY: Words = Words {
    lang: "cy",
    error_prefix: "Gwall: ",
    problem: "Mae problem wedi codi",
    enter_card_details: "Rhowch fanylion y cerdyn",
    total_amount: "Cyfanswm:",
    not_taken: "Nid yw eich taliad wedi cael ei gymryd",
    card_number: "Rhif y cerdyn",
    expiry_date: "Dyddiad dod i ben",
    expiry_hint: "Er enghraifft, 10/29",
    month: "Mis",
    year: "Blwyddyn",
    name_on_card: "Enw ar y cerdyn",
    security_code: "Cod diogelwch y cerdyn",
    security_code_hint: "Y 3 digid olaf ar gefn y cerdyn",
    billing_address: "Cyfeiriad bilio",
    address_line_1: "Llinell 1 y cyfeiriad",
    address_line_2: "Llinell 2 y cyfeiriad (dewisol)",
    town_or_city: "Tref neu ddinas",
    postcode: "Cod post",
    country: "Cod gwlad neu diriogaeth",
    country_hint: "Er enghraifft, GB",
    email: "E-bost (dewisol)",
    email_hint: "Byddwn yn anfon cadarnhad o’ch taliad yma",
    continue_button: "Parhau",
    cancel_payment: "Canslo’r taliad",
    confirm_heading: "Cadarnhewch eich taliad",
    payment_for: "Taliad am",
    confirmation_email: "E-bost cadarnhau",
    confirm_button: "Cadarnhau’r taliad",
    challenge_heading: "Cadarnhewch mai chi sydd yno",
    challenge_text: "Mae angen i’ch banc wirio mai chi sy’n gwneud y taliad hwn.",
    challenge_sandbox: "Dyma fanc prawf y blwch tywod: dewiswch sut mae’r gwiriad yn gorffen.",
    challenge_pass: "Cwblhau’r dilysu",
    challenge_fail: "Methu’r dilysu",
    go_back: "Ewch yn ôl i’r gwasanaeth",
    success: ("Mae eich taliad wedi bod yn llwyddiannus", "Mae eich taliad wedi dod i law."),
    technical_problem: (
        "Mae’n ddrwg gennym, rydym yn profi problemau technegol",
        "Nid oes arian wedi cael ei gymryd o’ch cyfrif. Ewch yn ôl i’r gwasanaeth i roi cynnig arall arni.",
    ),
    cancelled: ("Mae eich taliad wedi cael ei ganslo", "Nid oes arian wedi cael ei gymryd o’ch cyfrif."),
    expired: (
        "Mae eich sesiwn dalu wedi dod i ben",
        "Nid oes arian wedi cael ei gymryd o’ch cyfrif. Ewch yn ôl i’r gwasanaeth i ddechrau eto.",
    ),
    declined: ("Mae eich taliad wedi cael ei wrthod", "Nid oes arian wedi cael ei gymryd o’ch cyfrif."),
    link_used: (
        "Mae’r ddolen dalu hon wedi cael ei defnyddio’n barod neu mae wedi dod i ben",
        "Ewch yn ôl i’r gwasanaeth i ddechrau eich taliad eto.",
    ),
    err_card_number: "Rhowch rif cerdyn dilys",
    err_expiry: "Rhowch ddyddiad dod i ben dilys",
    err_expired: "Mae’r cerdyn wedi dod i ben. Rhowch ddyddiad dod i ben dilys",
    err_name: "Rhowch yr enw fel y mae’n ymddangos ar y cerdyn",
    err_cvc: "Rhowch god diogelwch cerdyn dilys",
    err_address: "Rhowch gyfeiriad bilio dilys",
    err_city: "Rhowch dref neu ddinas ddilys",
    err_country: "Rhowch god gwlad 2 lythyren dilys, fel GB",
    err_postcode: "Rhowch god post dilys",
    err_email: "Rhowch gyfeiriad e-bost dilys",
    declines: &[
        (
            "Your payment has been declined. Try a different card.",
            "Mae eich taliad wedi cael ei wrthod. Rhowch gynnig ar gerdyn gwahanol.",
        ),
        (
            "The card has expired. Try a different card.",
            "Mae’r cerdyn wedi dod i ben. Rhowch gynnig ar gerdyn gwahanol.",
        ),
        (
            "The card security code is incorrect. Check it and try again.",
            "Mae cod diogelwch y cerdyn yn anghywir. Gwiriwch ef a rhowch gynnig arall arni.",
        ),
    ],
};

/// The words for a payment's `language` (`cy` is Welsh; anything else English).
pub fn words(language: &str) -> &'static Words {
    if language == "cy" { &CY } else { &EN }
}

impl Words {
    /// A provider's decline message in this language (as given when there is no translation).
    pub fn decline(&self, english: &str) -> String {
        self.declines.iter().find(|(en, _)| *en == english).map_or(english, |(_, t)| *t).to_string()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn welsh_is_chosen_only_for_cy_and_translates_the_sandbox_declines() {
        assert_eq!(words("cy").lang, "cy");
        assert_eq!(words("en").lang, "en");
        assert_eq!(words("fr").lang, "en");
        let declined = "Your payment has been declined. Try a different card.";
        assert!(CY.decline(declined).starts_with("Mae eich taliad wedi cael ei wrthod"));
        assert_eq!(EN.decline(declined), declined);
    }
}
