//! Card providers: the seam between the hosted page and whoever moves the money.
//!
//! [`Sandbox`] behaves like GOV.UK Pay's test cards and needs nothing else running;
//! [`StripeProvider`] talks to a Stripe-shaped HTTP API (payment intents with manual capture,
//! refunds). Card numbers pass through a provider call and are never kept.

use std::future::Future;
use std::pin::Pin;

use crate::card::CardNumber;

/// A boxed future, so providers can sit behind `Arc<dyn CardProvider>`.
pub type BoxFuture<'a, T> = Pin<Box<dyn Future<Output = T> + Send + 'a>>;

/// What the hosted page hands a provider to authorise.
#[derive(Debug, Clone)]
pub struct CardAuthorisation {
    /// Our payment id (the provider's idempotency key).
    pub payment_id: String,
    /// In pence.
    pub amount: i64,
    /// The card number (redacted in Debug).
    pub number: CardNumber,
    /// 1-12.
    pub expiry_month: u32,
    /// Four digits.
    pub expiry_year: u32,
    /// Three or four digits.
    pub cvc: String,
    /// The name on the card.
    pub cardholder_name: String,
    /// Where the cardholder's bank sends them back after a 3-D Secure challenge on its own page
    /// (the hosted page's `/3ds/return`); providers that redirect to the bank need it.
    pub return_url: Option<String>,
}

/// The provider's answer to an authorisation.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Authorisation {
    /// Authorised; capture later with this id.
    Authorised {
        /// The provider's id for the payment.
        provider_id: String,
    },
    /// Declined; the citizen may try another card. The message is for the citizen.
    Declined {
        /// What to tell the citizen.
        message: String,
    },
    /// The card's issuer wants the cardholder to pass a 3-D Secure challenge first; the
    /// answer goes to [`CardProvider::complete_challenge`] with this id.
    ChallengeRequired {
        /// The provider's id for the payment awaiting the challenge.
        provider_id: String,
        /// Where to send the cardholder for it: the issuer's page (Stripe's
        /// `next_action.redirect_to_url.url`), or None for the hosted page's own challenge step.
        redirect_url: Option<String>,
    },
}

/// A provider that could not be reached or answered with an error (P0050).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{0}")]
pub struct ProviderError(pub String);

/// Something that authorises, captures and refunds card payments.
pub trait CardProvider: Send + Sync {
    /// The provider's name, shown as `payment_provider`.
    fn name(&self) -> &'static str;
    /// Authorises the card for the amount without taking it.
    fn authorise<'a>(&'a self, request: &'a CardAuthorisation) -> BoxFuture<'a, Result<Authorisation, ProviderError>>;
    /// Takes an authorised amount.
    fn capture<'a>(&'a self, provider_id: &'a str, amount: i64) -> BoxFuture<'a, Result<(), ProviderError>>;
    /// Refunds part or all of a captured amount; returns the provider's refund id.
    fn refund<'a>(&'a self, provider_id: &'a str, amount: i64) -> BoxFuture<'a, Result<String, ProviderError>>;
    /// The outcome of a 3-D Secure challenge this provider asked for: authorised or declined.
    /// `authenticated` is the cardholder's answer on the hosted page's own challenge step; a
    /// provider whose challenge happens at the bank (a redirect) asks its API instead and ignores
    /// it. A provider that never asks for one answers with an error.
    fn complete_challenge<'a>(
        &'a self,
        provider_id: &'a str,
        authenticated: bool,
    ) -> BoxFuture<'a, Result<Authorisation, ProviderError>> {
        let _ = (provider_id, authenticated);
        Box::pin(async move { Err(ProviderError(format!("{} has no 3-D Secure challenge step", self.name()))) })
    }
}

/// The sandbox's 3-D Secure challenge card: Stripe's "authentication required" test card,
/// which Pay's Stripe test accounts document (Pay's own sandbox has no 3-D Secure).
pub const THREE_DS_CARD: &str = "4000002760003184";

/// Pay's test cards, offline: 4000000000000002 is declined, 4000000000000069 is an expired
/// card, 4000000000000127 has an incorrect CVC, 4000000000000119 is a processing error,
/// [`THREE_DS_CARD`] asks for a 3-D Secure challenge (authorised if the citizen passes it,
/// declined if not); every other valid number (4444333322221111, 5101180000000007, …) is authorised.
#[derive(Debug, Clone, Default)]
pub struct Sandbox;

impl CardProvider for Sandbox {
    fn name(&self) -> &'static str {
        "sandbox"
    }

    fn authorise<'a>(&'a self, request: &'a CardAuthorisation) -> BoxFuture<'a, Result<Authorisation, ProviderError>> {
        Box::pin(async move {
            let declined = |m: &str| Ok(Authorisation::Declined { message: m.to_string() });
            match request.number.digits() {
                "4000000000000002" => declined("Your payment has been declined. Try a different card."),
                "4000000000000069" => declined("The card has expired. Try a different card."),
                "4000000000000127" => declined("The card security code is incorrect. Check it and try again."),
                "4000000000000119" => Err(ProviderError("sandbox processing error".to_string())),
                THREE_DS_CARD => Ok(Authorisation::ChallengeRequired {
                    provider_id: format!("sandbox-3ds-{}", request.payment_id),
                    redirect_url: None,
                }),
                _ => Ok(Authorisation::Authorised { provider_id: format!("sandbox-{}", request.payment_id) }),
            }
        })
    }

    fn capture<'a>(&'a self, _provider_id: &'a str, _amount: i64) -> BoxFuture<'a, Result<(), ProviderError>> {
        Box::pin(async { Ok(()) })
    }

    fn refund<'a>(&'a self, provider_id: &'a str, amount: i64) -> BoxFuture<'a, Result<String, ProviderError>> {
        Box::pin(async move { Ok(format!("sandbox-refund-{provider_id}-{amount}-{}", crate::model::new_id())) })
    }

    fn complete_challenge<'a>(
        &'a self,
        provider_id: &'a str,
        authenticated: bool,
    ) -> BoxFuture<'a, Result<Authorisation, ProviderError>> {
        Box::pin(async move {
            match provider_id.strip_prefix("sandbox-3ds-") {
                None => Err(ProviderError("no 3-D Secure challenge is waiting for this payment".to_string())),
                Some(id) if authenticated => Ok(Authorisation::Authorised { provider_id: format!("sandbox-{id}") }),
                Some(_) => Ok(Authorisation::Declined {
                    message: "Your bank could not confirm it was you. Your payment has been declined.".to_string(),
                }),
            }
        })
    }
}

/// A Stripe-shaped HTTP processor: `POST /v1/payment_intents` (form-encoded, `confirm=true`,
/// `capture_method=manual`, `return_url`), `GET /v1/payment_intents/{id}`,
/// `POST /v1/payment_intents/{id}/capture`, `POST /v1/refunds`, authenticated with
/// `Authorization: Bearer <secret key>`. A 402 with `error.type = "card_error"` is a decline;
/// anything else unexpected is a provider error.
///
/// 3-D Secure as Stripe documents it for server-side confirmation: an intent that comes back
/// `requires_action` with `next_action.type = "redirect_to_url"` sends the cardholder to
/// `next_action.redirect_to_url.url` (their bank's page); the bank sends them back to the
/// `return_url` given at confirmation, and the intent, read again, is `requires_capture`
/// (authenticated) or `requires_payment_method` (authentication failed: a decline).
#[derive(Debug, Clone)]
pub struct StripeProvider {
    base_url: String,
    secret_key: String,
    client: reqwest::Client,
}

impl StripeProvider {
    /// A provider for the API at `base_url` (`https://api.stripe.com`) with this secret key.
    pub fn new(base_url: &str, secret_key: &str) -> StripeProvider {
        let client = reqwest::Client::builder()
            .timeout(std::time::Duration::from_secs(30))
            .build()
            .unwrap_or_else(|_| reqwest::Client::new());
        StripeProvider {
            base_url: base_url.trim_end_matches('/').to_string(),
            secret_key: secret_key.to_string(),
            client,
        }
    }

    async fn post(
        &self,
        path: &str,
        idempotency: &str,
        form: &[(&str, String)],
    ) -> Result<(u16, serde_json::Value), ProviderError> {
        let response = self
            .client
            .post(format!("{}{path}", self.base_url))
            .bearer_auth(&self.secret_key)
            .header("Idempotency-Key", idempotency)
            .form(form)
            .send()
            .await
            .map_err(|e| ProviderError(format!("cannot reach the card processor: {}", e.without_url())))?;
        let status = response.status().as_u16();
        let body = response
            .json()
            .await
            .map_err(|_| ProviderError(format!("card processor answered {status} without JSON")))?;
        Ok((status, body))
    }

    async fn get(&self, path: &str) -> Result<(u16, serde_json::Value), ProviderError> {
        let response = self
            .client
            .get(format!("{}{path}", self.base_url))
            .bearer_auth(&self.secret_key)
            .send()
            .await
            .map_err(|e| ProviderError(format!("cannot reach the card processor: {}", e.without_url())))?;
        let status = response.status().as_u16();
        let body = response
            .json()
            .await
            .map_err(|_| ProviderError(format!("card processor answered {status} without JSON")))?;
        Ok((status, body))
    }
}

/// The cardholder's bank could not confirm it was them (a failed or abandoned 3-D Secure check).
const AUTHENTICATION_FAILED: &str = "Your bank could not confirm it was you. Your payment has been declined.";

impl CardProvider for StripeProvider {
    fn name(&self) -> &'static str {
        "stripe"
    }

    fn authorise<'a>(&'a self, request: &'a CardAuthorisation) -> BoxFuture<'a, Result<Authorisation, ProviderError>> {
        Box::pin(async move {
            let mut form = vec![
                ("amount", request.amount.to_string()),
                ("currency", "gbp".to_string()),
                ("capture_method", "manual".to_string()),
                ("confirm", "true".to_string()),
                ("payment_method_data[type]", "card".to_string()),
                ("payment_method_data[card][number]", request.number.digits().to_string()),
                ("payment_method_data[card][exp_month]", request.expiry_month.to_string()),
                ("payment_method_data[card][exp_year]", request.expiry_year.to_string()),
                ("payment_method_data[card][cvc]", request.cvc.clone()),
                ("payment_method_data[billing_details][name]", request.cardholder_name.clone()),
                ("metadata[payment_id]", request.payment_id.clone()),
            ];
            if let Some(url) = &request.return_url {
                form.push(("return_url", url.clone()));
            }
            let (status, body) =
                self.post("/v1/payment_intents", &format!("auth-{}", request.payment_id), &form).await?;
            match status {
                200 if body["status"] == "requires_capture" => {
                    let id = body["id"].as_str().ok_or_else(|| ProviderError("payment intent without id".into()))?;
                    Ok(Authorisation::Authorised { provider_id: id.to_string() })
                }
                200 if body["status"] == "requires_action" => {
                    let id = body["id"].as_str().ok_or_else(|| ProviderError("payment intent without id".into()))?;
                    match (body["next_action"]["type"].as_str(), body["next_action"]["redirect_to_url"]["url"].as_str())
                    {
                        (Some("redirect_to_url"), Some(url)) => Ok(Authorisation::ChallengeRequired {
                            provider_id: id.to_string(),
                            redirect_url: Some(url.to_string()),
                        }),
                        (kind, _) => Err(ProviderError(format!(
                            "payment intent {id} needs an action the hosted page cannot take: {}",
                            kind.unwrap_or("none")
                        ))),
                    }
                }
                402 if body["error"]["type"] == "card_error" => {
                    let message = match body["error"]["code"].as_str() {
                        Some("expired_card") => "The card has expired. Try a different card.",
                        Some("incorrect_cvc") => "The card security code is incorrect. Check it and try again.",
                        _ => "Your payment has been declined. Try a different card.",
                    };
                    Ok(Authorisation::Declined { message: message.to_string() })
                }
                _ => Err(ProviderError(format!("card processor answered {status}: {}", body["error"]["message"]))),
            }
        })
    }

    fn capture<'a>(&'a self, provider_id: &'a str, amount: i64) -> BoxFuture<'a, Result<(), ProviderError>> {
        Box::pin(async move {
            let path = format!("/v1/payment_intents/{}/capture", urlencoding::encode(provider_id));
            let (status, body) = self
                .post(&path, &format!("capture-{provider_id}"), &[("amount_to_capture", amount.to_string())])
                .await?;
            if status == 200 && body["status"] == "succeeded" {
                Ok(())
            } else {
                Err(ProviderError(format!("capture answered {status}: {}", body["error"]["message"])))
            }
        })
    }

    fn complete_challenge<'a>(
        &'a self,
        provider_id: &'a str,
        _authenticated: bool,
    ) -> BoxFuture<'a, Result<Authorisation, ProviderError>> {
        Box::pin(async move {
            let (status, body) = self.get(&format!("/v1/payment_intents/{}", urlencoding::encode(provider_id))).await?;
            if status != 200 {
                return Err(ProviderError(format!(
                    "reading the payment intent answered {status}: {}",
                    body["error"]["message"]
                )));
            }
            match body["status"].as_str() {
                Some("requires_capture") => Ok(Authorisation::Authorised { provider_id: provider_id.to_string() }),
                // Failed, or never finished (the cardholder came back without authenticating).
                Some("requires_payment_method") | Some("requires_action") | Some("canceled") => {
                    Ok(Authorisation::Declined { message: AUTHENTICATION_FAILED.to_string() })
                }
                other => Err(ProviderError(format!("payment intent {provider_id} is {}", other.unwrap_or("unknown")))),
            }
        })
    }

    fn refund<'a>(&'a self, provider_id: &'a str, amount: i64) -> BoxFuture<'a, Result<String, ProviderError>> {
        Box::pin(async move {
            let idempotency = format!("refund-{provider_id}-{}", crate::model::new_id());
            let form = [("payment_intent", provider_id.to_string()), ("amount", amount.to_string())];
            let (status, body) = self.post("/v1/refunds", &idempotency, &form).await?;
            match (status, body["id"].as_str()) {
                (200, Some(id)) if body["status"] == "succeeded" || body["status"] == "pending" => Ok(id.to_string()),
                _ => Err(ProviderError(format!("refund answered {status}: {}", body["error"]["message"]))),
            }
        })
    }
}
