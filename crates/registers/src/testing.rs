//! Test support for bricks and binaries built on registers: the stores of `store::testing`, each
//! with the registers migrations run. Not for production use.

use store::testing::{self, TestStore};

use crate::register::Registers;

/// Every store to test on (SQLite, and PostgreSQL when `GUILDHALL_TEST_POSTGRES_URL` is set),
/// migrated for registers, each with the brick over it. Call `cleanup` on each when done.
pub async fn stores() -> Vec<(TestStore, Registers)> {
    let mut out = Vec::new();
    for t in testing::all().await {
        Registers::migrate(&t.store).await.expect("registers migrations");
        let registers = Registers::new(t.store.clone());
        out.push((t, registers));
    }
    out
}
