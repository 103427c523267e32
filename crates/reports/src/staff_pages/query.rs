//! What the staff pages read that the public and Open311 never need: every report sent to any of
//! a council's bodies, filtered by status, category and body, and the sending jobs of a report
//! (attempts and the last error), always filtered by the council.

use sqlx::Row;
use store::CouncilId;

use crate::error::Result;
use crate::reports::{REPORT_COLUMNS, Report, Reports, Status};

/// How many reports a list page shows at most.
pub(crate) const LIST_LIMIT: i64 = 500;

/// The list page's filters; `None` means any.
#[derive(Debug, Clone, Default)]
pub(crate) struct StaffFilter {
    pub status: Option<Status>,
    pub category: Option<String>,
    pub body: Option<String>,
}

/// One sending job of a report, as staff see it.
#[derive(Debug, Clone, serde::Serialize)]
pub(crate) struct Attempt {
    pub body_id: String,
    pub kind: String,
    pub state: String,
    pub attempts: i64,
    pub last_error: Option<String>,
    pub updated_at: String,
}

/// The council's reports matching the filter, newest first.
pub(crate) async fn reports(reports: &Reports, council: CouncilId, filter: &StaffFilter) -> Result<Vec<Report>> {
    let mut sql = format!("{REPORT_COLUMNS} WHERE r.council_id = $1");
    let mut binds: Vec<String> = Vec::new();
    if let Some(status) = filter.status {
        binds.push(status.as_str().to_string());
        sql.push_str(&format!(" AND r.status = ${}", binds.len() + 1));
    }
    if let Some(category) = &filter.category {
        binds.push(category.clone());
        sql.push_str(&format!(" AND r.category = ${}", binds.len() + 1));
    }
    if let Some(body) = &filter.body {
        binds.push(body.clone());
        sql.push_str(&format!(
            " AND EXISTS (SELECT 1 FROM reports_destinations d WHERE d.report_id = r.id AND d.council_id = $1 \
             AND d.body_id = ${})",
            binds.len() + 1
        ));
    }
    sql.push_str(&format!(" ORDER BY r.id DESC LIMIT {LIST_LIMIT}"));
    let mut query = sqlx::query(&sql).bind(council.0);
    for b in &binds {
        query = query.bind(b);
    }
    let rows = query.fetch_all(reports.store().pool()).await?;
    let mut out = Vec::with_capacity(rows.len());
    for row in &rows {
        out.push(reports.report_from_row(row).await?);
    }
    Ok(out)
}

/// The jobs that sent (or tried to send) a report to its bodies and its reporter, oldest first.
pub(crate) async fn attempts(reports: &Reports, council: CouncilId, id: i64) -> Result<Vec<Attempt>> {
    let rows = sqlx::query(
        "SELECT body_id, kind, state, attempts, last_error, updated_at FROM reports_jobs \
         WHERE report_id = $1 AND council_id = $2 ORDER BY id",
    )
    .bind(id)
    .bind(council.0)
    .fetch_all(reports.store().pool())
    .await?;
    rows.iter()
        .map(|r| {
            Ok(Attempt {
                body_id: r.try_get(0)?,
                kind: r.try_get(1)?,
                state: r.try_get(2)?,
                attempts: r.try_get(3)?,
                last_error: r.try_get(4)?,
                updated_at: r.try_get(5)?,
            })
        })
        .collect()
}
