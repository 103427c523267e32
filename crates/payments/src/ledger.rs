//! Reconciliation: every capture and refund is written as two ledger rows that sum to zero
//! (debit positive, credit negative), tagged with the council's fund and cost-centre codes
//! from the payment's metadata (`fund`, `cost_centre`). A day's settlement report is those
//! rows as CSV, and balances to zero by construction.

use serde_json::Value;
use sqlx::{Any, Row, Transaction};
use store::CouncilId;

use crate::error::Result;
use crate::model::Payment;
use crate::payments::Payments;

/// The account money from cards arrives in before the provider pays it out.
pub const CLEARING_ACCOUNT: &str = "card-clearing";
/// The council's income account.
pub const INCOME_ACCOUNT: &str = "income";
/// Fund or cost centre when the payment's metadata names none.
pub const UNALLOCATED: &str = "UNALLOCATED";

fn code(payment: &Payment, names: &[&str]) -> String {
    let metadata = payment.metadata.as_ref();
    names
        .iter()
        .find_map(|n| metadata.and_then(|m| m.get(*n)))
        .map(|v| match v {
            Value::String(s) => s.clone(),
            other => other.to_string(),
        })
        .unwrap_or_else(|| UNALLOCATED.to_string())
}

/// The fund code of a payment (`fund` or `fund_code` in its metadata).
pub fn fund(payment: &Payment) -> String {
    code(payment, &["fund", "fund_code"])
}

/// The cost-centre code of a payment (`cost_centre` or `cost_centre_code` in its metadata).
pub fn cost_centre(payment: &Payment) -> String {
    code(payment, &["cost_centre", "cost_centre_code"])
}

async fn pair(
    tx: &mut Transaction<'_, Any>,
    payment: &Payment,
    refund_id: Option<&str>,
    debit: &str,
    credit: &str,
    amount: i64,
    now: &str,
) -> Result<()> {
    let day = &now[..10];
    for (account, signed) in [(debit, amount), (credit, -amount)] {
        sqlx::query(
            "INSERT INTO pay_ledger (council_id, payment_id, refund_id, account, fund, cost_centre, amount, day, created_at) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)",
        )
        .bind(payment.council_id.0)
        .bind(&payment.id)
        .bind(refund_id)
        .bind(account)
        .bind(fund(payment))
        .bind(cost_centre(payment))
        .bind(signed)
        .bind(day)
        .bind(now)
        .execute(&mut **tx)
        .await?;
    }
    Ok(())
}

/// A capture: debit card clearing, credit income.
pub(crate) async fn record_capture(tx: &mut Transaction<'_, Any>, payment: &Payment, now: &str) -> Result<()> {
    pair(tx, payment, None, CLEARING_ACCOUNT, INCOME_ACCOUNT, payment.amount, now).await
}

/// A refund: debit income, credit card clearing.
pub(crate) async fn record_refund(
    tx: &mut Transaction<'_, Any>,
    payment: &Payment,
    refund_id: &str,
    amount: i64,
    now: &str,
) -> Result<()> {
    pair(tx, payment, Some(refund_id), INCOME_ACCOUNT, CLEARING_ACCOUNT, amount, now).await
}

/// A refund the provider refused: the refund's rows reversed.
pub(crate) async fn reverse_refund(
    tx: &mut Transaction<'_, Any>,
    payment: &Payment,
    refund_id: &str,
    amount: i64,
    now: &str,
) -> Result<()> {
    pair(tx, payment, Some(refund_id), CLEARING_ACCOUNT, INCOME_ACCOUNT, amount, now).await
}

/// One ledger row.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LedgerRow {
    /// `YYYY-MM-DD` (UTC).
    pub day: String,
    /// The payment.
    pub payment_id: String,
    /// The refund, for refund rows.
    pub refund_id: Option<String>,
    /// `card-clearing` or `income`.
    pub account: String,
    /// Fund code.
    pub fund: String,
    /// Cost-centre code.
    pub cost_centre: String,
    /// Pence: debit positive, credit negative.
    pub amount: i64,
}

impl Payments {
    /// A council's ledger rows of one day (`YYYY-MM-DD`, UTC), in the order written.
    pub async fn ledger_rows(&self, council_id: CouncilId, day: &str) -> Result<Vec<LedgerRow>> {
        let rows = sqlx::query(
            "SELECT day, payment_id, refund_id, account, fund, cost_centre, amount FROM pay_ledger \
             WHERE council_id = $1 AND day = $2 ORDER BY seq",
        )
        .bind(council_id.0)
        .bind(day)
        .fetch_all(self.store().pool())
        .await?;
        rows.iter()
            .map(|r| {
                Ok(LedgerRow {
                    day: r.try_get(0)?,
                    payment_id: r.try_get(1)?,
                    refund_id: r.try_get(2)?,
                    account: r.try_get(3)?,
                    fund: r.try_get(4)?,
                    cost_centre: r.try_get(5)?,
                    amount: r.try_get(6)?,
                })
            })
            .collect()
    }

    /// The day's settlement report as CSV: one line per ledger row with debit and credit
    /// columns in pence, then a `TOTAL` line whose debits equal its credits.
    pub async fn settlement_csv(&self, council_id: CouncilId, day: &str) -> Result<String> {
        let rows = self.ledger_rows(council_id, day).await?;
        let mut out = String::from("day,payment_id,refund_id,account,fund,cost_centre,debit_pence,credit_pence\n");
        let (mut debits, mut credits) = (0i64, 0i64);
        for r in &rows {
            let (debit, credit) = if r.amount >= 0 { (r.amount, 0) } else { (0, -r.amount) };
            debits += debit;
            credits += credit;
            out.push_str(&format!(
                "{},{},{},{},{},{},{debit},{credit}\n",
                r.day,
                r.payment_id,
                r.refund_id.as_deref().unwrap_or(""),
                r.account,
                csv_field(&r.fund),
                csv_field(&r.cost_centre)
            ));
        }
        out.push_str(&format!("{day},TOTAL,,,,,{debits},{credits}\n"));
        Ok(out)
    }
}

/// Quotes a CSV field when it needs it, and defuses spreadsheet formulas.
fn csv_field(s: &str) -> String {
    let s = if s.starts_with(['=', '+', '-', '@']) { format!("'{s}") } else { s.to_string() };
    if s.contains([',', '"', '\n']) { format!("\"{}\"", s.replace('"', "\"\"")) } else { s }
}
