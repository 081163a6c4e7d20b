//! Adapter conformance: every scenario of `inipay_tests::conformance::scenarios`
//! against every framework adapter, over real HTTP on 127.0.0.1 with a real
//! `inipay-sandbox`. Same requests in, same observable results out.
//!
//! Run: `cargo test -p inipay-tests --test conformance`.

use inipay_core::mobile::NotiIpAllowList;
use inipay_tests::conformance::{Harness, Options, Serve, hostile, scenarios, trust};

/// One `#[tokio::test]` for a scenario of the same name (uses `SERVE` of
/// the module it expands in).
macro_rules! scenario {
    ($name:ident) => {
        scenario!($name, Options::default());
    };
    ($name:ident, $options:expr) => {
        #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
        async fn $name() {
            let h = Harness::start_with(SERVE, $options).await;
            scenarios::$name(&h).await;
            h.stop().await;
        }
    };
}

/// Like `scenario!` for the forged-notification scenarios
/// (`inipay_tests::conformance::trust`).
macro_rules! trust_scenario {
    ($name:ident) => {
        #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
        async fn $name() {
            let h = Harness::start_with(SERVE, Options::default()).await;
            trust::$name(&h).await;
            h.stop().await;
        }
    };
}

/// One `#[tokio::test]` for a scenario of `hostile` (it starts its own
/// harness from `SERVE`).
macro_rules! hostile {
    ($name:ident) => {
        #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
        async fn $name() {
            hostile::$name(SERVE).await;
        }
    };
}

/// A module per framework with every scenario.
macro_rules! conformance {
    ($($framework:ident => $serve:path),+ $(,)?) => {$(
        mod $framework {
            use super::*;
            const SERVE: Serve = $serve;

            scenario!(checkout_page);
            scenario!(checkout_errors);
            scenario!(card_paid);
            scenario!(card_paid_next_get);
            scenario!(user_cancel);
            scenario!(card_declined);
            scenario!(auth_result_for_unknown_order);
            scenario!(tampered_amount_net_cancelled);
            scenario!(vbank_deposit_applied_once);
            scenario!(noti_replay_after_success);
            scenario!(return_and_missing_order_id);
            scenario!(body_limit);
            trust_scenario!(forged_card_result_with_invented_tid);
            trust_scenario!(forged_vbank_deposit_then_the_real_one);
            trust_scenario!(forged_cancel_changes_nothing);
            trust_scenario!(inquiry_timeout_then_confirmed);
            trust_scenario!(inquiry_disagrees_never_applied);
            hostile!(oversized_bodies);
            scenario!(
                noti_source_is_the_peer,
                Options {
                    noti_sources: Some(NotiIpAllowList::current()),
                    proxy_header: None,
                    ledger: None,
                }
            );
            scenario!(
                noti_source_from_trusted_proxy,
                Options {
                    noti_sources: Some(NotiIpAllowList::current()),
                    proxy_header: Some("x-forwarded-for"),
                    ledger: None,
                }
            );
        }
    )+};
}

conformance! {
    rocket => inipay_tests::conformance::rocket::serve,
    actix => inipay_tests::conformance::actix::serve,
}
