//! A billing-key result replayed by many callers at once: the attempt is
//! claimed by exactly one of them, on SQLite (four stores, each with its
//! own writer connection, on one file: four app processes) and on
//! PostgreSQL (two pools: two app instances). All callers start together
//! behind a barrier; nothing sleeps.

mod ledger_support;

use inipay_core::ledger::{AttemptClaim, BillingAttempt, Ledger, nonce_digest};
use inipay_core::types::{Amount, Mid};
use ledger_support::*;
use std::sync::Arc;
use tokio::sync::Barrier;

const CALLERS: usize = 32;
const ROUNDS: usize = 8;

fn attempt(round: usize) -> BillingAttempt {
    BillingAttempt {
        order_id: oid(&format!("RACE-BILL-{round}")),
        mid: Mid::new("INIBillTst").unwrap(),
        nonce_digest: nonce_digest(&format!("nonce-{round}")),
        encrypted: false,
        amount: Some(Amount::won(1000)),
        created_at: at(0),
    }
}

/// `ROUNDS` attempts, each claimed by `CALLERS` racing tasks spread over
/// `stores`: one `Claimed`, the rest `AlreadyUsed` at the winner's time.
async fn exactly_one_caller_wins(stores: &[Arc<dyn Ledger>]) {
    for round in 0..ROUNDS {
        let a = attempt(round);
        stores[0].create_billing_attempt(a.clone()).await.unwrap();
        let barrier = Arc::new(Barrier::new(CALLERS));
        let mut tasks = Vec::new();
        for i in 0..CALLERS {
            let store = stores[i % stores.len()].clone();
            let (barrier, a) = (barrier.clone(), a.clone());
            tasks.push(tokio::spawn(async move {
                barrier.wait().await;
                let t = at(100 + i as u64);
                let claim = store
                    .claim_billing_attempt(&a.order_id, &a.nonce_digest, t)
                    .await
                    .unwrap();
                (t, claim)
            }));
        }
        let mut results = Vec::new();
        for t in tasks {
            results.push(t.await.unwrap());
        }
        let winners: Vec<_> = results
            .iter()
            .filter(|(_, c)| matches!(c, AttemptClaim::Claimed(_)))
            .collect();
        assert_eq!(winners.len(), 1, "round {round}: {} winners", winners.len());
        let (won_at, claim) = winners[0];
        assert_eq!(claim, &AttemptClaim::Claimed(a.clone()));
        for (_, c) in &results {
            if !matches!(c, AttemptClaim::Claimed(_)) {
                assert_eq!(c, &AttemptClaim::AlreadyUsed { used_at: *won_at });
            }
        }
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn sqlite_concurrent_claims_one_winner() {
    let dir = TempDir::new("attempt-race");
    let mut stores: Vec<Arc<dyn Ledger>> = Vec::new();
    for _ in 0..4 {
        stores.push(Arc::new(sqlite_store(&dir, false).await));
    }
    exactly_one_caller_wins(&stores).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn postgres_concurrent_claims_one_winner() {
    with_postgres("postgres_concurrent_claims_one_winner", |url| async move {
        let stores: Vec<Arc<dyn Ledger>> = vec![
            Arc::new(postgres_store(&url, 16, false).await),
            Arc::new(postgres_store(&url, 16, false).await),
        ];
        exactly_one_caller_wins(&stores).await;
    })
    .await;
}
