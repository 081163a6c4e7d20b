//! Adapter conformance: every scenario of `inipay_tests::conformance::scenarios`
//! against every framework adapter, over real HTTP on 127.0.0.1 with a real
//! `inipay-sandbox`. Same requests in, same observable results out.
//!
//! Run: `cargo test -p inipay-tests --test conformance`.

use inipay_core::flow::BillingConfig;
use inipay_core::flow::NetCancelTid;
use inipay_core::mobile::NotiIpAllowList;
use inipay_tests::conformance::{
    Harness, Options, Serve, billing, hostile, loose_ends, scenarios, trust,
};

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
        trust_scenario!($name, Options::default());
    };
    ($name:ident, $options:expr) => {
        #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
        async fn $name() {
            let h = Harness::start_with(SERVE, $options).await;
            trust::$name(&h).await;
            h.stop().await;
        }
    };
}

/// Like `scenario!` for the reconciler scenarios
/// (`inipay_tests::conformance::loose_ends`).
macro_rules! loose_end {
    ($name:ident) => {
        #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
        async fn $name() {
            let h = Harness::start_with(SERVE, Options::default()).await;
            loose_ends::$name(&h).await;
            h.stop().await;
        }
    };
}

/// Like `scenario!` for the billing-key scenarios
/// (`inipay_tests::conformance::billing`), as the billing test MID with
/// `encrypted` (`flg_crypto=Y`) delivery or not.
macro_rules! billing_scenario {
    ($name:ident, $encrypted:expr) => {
        #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
        async fn $name() {
            let mut billing = BillingConfig::new(billing::seal_key());
            billing.encrypted = $encrypted;
            let options = Options {
                billing: Some(billing),
                ..Options::default()
            };
            let h = Harness::start_with(SERVE, options).await;
            billing::$name(&h).await;
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
            trust_scenario!(forged_auth_result_then_genuine_payment);
            trust_scenario!(altered_form_net_cancelled_for_the_approved_amount);
            trust_scenario!(genuine_one_transaction_result_applied_once);
            trust_scenario!(loose_amounts_refused);
            trust_scenario!(auth_tid_of_another_order_refused);
            trust_scenario!(
                inquiry_times_out_then_confirmed,
                Options {
                    client_timeout: Some(std::time::Duration::from_secs(1)),
                    ..Options::default()
                }
            );
            trust_scenario!(
                parked_deposit_confirmed_later,
                Options {
                    when_unconfirmed: inipay_core::flow::WhenUnconfirmed::Park,
                    ..Options::default()
                }
            );
            trust_scenario!(forgeries_during_an_approval_in_flight);
            trust_scenario!(one_transaction_after_a_failed_attempt);
            trust_scenario!(korean_deposit_in_euc_kr_applied_once);
            trust_scenario!(
                korean_deposit_in_utf8_applied_once,
                Options {
                    noti_in_p_charset: true,
                    ..Options::default()
                }
            );
            trust_scenario!(
                net_cancel_with_the_approval_tid,
                Options {
                    net_cancel_tid: NetCancelTid::Approval,
                    ..Options::default()
                }
            );
            billing_scenario!(billing_key_card, true);
            billing_scenario!(billing_key_phone, true);
            billing_scenario!(billing_key_plain, false);
            billing_scenario!(forged_billing_results_store_nothing, true);
            loose_end!(net_cancel_failing_twice_succeeds_on_retry);
            loose_end!(vbank_expires_and_a_late_deposit_is_kept);
            loose_end!(approval_of_a_dead_process_net_cancelled);
            hostile!(oversized_bodies);
            scenario!(
                noti_source_is_the_peer,
                Options {
                    noti_sources: Some(NotiIpAllowList::current()),
                    proxy_header: None,
                    ..Options::default()
                }
            );
            scenario!(
                noti_source_from_trusted_proxy,
                Options {
                    noti_sources: Some(NotiIpAllowList::current()),
                    proxy_header: Some("x-forwarded-for"),
                    ..Options::default()
                }
            );
        }
    )+};
}

conformance! {
    rocket => inipay_tests::conformance::rocket::serve,
    actix => inipay_tests::conformance::actix::serve,
    axum => inipay_tests::conformance::axum::serve,
}

/// The trust scenarios again on the durable stores merchants deploy: a
/// SQLite file and a fresh PostgreSQL database, every adapter.
macro_rules! durable_trust {
    ($($framework:ident => $serve:path),+ $(,)?) => {$(
        mod $framework {
            use super::*;
            use inipay_tests::conformance::ledgers::{Durable, with_durable};

            macro_rules! on {
                ($kind:ident, $name:ident) => {
                    on!($kind, trust, $name);
                };
                ($kind:ident, $module:ident, $name:ident) => {
                    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
                    async fn $name() {
                        with_durable(Durable::$kind, stringify!($name), |ledger| async move {
                            let h = Harness::start_with(
                                $serve,
                                Options {
                                    ledger: Some(ledger),
                                    ..Options::default()
                                },
                            )
                            .await;
                            $module::$name(&h).await;
                            h.stop().await;
                        })
                        .await;
                    }
                };
            }

            #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
            async fn numbers_never_stored_in_full() {
                inipay_tests::conformance::ledgers::with_sqlite_files(|ledger, dir| async move {
                    let h = Harness::start_with(
                        $serve,
                        Options {
                            ledger: Some(ledger),
                            ..Options::default()
                        },
                    )
                    .await;
                    trust::numbers_never_stored_in_full(&h, &dir).await;
                    h.stop().await;
                })
                .await;
            }

            /// The trust scenarios on one durable store.
            macro_rules! durable_scenarios {
                ($kind:ident) => {
                    on!($kind, forged_card_result_with_invented_tid);
                    on!($kind, forged_vbank_deposit_then_the_real_one);
                    on!($kind, forged_cancel_changes_nothing);
                    on!($kind, inquiry_timeout_then_confirmed);
                    on!($kind, inquiry_disagrees_never_applied);
                    on!($kind, forged_auth_result_then_genuine_payment);
                    on!($kind, altered_form_net_cancelled_for_the_approved_amount);
                    on!($kind, genuine_one_transaction_result_applied_once);
                    on!($kind, forgeries_during_an_approval_in_flight);
                    on!($kind, one_transaction_after_a_failed_attempt);
                    on!($kind, loose_ends, net_cancel_failing_twice_succeeds_on_retry);
                    on!($kind, loose_ends, vbank_expires_and_a_late_deposit_is_kept);
                    on!($kind, loose_ends, approval_of_a_dead_process_net_cancelled);
                };
            }

            mod sqlite {
                use super::*;
                durable_scenarios!(Sqlite);
            }

            mod postgres {
                use super::*;
                durable_scenarios!(Postgres);
            }
        }
    )+};
}

mod durable {
    use super::*;
    durable_trust! {
        rocket => inipay_tests::conformance::rocket::serve,
        actix => inipay_tests::conformance::actix::serve,
        axum => inipay_tests::conformance::axum::serve,
    }
}
