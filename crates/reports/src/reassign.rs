//! Reassigning a misrouted report: a body's staff pass it to another body of the same council
//! (and one of that body's categories). The old destination and its unsent jobs are dropped,
//! the new one is queued for sending like a new report, and a public update records the move,
//! all in one transaction. Routing rules are not re-run: staff know better than the map here.

use sqlx::Row;
use store::CouncilId;

use crate::error::{ReportError, Result};
use crate::model::Route;
use crate::queue;
use crate::reports::{NewReport, Reports};
use crate::routing::Selection;
use crate::time_text;

impl Reports {
    /// Passes report `id` from `from_body` (one it was sent to) to the council's body `to_body`
    /// under its category `service_code`; returns the id of the public update recording it.
    /// The reporter is not emailed: nothing about the problem itself has changed.
    pub async fn reassign(
        &self,
        council: CouncilId,
        id: i64,
        from_body: &str,
        to_body: &str,
        service_code: &str,
        author: &str,
    ) -> Result<i64> {
        let report = self.report(Some(council), id).await?;
        if !report.destinations.iter().any(|d| d.body_id == from_body) {
            return Err(ReportError::NotFound(id.to_string()));
        }
        let (owner, body) = self.body(to_body).await?;
        if owner != council {
            return Err(ReportError::UnknownBody(to_body.to_string()));
        }
        if report.destinations.iter().any(|d| d.body_id == to_body) {
            return Err(ReportError::InvalidField(format!("The report has already been sent to {}", body.name)));
        }
        let category =
            body.category(service_code).cloned().ok_or_else(|| ReportError::UnknownCategory(service_code.into()))?;
        let from_name = match self.body(from_body).await {
            Ok((_, b)) => b.name,
            Err(_) => from_body.to_string(),
        };
        // Keep the answers the new category asks about; it cannot ask the reporter again.
        let answers: crate::rules::Answers = report
            .answers
            .iter()
            .filter(|(code, _)| category.attributes.iter().any(|a| &a.code == *code))
            .map(|(k, v)| (k.clone(), v.clone()))
            .collect();
        let category_name =
            if report.destinations.len() == 1 { category.name.clone() } else { report.category.clone() };
        let now = time_text::now();
        let mut tx = self.store().pool().begin().await?;
        sqlx::query("DELETE FROM reports_destinations WHERE report_id = $1 AND council_id = $2 AND body_id = $3")
            .bind(id)
            .bind(council.0)
            .bind(from_body)
            .execute(&mut *tx)
            .await?;
        sqlx::query(
            "UPDATE reports_jobs SET state = 'cancelled', updated_at = $1 WHERE report_id = $2 AND council_id = $3 \
             AND body_id = $4 AND kind <> 'reporter_email' AND state IN ('queued', 'running')",
        )
        .bind(&now)
        .bind(id)
        .bind(council.0)
        .bind(from_body)
        .execute(&mut *tx)
        .await?;
        let state = if category.route == Route::Guildhall { "held" } else { "queued" };
        sqlx::query(
            "INSERT INTO reports_destinations (report_id, council_id, body_id, service_code, route, state) \
             VALUES ($1, $2, $3, $4, $5, $6)",
        )
        .bind(id)
        .bind(council.0)
        .bind(&body.id)
        .bind(&category.code)
        .bind(category.route.kind())
        .bind(state)
        .execute(&mut *tx)
        .await?;
        sqlx::query("UPDATE reports_reports SET category = $1, updated_at = $2 WHERE id = $3 AND council_id = $4")
            .bind(&category_name)
            .bind(&now)
            .bind(id)
            .bind(council.0)
            .execute(&mut *tx)
            .await?;
        let note = format!("Passed from {from_name} to {} ({}).", body.name, category.name);
        let row = sqlx::query(
            "INSERT INTO reports_updates (report_id, council_id, body_id, status, description, author, created_at) \
             VALUES ($1, $2, $3, $4, $5, $6, $7) RETURNING id",
        )
        .bind(id)
        .bind(council.0)
        .bind(&body.id)
        .bind(report.status.as_str())
        .bind(&note)
        .bind(author)
        .bind(&now)
        .fetch_one(&mut *tx)
        .await?;
        let update_id: i64 = row.try_get(0)?;
        let resend = NewReport {
            location: report.location,
            category: category_name,
            description: report.description.clone(),
            answers: Default::default(),
            address: report.address.clone(),
            reporter: report.reporter.clone(),
            photo: None,
            source: report.source.clone(),
        };
        let key = format!("reassign:{id}:{}:{update_id}", body.id);
        let selection = Selection { body, category, area: String::new() };
        queue::enqueue_forward_as(&mut tx, council, id, &resend, &answers, &selection, key).await?;
        tx.commit().await?;
        self.wake.notify_waiters();
        Ok(update_id)
    }
}
