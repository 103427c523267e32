//! Cases after submission: the caseworker queue per council and service, assigning, deciding
//! (which notifies the citizen and runs the outputs), every case's history, and the citizen's
//! "Your applications". Every query filters by council.

use serde_json::{Map, Value, json};
use sqlx::Row;
use store::{CouncilId, now_timestamp};

use crate::definition::Moment;
use crate::engine::{CheckEvidence, Engine};
use crate::error::{Result, ServiceError};
use crate::outbox;

/// Where a case stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
pub enum CaseState {
    /// Waiting for a caseworker.
    Queued,
    /// Approved (automatically or by a caseworker).
    Approved,
    /// Refused by a caseworker.
    Refused,
}

impl CaseState {
    /// The stored word.
    pub fn as_str(self) -> &'static str {
        match self {
            CaseState::Queued => "queued",
            CaseState::Approved => "approved",
            CaseState::Refused => "refused",
        }
    }

    /// Reads the stored word.
    pub fn parse(s: &str) -> Option<CaseState> {
        [CaseState::Queued, CaseState::Approved, CaseState::Refused].into_iter().find(|c| c.as_str() == s)
    }
}

/// A case as lists show it.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct CaseSummary {
    /// Row id.
    pub id: i64,
    /// The council.
    pub council: CouncilId,
    /// The human-friendly reference, unique per council.
    pub reference: String,
    /// The service slug.
    pub service: String,
    /// The applicant.
    pub citizen: String,
    /// Where it stands.
    pub state: CaseState,
    /// Why it went to a caseworker (failed checks and rules), in plain words.
    pub reasons: Vec<String>,
    /// The caseworker it is assigned to.
    pub assigned_to: Option<String>,
    /// When it was submitted.
    pub created_at: String,
    /// The application it came from.
    pub application_id: String,
}

/// One event in a case's history.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct CaseEvent {
    /// When.
    pub at: String,
    /// Who (`citizen:…`, `staff:…`, `engine`).
    pub actor: String,
    /// What kind of event.
    pub kind: String,
    /// Its detail.
    pub detail: Value,
}

/// A case with everything a caseworker needs.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct CaseDetail {
    /// The summary.
    pub summary: CaseSummary,
    /// The answers that counted.
    pub answers: Map<String, Value>,
    /// What each register check read.
    pub evidence: Vec<CheckEvidence>,
    /// The fee paid, in pence.
    pub fee_pence: Option<i64>,
    /// The version of the definition the application ran on.
    pub definition_version: i64,
    /// The history, oldest first.
    pub events: Vec<CaseEvent>,
}

/// Which cases a queue shows.
#[derive(Debug, Clone, Default)]
pub struct QueueFilter {
    /// Only this service.
    pub service: Option<String>,
    /// Only this state (default: every state).
    pub state: Option<CaseState>,
    /// Only cases assigned to this caseworker.
    pub assigned_to: Option<String>,
}

/// A citizen's application as "Your applications" lists it.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct ApplicationSummary {
    /// The application id.
    pub id: String,
    /// The service slug.
    pub service: String,
    /// The service name (of the version applied on).
    pub service_name: String,
    /// The case reference, once submitted.
    pub reference: Option<String>,
    /// `draft`, or the case state.
    pub status: String,
    /// Last change.
    pub updated_at: String,
}

/// Appends an event inside a transaction.
pub(crate) async fn event(
    tx: &mut sqlx::Transaction<'_, sqlx::Any>,
    council: CouncilId,
    case_id: i64,
    actor: &str,
    kind: &str,
    detail: Value,
) -> std::result::Result<(), sqlx::Error> {
    events(tx, council, case_id, &[(actor, kind, detail)]).await
}

/// Appends several events of one case inside a transaction with one multi-row INSERT (a
/// submission writes three or more at once), in the order given: their ids, which order the
/// history, rise in that order.
pub(crate) async fn events(
    tx: &mut sqlx::Transaction<'_, sqlx::Any>,
    council: CouncilId,
    case_id: i64,
    events: &[(&str, &str, Value)],
) -> std::result::Result<(), sqlx::Error> {
    if events.is_empty() {
        return Ok(());
    }
    // $1 council, $2 case, $3 when; then actor, kind and detail for each event.
    let rows: Vec<String> =
        (0..events.len()).map(|i| format!("($1, $2, $3, ${}, ${}, ${})", 4 + i * 3, 5 + i * 3, 6 + i * 3)).collect();
    let sql = format!(
        "INSERT INTO service_case_events (council_id, case_id, at, actor, kind, detail) VALUES {}",
        rows.join(", ")
    );
    let mut query = sqlx::query(&sql).bind(council.0).bind(case_id).bind(now_timestamp());
    for (actor, kind, detail) in events {
        query = query.bind(*actor).bind(*kind).bind(detail.to_string());
    }
    query.execute(&mut **tx).await?;
    Ok(())
}

const SUMMARY_COLUMNS: &str =
    "id, reference, service_slug, citizen, state, reasons, assigned_to, created_at, application_id";

fn summary(council: CouncilId, r: &sqlx::any::AnyRow) -> Result<CaseSummary> {
    let state: String = r.try_get(4)?;
    Ok(CaseSummary {
        id: r.try_get(0)?,
        council,
        reference: r.try_get(1)?,
        service: r.try_get(2)?,
        citizen: r.try_get(3)?,
        state: CaseState::parse(&state).ok_or_else(|| ServiceError::Corrupt(format!("case state {state:?}")))?,
        reasons: serde_json::from_str(&r.try_get::<String, _>(5)?).map_err(|e| ServiceError::Corrupt(e.to_string()))?,
        assigned_to: r.try_get(6)?,
        created_at: r.try_get(7)?,
        application_id: r.try_get(8)?,
    })
}

impl Engine {
    /// One case's summary.
    pub async fn case_summary(&self, council: CouncilId, case_id: i64) -> Result<CaseSummary> {
        let r = sqlx::query(&format!("SELECT {SUMMARY_COLUMNS} FROM service_cases WHERE id = $1 AND council_id = $2"))
            .bind(case_id)
            .bind(council.0)
            .fetch_optional(self.store.pool())
            .await?
            .ok_or(ServiceError::UnknownCase)?;
        summary(council, &r)
    }

    /// The case an application became.
    pub async fn case_of_application(&self, council: CouncilId, application: &str) -> Result<CaseSummary> {
        let r = sqlx::query(&format!(
            "SELECT {SUMMARY_COLUMNS} FROM service_cases WHERE application_id = $1 AND council_id = $2"
        ))
        .bind(application)
        .bind(council.0)
        .fetch_optional(self.store.pool())
        .await?
        .ok_or(ServiceError::UnknownCase)?;
        summary(council, &r)
    }

    /// The caseworker queue: a council's cases, newest first, filtered.
    pub async fn queue(&self, council: CouncilId, filter: &QueueFilter) -> Result<Vec<CaseSummary>> {
        let rows = sqlx::query(&format!(
            "SELECT {SUMMARY_COLUMNS} FROM service_cases WHERE council_id = $1 \
             AND ($2 = '' OR service_slug = $2) AND ($3 = '' OR state = $3) AND ($4 = '' OR assigned_to = $4) \
             ORDER BY id DESC LIMIT 500"
        ))
        .bind(council.0)
        .bind(filter.service.clone().unwrap_or_default())
        .bind(filter.state.map(|s| s.as_str()).unwrap_or(""))
        .bind(filter.assigned_to.clone().unwrap_or_default())
        .fetch_all(self.store.pool())
        .await?;
        rows.iter().map(|r| summary(council, r)).collect()
    }

    /// A case with its answers, evidence and history.
    pub async fn case(&self, council: CouncilId, case_id: i64) -> Result<CaseDetail> {
        let summary = self.case_summary(council, case_id).await?;
        let r = sqlx::query(
            "SELECT answers, evidence, fee_pence, definition_id FROM service_cases WHERE id = $1 AND council_id = $2",
        )
        .bind(case_id)
        .bind(council.0)
        .fetch_one(self.store.pool())
        .await?;
        let corrupt = |e: serde_json::Error| ServiceError::Corrupt(e.to_string());
        let answers = serde_json::from_str(&r.try_get::<String, _>(0)?).map_err(corrupt)?;
        let evidence = serde_json::from_str(&r.try_get::<String, _>(1)?).map_err(corrupt)?;
        let definition = self.definition_for_case(council, r.try_get(3)?).await?;
        let rows = sqlx::query(
            "SELECT at, actor, kind, detail FROM service_case_events WHERE council_id = $1 AND case_id = $2 ORDER BY id",
        )
        .bind(council.0)
        .bind(case_id)
        .fetch_all(self.store.pool())
        .await?;
        let events = rows
            .iter()
            .map(|e| {
                Ok(CaseEvent {
                    at: e.try_get(0)?,
                    actor: e.try_get(1)?,
                    kind: e.try_get(2)?,
                    detail: serde_json::from_str(&e.try_get::<String, _>(3)?).map_err(corrupt)?,
                })
            })
            .collect::<Result<Vec<_>>>()?;
        Ok(CaseDetail {
            summary,
            answers,
            evidence,
            fee_pence: r.try_get(2)?,
            definition_version: definition.version,
            events,
        })
    }

    /// The definition version a case was made on (what its answers mean).
    pub async fn case_definition(&self, council: CouncilId, case_id: i64) -> Result<crate::StoredDefinition> {
        let r = sqlx::query("SELECT definition_id FROM service_cases WHERE id = $1 AND council_id = $2")
            .bind(case_id)
            .bind(council.0)
            .fetch_optional(self.store.pool())
            .await?
            .ok_or(ServiceError::UnknownCase)?;
        self.definition_for_case(council, r.try_get(0)?).await
    }

    /// Assigns a case to a caseworker (recorded in its history).
    pub async fn assign(&self, council: CouncilId, case_id: i64, staff: &str) -> Result<()> {
        let mut tx = self.store.pool().begin().await?;
        let done =
            sqlx::query("UPDATE service_cases SET assigned_to = $1, updated_at = $2 WHERE id = $3 AND council_id = $4")
                .bind(staff)
                .bind(now_timestamp())
                .bind(case_id)
                .bind(council.0)
                .execute(&mut *tx)
                .await?;
        if done.rows_affected() == 0 {
            return Err(ServiceError::UnknownCase);
        }
        event(&mut tx, council, case_id, &format!("staff:{staff}"), "assigned", json!({"to": staff})).await?;
        tx.commit().await?;
        Ok(())
    }

    /// A caseworker approves or refuses a queued case, with a reason; exactly once (a second
    /// decision is refused). Approval runs the outputs; either way the citizen is notified.
    pub async fn decide(
        &self,
        council: CouncilId,
        case_id: i64,
        staff: &str,
        approve: bool,
        reason: &str,
    ) -> Result<CaseSummary> {
        let reason = reason.trim();
        if reason.is_empty() {
            return Err(ServiceError::ReasonRequired);
        }
        let detail = self.case(council, case_id).await?;
        if detail.summary.state != CaseState::Queued {
            return Err(ServiceError::WrongState(detail.summary.state.as_str().into()));
        }
        let state = if approve { CaseState::Approved } else { CaseState::Refused };
        let r = sqlx::query("SELECT definition_id FROM service_cases WHERE id = $1 AND council_id = $2")
            .bind(case_id)
            .bind(council.0)
            .fetch_one(self.store.pool())
            .await?;
        let definition = self.definition_for_case(council, r.try_get(0)?).await?;
        let checks: Map<String, Value> =
            detail.evidence.iter().map(|e| (e.check.clone(), Value::Object(e.fields.clone()))).collect();
        let mut tx = self.store.pool().begin().await?;
        let done = sqlx::query(
            "UPDATE service_cases SET state = $1, decision_reason = $2, updated_at = $3 \
             WHERE id = $4 AND council_id = $5 AND state = 'queued'",
        )
        .bind(state.as_str())
        .bind(reason)
        .bind(now_timestamp())
        .bind(case_id)
        .bind(council.0)
        .execute(&mut *tx)
        .await?;
        if done.rows_affected() == 0 {
            return Err(ServiceError::WrongState("already decided".into()));
        }
        event(
            &mut tx,
            council,
            case_id,
            &format!("staff:{staff}"),
            "decision",
            json!({"state": state.as_str(), "reason": reason}),
        )
        .await?;
        let ctx = outbox::CaseContext {
            council,
            case_id,
            reference: detail.summary.reference.clone(),
            citizen: detail.summary.citizen.clone(),
            definition: &definition.definition,
            answers: &detail.answers,
            checks: &checks,
            reasons: &detail.summary.reasons,
            decision_reason: Some(reason.to_string()),
            fee: detail.fee_pence,
            today: self.today(),
        };
        let claimed = outbox::enqueue(&mut tx, &ctx, if approve { Moment::Approved } else { Moment::Refused }).await?;
        tx.commit().await?;
        self.deliver_claimed(claimed).await;
        self.case_summary(council, case_id).await
    }

    /// A citizen's applications at a council, newest first, with their status.
    pub async fn applications_of(&self, council: CouncilId, citizen: &str) -> Result<Vec<ApplicationSummary>> {
        let rows = sqlx::query(
            "SELECT a.id, a.service_slug, d.name, c.reference, c.state, a.updated_at \
             FROM service_applications a JOIN service_definitions d ON d.id = a.definition_id \
             LEFT JOIN service_cases c ON c.application_id = a.id AND c.council_id = a.council_id \
             WHERE a.council_id = $1 AND a.citizen = $2 ORDER BY a.created_at DESC, a.id",
        )
        .bind(council.0)
        .bind(citizen)
        .fetch_all(self.store.pool())
        .await?;
        rows.iter()
            .map(|r| {
                Ok(ApplicationSummary {
                    id: r.try_get(0)?,
                    service: r.try_get(1)?,
                    service_name: r.try_get(2)?,
                    reference: r.try_get(3)?,
                    status: r.try_get::<Option<String>, _>(4)?.unwrap_or_else(|| "draft".into()),
                    updated_at: r.try_get(5)?,
                })
            })
            .collect()
    }
}
