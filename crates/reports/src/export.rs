//! CSV export of a body's reports for its staff (spreadsheets, other systems). Personal details
//! are left out: the export is for work on the problem, not on the reporter.

use store::CouncilId;

use crate::error::Result;
use crate::reports::{ListFilter, Reports};

fn cell(text: &str) -> String {
    // A leading =, +, - or @ would be run as a formula by spreadsheets: prefix it with a quote.
    let text = match text.chars().next() {
        Some('=' | '+' | '-' | '@') => format!("'{text}"),
        _ => text.to_string(),
    };
    if text.contains([',', '"', '\n', '\r']) { format!("\"{}\"", text.replace('"', "\"\"")) } else { text }
}

impl Reports {
    /// A body's reports (newest first, at most `filter.limit`) as CSV with a header row.
    pub async fn export_csv(&self, council: CouncilId, body_id: &str, filter: &ListFilter) -> Result<String> {
        let mut out =
            String::from("id,created_at,status,category,service_code,lat,lon,address,description,sent,failure\n");
        for r in self.list_for_body(council, body_id, filter).await? {
            let d = r.destinations.iter().find(|d| d.body_id == body_id);
            let row = [
                r.id.to_string(),
                r.created_at.clone(),
                r.status.as_str().to_string(),
                r.category.clone(),
                d.map(|d| d.service_code.clone()).unwrap_or_default(),
                r.location.lat.to_string(),
                r.location.lon.to_string(),
                r.address.clone().unwrap_or_default(),
                r.description.clone(),
                d.map(|d| d.state.clone()).unwrap_or_default(),
                d.and_then(|d| d.failure.clone()).unwrap_or_default(),
            ];
            out.push_str(&row.iter().map(|c| cell(c)).collect::<Vec<_>>().join(","));
            out.push('\n');
        }
        Ok(out)
    }
}
