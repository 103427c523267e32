//! The service definition: what a council declares (format `version: 1`), as the engine reads it.
//! Reading YAML into these types, with a line for every error, lives in `parse.rs`.

use std::fmt;

use crate::expr::Expr;

/// A whole service, as declared.
#[derive(Debug, Clone, PartialEq)]
pub struct ServiceDefinition {
    /// The format version (1).
    pub version: u32,
    /// The slug: the service's address under its council (`parking-permit`).
    pub id: String,
    /// Its name, as a citizen reads it ("Apply for a residents' parking permit").
    pub name: String,
    /// The slug of the council that wrote it (another may adopt it).
    pub owner: String,
    /// The Local Government Service List code, so councils can compare like with like.
    pub lgsl: Option<u32>,
    /// What the start page says, one paragraph per item.
    pub start: Vec<String>,
    /// Whether the citizen must sign in first (needed for consent and "Your applications").
    pub sign_in: bool,
    /// The question pages, in order; one question per page.
    pub pages: Vec<Question>,
    /// Register checks, run on submission in order.
    pub checks: Vec<RegisterCheck>,
    /// Eligibility rules, each with the reason a citizen is told when it does not hold.
    pub eligibility: Vec<Rule>,
    /// The fee, if the service charges one.
    pub fee: Option<Fee>,
    /// Who is told what, and when.
    pub notifications: Vec<NotificationRule>,
    /// How the decision is made.
    pub decision: Decision,
    /// What happens once a case is decided (or submitted).
    pub outputs: Vec<Output>,
    /// What the confirmation page says when a case is approved.
    pub confirmation: Confirmation,
}

/// The confirmation page of an approved case: its panel title ("Permit issued") and what the
/// citizen reads under it, so each service says what it actually did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Confirmation {
    /// The panel's title.
    pub title: String,
    /// Paragraphs under the panel.
    pub text: Vec<String>,
}

impl Default for Confirmation {
    fn default() -> Confirmation {
        Confirmation { title: "Application complete".into(), text: Vec::new() }
    }
}

impl ServiceDefinition {
    /// The question with this id.
    pub fn question(&self, id: &str) -> Option<&Question> {
        self.pages.iter().find(|q| q.id == id)
    }
}

/// An expression as written, with where it was written.
#[derive(Debug, Clone, PartialEq)]
pub struct Expression {
    /// The text.
    pub source: String,
    /// The parsed tree.
    pub expr: Expr,
    /// Line (1-based) of the expression in the definition.
    pub line: usize,
}

/// What kind of answer a question takes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum QuestionKind {
    /// Free text.
    Text,
    /// A number.
    Number,
    /// A date (day, month, year inputs), stored as `YYYY-MM-DD`.
    Date,
    /// One of several options.
    Radios,
    /// Any of several options.
    Checkboxes,
    /// An email address.
    Email,
    /// A UK phone number.
    Phone,
    /// A postcode, then one address in it (stored as `{postcode, uprn, address}`).
    Address,
    /// A point chosen on a map, or typed as coordinates with JavaScript off (`{lat, lon}`).
    Location,
}

impl QuestionKind {
    /// The word a definition uses for each kind.
    pub const WORDS: &[(&str, QuestionKind)] = &[
        ("text", QuestionKind::Text),
        ("number", QuestionKind::Number),
        ("date", QuestionKind::Date),
        ("radios", QuestionKind::Radios),
        ("checkboxes", QuestionKind::Checkboxes),
        ("email", QuestionKind::Email),
        ("phone", QuestionKind::Phone),
        ("address", QuestionKind::Address),
        ("location", QuestionKind::Location),
    ];

    /// The kind named by a definition word.
    pub fn parse(word: &str) -> Option<QuestionKind> {
        QuestionKind::WORDS.iter().find(|(w, _)| *w == word).map(|(_, k)| *k)
    }

    /// Whether it offers options.
    pub fn has_options(self) -> bool {
        matches!(self, QuestionKind::Radios | QuestionKind::Checkboxes)
    }
}

/// One option of a radios or checkboxes question.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Choice {
    /// The stored value.
    pub value: String,
    /// What the citizen reads.
    pub label: String,
}

/// One question, on its own page.
#[derive(Debug, Clone, PartialEq)]
pub struct Question {
    /// The line the page starts on, for errors found after reading.
    pub line: usize,
    /// Its id, used in expressions as `answers.<id>` and in the page's address.
    pub id: String,
    /// The kind of answer.
    pub kind: QuestionKind,
    /// The question, as the page heading.
    pub label: String,
    /// Help under the heading.
    pub hint: Option<String>,
    /// Whether an answer is needed (default true).
    pub required: bool,
    /// Options, for radios and checkboxes.
    pub options: Vec<Choice>,
    /// Least value (number), fewest choices (checkboxes) or shortest text.
    pub min: Option<f64>,
    /// Greatest value (number), most choices (checkboxes) or longest text.
    pub max: Option<f64>,
    /// Further rules over `value`, each with the message shown when it does not hold.
    pub validate: Vec<Rule>,
    /// Show the page only when this holds.
    pub show_if: Option<Expression>,
    /// Skip the page when this holds.
    pub skip_if: Option<Expression>,
}

/// A rule and what to say when it does not hold.
#[derive(Debug, Clone, PartialEq)]
pub struct Rule {
    /// Must hold.
    pub rule: Expression,
    /// Plain-language reason or error message when it does not.
    pub reason: String,
}

/// Whose register a check reads or an output writes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RegisterOwner {
    /// National, shared by all councils.
    National,
    /// The council running the service.
    Council,
}

/// Look up a record in a register, by a key taken from the answers, and judge it.
#[derive(Debug, Clone, PartialEq)]
pub struct RegisterCheck {
    /// The line the check starts on, for errors found after reading.
    pub line: usize,
    /// Its id, used as `checks.<id>.<field>` by later rules and outputs.
    pub id: String,
    /// The register's name.
    pub register: String,
    /// National or the council's own.
    pub owner: RegisterOwner,
    /// The record key, or with `by` the value a field of the record must hold.
    pub key: Expression,
    /// Find the record whose field `by` holds (or lists) the key, instead of the record with
    /// that key: e.g. the parking zone whose `streets` include the address's street.
    pub by: Option<String>,
    /// The fields read (and, under consent, the only ones granted).
    pub fields: Vec<String>,
    /// The purpose the citizen consents to; None for a register holding no personal data.
    pub consent: Option<String>,
    /// A rule over `record.<field>`; absent means "a record exists".
    pub rule: Option<Expression>,
    /// What the citizen and caseworker are told when the record is missing or the rule fails.
    pub reason: String,
}

/// The fee: the first amount whose `when` holds.
#[derive(Debug, Clone, PartialEq)]
pub struct Fee {
    /// What the payment is for, as the payment page says.
    pub description: String,
    /// Amount rules in order.
    pub amounts: Vec<FeeAmount>,
}

/// One amount rule.
#[derive(Debug, Clone, PartialEq)]
pub struct FeeAmount {
    /// When it applies; absent means always.
    pub when: Option<Expression>,
    /// The amount in pence.
    pub pence: Expression,
}

/// The moments in a case's life that notifications and outputs follow.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Moment {
    /// The application was submitted.
    Submitted,
    /// The case went to a caseworker.
    Queued,
    /// The case was approved (automatically or by a caseworker).
    Approved,
    /// A caseworker refused it.
    Refused,
}

impl Moment {
    /// The word a definition uses for each moment.
    pub const WORDS: &[(&str, Moment)] = &[
        ("submitted", Moment::Submitted),
        ("queued", Moment::Queued),
        ("approved", Moment::Approved),
        ("refused", Moment::Refused),
    ];

    /// The moment named by a definition word.
    pub fn parse(word: &str) -> Option<Moment> {
        Moment::WORDS.iter().find(|(w, _)| *w == word).map(|(_, m)| *m)
    }

    /// The definition word.
    pub fn as_str(self) -> &'static str {
        Moment::WORDS.iter().find(|(_, m)| *m == self).map(|(w, _)| *w).unwrap_or("submitted")
    }
}

/// Who a notification goes to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Recipient {
    /// The applicant (their account's email).
    Citizen,
    /// The council's service inbox.
    Council,
}

/// Send a template at a moment.
#[derive(Debug, Clone, PartialEq)]
pub struct NotificationRule {
    /// When.
    pub on: Moment,
    /// To whom.
    pub to: Recipient,
    /// The notifications platform's template reference.
    pub template: String,
}

/// How a submitted case is decided.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Decision {
    /// Approve at once when every check and eligibility rule holds; otherwise (or when false) a caseworker decides.
    pub auto_approve: bool,
}

/// What an output does.
#[derive(Debug, Clone, PartialEq)]
pub enum OutputAction {
    /// Append an entry to a register.
    Register {
        /// The register's name.
        register: String,
        /// National or the council's own.
        owner: RegisterOwner,
        /// The entry key.
        key: Expression,
        /// Field name and the expression giving its value.
        fields: Vec<(String, Expression)>,
    },
    /// POST the case as JSON to a URL.
    Webhook {
        /// Where.
        url: String,
    },
}

/// An output and when it happens.
#[derive(Debug, Clone, PartialEq)]
pub struct Output {
    /// When.
    pub on: Moment,
    /// What.
    pub action: OutputAction,
}

/// One problem in a definition, and where.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct DefinitionError {
    /// Line, from 1.
    pub line: usize,
    /// Column, from 1.
    pub column: usize,
    /// What is wrong.
    pub message: String,
}

impl fmt::Display for DefinitionError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "line {}, column {}: {}", self.line, self.column, self.message)
    }
}
