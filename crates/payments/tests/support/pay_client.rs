//! A small GOV.UK Pay client written from Pay's published OpenAPI file
//! (alphagov/pay-publicapi `openapi/publicapi_spec.json`; the parts used are transcribed in
//! `tests/pay-openapi/`), not from this crate's code: request and response types are the
//! spec's schemas (`CreateCardPaymentRequest`, `CreatePaymentResult`, `GetPaymentResult`,
//! `PaymentEvents`, `PaymentRefundRequest`, `PaymentSearchResults`, `RefundSearchResults`,
//! `RequestError`), and a response that lacks a field the client reads fails to decode.
#![allow(dead_code)]

use serde::{Deserialize, Serialize};

/// `CreateCardPaymentRequest`.
#[derive(Debug, Clone, Serialize, Default)]
pub struct CreateCardPaymentRequest {
    pub amount: i64,
    pub reference: String,
    pub description: String,
    pub return_url: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub email: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub language: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub delayed_capture: Option<bool>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub metadata: Option<serde_json::Map<String, serde_json::Value>>,
}

/// `Link`.
#[derive(Debug, Clone, Deserialize)]
pub struct Link {
    pub href: String,
    pub method: String,
}

/// `PaymentState`.
#[derive(Debug, Clone, Deserialize)]
pub struct PaymentState {
    pub status: String,
    pub finished: bool,
    pub code: Option<String>,
    pub message: Option<String>,
}

/// `RefundSummary`.
#[derive(Debug, Clone, Deserialize)]
pub struct RefundSummary {
    pub status: String,
    pub amount_available: i64,
    pub amount_submitted: i64,
}

/// `CardDetails`.
#[derive(Debug, Clone, Deserialize)]
pub struct CardDetails {
    pub last_digits_card_number: Option<String>,
    pub cardholder_name: Option<String>,
    pub expiry_date: Option<String>,
    pub card_brand: Option<String>,
}

/// `PaymentLinks`.
#[derive(Debug, Clone, Deserialize)]
pub struct PaymentLinks {
    #[serde(rename = "self")]
    pub self_: Link,
    pub next_url: Option<Link>,
    pub events: Link,
    pub refunds: Link,
    pub cancel: Option<Link>,
    pub capture: Option<Link>,
}

/// `CreatePaymentResult` / `GetPaymentResult` (the fields this client reads).
#[derive(Debug, Clone, Deserialize)]
pub struct Payment {
    pub payment_id: String,
    pub amount: i64,
    pub reference: String,
    pub description: String,
    pub return_url: String,
    pub state: PaymentState,
    pub created_date: String,
    pub language: String,
    pub delayed_capture: bool,
    pub payment_provider: String,
    pub refund_summary: RefundSummary,
    pub card_details: Option<CardDetails>,
    pub metadata: Option<serde_json::Map<String, serde_json::Value>>,
    pub email: Option<String>,
    #[serde(rename = "_links")]
    pub links: PaymentLinks,
}

/// `PaymentEvent`.
#[derive(Debug, Clone, Deserialize)]
pub struct PaymentEvent {
    pub payment_id: String,
    pub state: PaymentState,
    pub updated: String,
}

/// `PaymentEvents`.
#[derive(Debug, Clone, Deserialize)]
pub struct PaymentEvents {
    pub payment_id: String,
    pub events: Vec<PaymentEvent>,
}

/// `PaymentRefundRequest`.
#[derive(Debug, Clone, Serialize)]
pub struct PaymentRefundRequest {
    pub amount: i64,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub refund_amount_available: Option<i64>,
}

/// `Refund`.
#[derive(Debug, Clone, Deserialize)]
pub struct Refund {
    pub refund_id: String,
    pub created_date: String,
    pub amount: i64,
    pub status: String,
}

/// `SearchNavigationLinks`.
#[derive(Debug, Clone, Deserialize)]
pub struct SearchNavigationLinks {
    #[serde(rename = "self")]
    pub self_: Option<Href>,
    pub first_page: Option<Href>,
    pub last_page: Option<Href>,
    pub prev_page: Option<Href>,
    pub next_page: Option<Href>,
}

/// A navigation link (`href` only).
#[derive(Debug, Clone, Deserialize)]
pub struct Href {
    pub href: String,
}

/// `PaymentSearchResults`.
#[derive(Debug, Clone, Deserialize)]
pub struct PaymentSearchResults {
    pub total: i64,
    pub count: i64,
    pub page: i64,
    pub results: Vec<Payment>,
    #[serde(rename = "_links")]
    pub links: SearchNavigationLinks,
}

/// `RefundSearchResults`.
#[derive(Debug, Clone, Deserialize)]
pub struct RefundSearchResults {
    pub total: i64,
    pub count: i64,
    pub page: i64,
    pub results: Vec<Refund>,
    #[serde(rename = "_links")]
    pub links: SearchNavigationLinks,
}

/// `RequestError`.
#[derive(Debug, Clone, Deserialize, PartialEq)]
pub struct RequestError {
    pub field: Option<String>,
    pub code: String,
    pub description: String,
}

/// The API's answer: the decoded body, or Pay's error with the status.
pub type Answer<T> = Result<T, (u16, Option<RequestError>)>;

/// A client for one base URL and API key.
pub struct PayClient {
    pub base: String,
    pub key: String,
    pub http: reqwest::Client,
}

impl PayClient {
    async fn decode<T: for<'de> Deserialize<'de>>(res: reqwest::Response) -> Answer<T> {
        let status = res.status().as_u16();
        let bytes = res.bytes().await.expect("body");
        if (200..300).contains(&status) {
            Ok(serde_json::from_slice(&bytes).unwrap_or_else(|e| panic!("{e}: {}", String::from_utf8_lossy(&bytes))))
        } else {
            Err((status, serde_json::from_slice(&bytes).ok()))
        }
    }

    pub async fn create_payment(
        &self,
        req: &CreateCardPaymentRequest,
        idempotency_key: Option<&str>,
    ) -> Answer<Payment> {
        let mut r = self.http.post(format!("{}/v1/payments", self.base)).bearer_auth(&self.key).json(req);
        if let Some(k) = idempotency_key {
            r = r.header("Idempotency-Key", k);
        }
        Self::decode(r.send().await.expect("send")).await
    }

    pub async fn get_payment(&self, id: &str) -> Answer<Payment> {
        let r = self.http.get(format!("{}/v1/payments/{id}", self.base)).bearer_auth(&self.key);
        Self::decode(r.send().await.expect("send")).await
    }

    pub async fn get_events(&self, id: &str) -> Answer<PaymentEvents> {
        let r = self.http.get(format!("{}/v1/payments/{id}/events", self.base)).bearer_auth(&self.key);
        Self::decode(r.send().await.expect("send")).await
    }

    async fn post_empty(&self, path: &str) -> Result<u16, (u16, Option<RequestError>)> {
        let res = self.http.post(format!("{}{path}", self.base)).bearer_auth(&self.key).send().await.expect("send");
        let status = res.status().as_u16();
        if status == 204 { Ok(status) } else { Err((status, res.json().await.ok())) }
    }

    pub async fn cancel_payment(&self, id: &str) -> Result<u16, (u16, Option<RequestError>)> {
        self.post_empty(&format!("/v1/payments/{id}/cancel")).await
    }

    pub async fn capture_payment(&self, id: &str) -> Result<u16, (u16, Option<RequestError>)> {
        self.post_empty(&format!("/v1/payments/{id}/capture")).await
    }

    pub async fn refund(&self, id: &str, req: &PaymentRefundRequest) -> Answer<Refund> {
        let r = self.http.post(format!("{}/v1/payments/{id}/refunds", self.base)).bearer_auth(&self.key).json(req);
        Self::decode(r.send().await.expect("send")).await
    }

    pub async fn search_payments(&self, query: &[(&str, &str)]) -> Answer<PaymentSearchResults> {
        let r = self.http.get(format!("{}/v1/payments", self.base)).bearer_auth(&self.key).query(query);
        Self::decode(r.send().await.expect("send")).await
    }

    pub async fn search_refunds(&self, query: &[(&str, &str)]) -> Answer<RefundSearchResults> {
        let r = self.http.get(format!("{}/v1/refunds", self.base)).bearer_auth(&self.key).query(query);
        Self::decode(r.send().await.expect("send")).await
    }

    pub async fn follow(&self, href: &str) -> Answer<PaymentSearchResults> {
        let r = self.http.get(href).bearer_auth(&self.key);
        Self::decode(r.send().await.expect("send")).await
    }
}
