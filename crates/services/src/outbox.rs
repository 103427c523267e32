//! The outbox: notifications and outputs a case change causes are written in the same
//! transaction as the change (DESIGN.md principle 7), then delivered at least once, each with
//! an idempotency key the receiving brick de-duplicates on. A row is claimed before delivery
//! so two nodes do not deliver it at once; a failed row is retried by [`Engine::run_outbox`].
//! Rows are written already claimed by the node that wrote them, which delivers them straight
//! after the commit from memory: no second write to claim them and no read to find them (a
//! node that dies before delivering leaves a claim that goes stale, and another node retries).

use serde_json::{Map, Value, json};
use sqlx::Row;
use store::group_commit::{Tx, Write, WriteFuture};
use store::{CouncilId, now_timestamp};
use time::Date;

use crate::definition::{Moment, OutputAction, Recipient, RegisterOwner, ServiceDefinition};
use crate::engine::Engine;
use crate::error::Result;
use crate::eval::{Scope, eval};
use crate::ports::{NotificationRequest, OutputReceipt, RegisterOutput, WebhookOutput};

/// Everything outputs and notifications are computed from.
pub(crate) struct CaseContext<'a> {
    pub council: CouncilId,
    pub case_id: i64,
    pub reference: String,
    pub citizen: String,
    pub definition: &'a ServiceDefinition,
    pub answers: &'a Map<String, Value>,
    pub checks: &'a Map<String, Value>,
    pub reasons: &'a [String],
    pub decision_reason: Option<String>,
    pub fee: Option<i64>,
    pub today: Date,
}

fn owner_word(o: RegisterOwner) -> &'static str {
    match o {
        RegisterOwner::National => "national",
        RegisterOwner::Council => "council",
    }
}

/// An outbox row this node holds the claim on, with what delivering it needs.
pub(crate) struct Claimed {
    id: i64,
    council: CouncilId,
    case_id: i64,
    kind: String,
    key: String,
    payload: Value,
    attempts: i64,
}

/// Writes the outbox rows for a moment, computing output fields now so delivery is a pure copy;
/// each row is written claimed by this node (its first attempt), and returned for
/// [`Engine::deliver_claimed`] to deliver once the transaction has committed.
pub(crate) async fn enqueue(
    tx: &mut sqlx::Transaction<'_, sqlx::Any>,
    ctx: &CaseContext<'_>,
    moment: Moment,
) -> std::result::Result<Vec<Claimed>, sqlx::Error> {
    let d = ctx.definition;
    let case = json!({"reference": ctx.reference, "fee_pence": ctx.fee});
    let scope = Scope {
        answers: ctx.answers,
        record: None,
        checks: ctx.checks,
        case: Some(&case),
        value: None,
        today: ctx.today,
    };
    let mut personalisation = Map::new();
    personalisation.insert("reference".into(), json!(ctx.reference));
    personalisation.insert("service".into(), json!(d.name));
    personalisation.insert("reasons".into(), json!(ctx.reasons.join("\n")));
    personalisation.insert("decision_reason".into(), json!(ctx.decision_reason.clone().unwrap_or_default()));
    for q in &d.pages {
        if let Some(v) = ctx.answers.get(&q.id) {
            personalisation.insert(q.id.clone(), json!(crate::answers::display(q, v)));
        }
    }
    let email = d
        .pages
        .iter()
        .find(|q| q.kind == crate::definition::QuestionKind::Email)
        .and_then(|q| ctx.answers.get(&q.id))
        .and_then(|v| v.as_str())
        .map(str::to_string);
    let mut rows: Vec<(String, Value)> = Vec::new();
    for n in d.notifications.iter().filter(|n| n.on == moment) {
        rows.push((
            "notify".into(),
            json!({"to": if n.to == Recipient::Citizen { "citizen" } else { "council" }, "template": n.template,
                   "citizen": ctx.citizen, "email": email, "personalisation": personalisation}),
        ));
    }
    for o in d.outputs.iter().filter(|o| o.on == moment) {
        match &o.action {
            OutputAction::Register { register, owner, key, fields } => {
                let key = match eval(&key.expr, &scope) {
                    Ok(Value::String(s)) => s,
                    Ok(other) => other.to_string(),
                    Err(e) => e.0,
                };
                let mut item = Map::new();
                for (name, e) in fields {
                    match eval(&e.expr, &scope) {
                        Ok(Value::Null) | Err(_) => {}
                        Ok(Value::String(s)) => {
                            item.insert(name.clone(), Value::String(s));
                        }
                        Ok(other) => {
                            item.insert(name.clone(), Value::String(other.to_string()));
                        }
                    }
                }
                rows.push((
                    "register".into(),
                    json!({"register": register, "owner": owner_word(*owner), "key": key, "item": item}),
                ));
            }
            OutputAction::Webhook { url } => rows.push((
                "webhook".into(),
                json!({"url": url, "body": {"reference": ctx.reference, "service": d.id, "moment": moment.as_str(),
                       "answers": ctx.answers, "reasons": ctx.reasons}}),
            )),
        }
    }
    let mut claimed = Vec::new();
    for (i, (kind, payload)) in rows.into_iter().enumerate() {
        let key = format!("case-{}-{}-{kind}-{i}", ctx.case_id, moment.as_str());
        let now = now_timestamp();
        let inserted = sqlx::query(
            "INSERT INTO service_outbox (council_id, case_id, kind, idempotency_key, payload, created_at, \
             locked_at, attempts) VALUES ($1, $2, $3, $4, $5, $6, $6, 1) \
             ON CONFLICT (idempotency_key) DO NOTHING RETURNING id",
        )
        .bind(ctx.council.0)
        .bind(ctx.case_id)
        .bind(&kind)
        .bind(&key)
        .bind(payload.to_string())
        .bind(&now)
        .fetch_optional(&mut **tx)
        .await?;
        if let Some(row) = inserted {
            let id = row.try_get(0)?;
            claimed.push(Claimed { id, council: ctx.council, case_id: ctx.case_id, kind, key, payload, attempts: 1 });
        }
    }
    Ok(claimed)
}

/// A claim older than this is taken to have died with its node and may be taken again.
const CLAIM_SECONDS: i64 = 120;

fn stale_before() -> String {
    timestamp(time::OffsetDateTime::now_utc() - time::Duration::seconds(CLAIM_SECONDS))
}

fn timestamp(t: time::OffsetDateTime) -> String {
    let format = time::macros::format_description!("[year]-[month]-[day]T[hour]:[minute]:[second]Z");
    t.format(&format).unwrap_or_default()
}

/// The longest a failing row waits between attempts.
const MOST_BACK_OFF_SECONDS: i64 = 3600;

/// How long a row waits after its `attempts`-th failure: 10 s, doubling to an hour, so a
/// webhook whose server is down is not called (and logged) every few seconds for ever.
pub(crate) fn back_off_seconds(attempts: i64) -> i64 {
    let doublings = attempts.clamp(1, 20) - 1;
    (10_i64 << doublings).min(MOST_BACK_OFF_SECONDS)
}

/// The `locked_at` that makes a failed row claimable again only after its back-off: a claim
/// is taken again once `locked_at` is older than [`CLAIM_SECONDS`], so the failure is recorded
/// as a claim that goes stale when the back-off ends.
fn retry_after(attempts: i64) -> String {
    let wait = back_off_seconds(attempts) - CLAIM_SECONDS;
    timestamp(time::OffsetDateTime::now_utc() + time::Duration::seconds(wait))
}

impl Engine {
    /// Delivers the rows [`enqueue`] wrote claimed, now that their transaction has committed;
    /// failures stay pending for [`Engine::run_outbox`] and are logged, never lost.
    pub(crate) async fn deliver_claimed(&self, rows: Vec<Claimed>) {
        for row in rows {
            let (case_id, id) = (row.case_id, row.id);
            if let Err(e) = self.deliver_row(row).await {
                tracing::warn!(case_id, outbox = id, error = %e, "service outbox delivery failed; will retry");
            }
        }
    }

    /// Delivers up to `limit` pending rows of every council; returns how many were delivered.
    /// The binary runs this periodically.
    pub async fn run_outbox(&self, limit: i64) -> Result<usize> {
        let rows = sqlx::query("SELECT id FROM service_outbox WHERE done_at IS NULL ORDER BY id LIMIT $1")
            .bind(limit)
            .fetch_all(self.store.pool())
            .await?;
        let mut delivered = 0;
        for r in rows {
            match self.deliver(r.try_get(0)?).await {
                Ok(true) => delivered += 1,
                Ok(false) => {}
                Err(e) => tracing::warn!(error = %e, "service outbox delivery failed; will retry"),
            }
        }
        Ok(delivered)
    }

    /// Claims and delivers one row; false when another node holds it or it is done.
    async fn deliver(&self, id: i64) -> Result<bool> {
        let now = now_timestamp();
        let claimed = sqlx::query(
            "UPDATE service_outbox SET locked_at = $1, attempts = attempts + 1 \
             WHERE id = $2 AND done_at IS NULL AND (locked_at IS NULL OR locked_at < $3)",
        )
        .bind(&now)
        .bind(id)
        .bind(stale_before())
        .execute(self.store.pool())
        .await?;
        if claimed.rows_affected() == 0 {
            return Ok(false);
        }
        let r = sqlx::query(
            "SELECT council_id, case_id, kind, idempotency_key, payload, attempts FROM service_outbox WHERE id = $1",
        )
        .bind(id)
        .fetch_one(self.store.pool())
        .await?;
        let payload: Value = serde_json::from_str(&r.try_get::<String, _>(4)?)
            .map_err(|e| crate::error::ServiceError::Corrupt(e.to_string()))?;
        let row = Claimed {
            id,
            council: CouncilId(r.try_get(0)?),
            case_id: r.try_get(1)?,
            kind: r.try_get(2)?,
            key: r.try_get(3)?,
            payload,
            attempts: r.try_get(5)?,
        };
        self.deliver_row(row).await?;
        Ok(true)
    }

    /// Delivers one row this node holds the claim on: done (with the case's event) in one
    /// transaction, or released to wait out its back-off.
    async fn deliver_row(&self, row: Claimed) -> Result<()> {
        let Claimed { id, council, case_id, kind, key, payload, attempts } = row;
        let text = |k: &str| payload[k].as_str().unwrap_or_default().to_string();
        let outcome = match kind.as_str() {
            "notify" => {
                let request = NotificationRequest {
                    council,
                    to: if text("to") == "council" { Recipient::Council } else { Recipient::Citizen },
                    citizen: text("citizen"),
                    email: payload["email"].as_str().map(str::to_string),
                    template: text("template"),
                    personalisation: payload["personalisation"].as_object().cloned().unwrap_or_default(),
                    idempotency_key: key.clone(),
                };
                self.ports.notifier.send(&request).await.map(|id| json!({"notification": id}))
            }
            "register" => {
                let output = RegisterOutput {
                    council,
                    register: text("register"),
                    owner: if text("owner") == "council" { RegisterOwner::Council } else { RegisterOwner::National },
                    key: text("key"),
                    item: payload["item"].as_object().cloned().unwrap_or_default(),
                    idempotency_key: key.clone(),
                };
                self.ports.outputs.append(&output).await.map(|receipt: OutputReceipt| {
                    json!({"register": output.register, "key": output.key, "entry_number": receipt.entry_number, "link": receipt.link})
                })
            }
            _ => {
                let output = WebhookOutput {
                    council,
                    url: text("url"),
                    body: payload["body"].clone(),
                    idempotency_key: key.clone(),
                };
                self.ports.outputs.webhook(&output).await.map(|status| json!({"url": output.url, "status": status}))
            }
        };
        match outcome {
            Ok(result) => {
                let event_kind = if kind == "notify" { "notification" } else { "output" };
                self.write(Delivered { id, council, case_id, event_kind, result }).await?;
                Ok(())
            }
            Err(e) => {
                sqlx::query("UPDATE service_outbox SET locked_at = $1, result = $2 WHERE id = $3")
                    .bind(retry_after(attempts))
                    .bind(json!({"error": e.to_string(), "attempts": attempts}).to_string())
                    .bind(id)
                    .execute(self.store.pool())
                    .await?;
                Err(e.into())
            }
        }
    }
}

/// An outbox row marked delivered, with its case's event, in the engine's group commit.
struct Delivered {
    id: i64,
    council: CouncilId,
    case_id: i64,
    event_kind: &'static str,
    result: Value,
}

impl Write for Delivered {
    type Output = ();
    type Error = sqlx::Error;

    fn run<'a>(&'a self, tx: &'a mut Tx) -> WriteFuture<'a, ()> {
        Box::pin(async move {
            sqlx::query("UPDATE service_outbox SET done_at = $1, result = $2 WHERE id = $3")
                .bind(now_timestamp())
                .bind(self.result.to_string())
                .bind(self.id)
                .execute(&mut **tx)
                .await?;
            crate::cases::event(tx, self.council, self.case_id, "engine", self.event_kind, self.result.clone()).await
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn back_off_doubles_from_ten_seconds_to_an_hour() {
        let waits: Vec<i64> = (1..=11).map(back_off_seconds).collect();
        assert_eq!(waits, vec![10, 20, 40, 80, 160, 320, 640, 1280, 2560, 3600, 3600]);
        assert_eq!(back_off_seconds(0), 10);
        assert_eq!(back_off_seconds(i64::MAX), 3600);
    }
}
