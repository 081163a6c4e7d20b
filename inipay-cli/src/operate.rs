//! Commands that act through the flow, built from the same `INICIS_*`
//! configuration the app uses ([`Settings::from_env`]): `inipay reconcile
//! --resolve` (the reconciler's own logic, [`Flow::reconcile`]) and `inipay
//! refund` ([`Flow::refund`]: checked against the ledger, journaled).

use crate::error::CliError;
use crate::table::{print_json, printable};
use inipay_core::client::{ClientConfig, GatewayClient};
use inipay_core::flow::{Flow, RefundOutcome, RefundRequest};
use inipay_core::ledger::Ledger;
use inipay_core::settings::Settings;
use inipay_core::time::Timestamp;
use inipay_core::types::{Amount, OrderId};
use serde_json::json;
use std::io::BufRead as _;
use std::sync::Arc;

/// The settings, or a configuration error (exit 2) naming the variable.
fn settings() -> Result<Settings, CliError> {
    Settings::from_env().map_err(|e| CliError::Config(format!("configuration: {e}")))
}

/// A flow for `settings` on `ledger` (no event handler: events wait in the
/// outbox for the app's dispatcher).
fn flow(settings: Settings, ledger: Box<dyn Ledger>) -> Result<Flow, CliError> {
    let client = GatewayClient::new(ClientConfig::default())
        .map_err(|e| CliError::Config(format!("gateway client: {e}")))?;
    let mut flow = Flow::new(settings.merchant, client, Arc::from(ledger), settings.flow)
        .with_refunds(settings.refunds);
    if let Some(b) = settings.billing {
        flow = flow.with_billing(b);
    }
    Ok(flow)
}

/// The ledger of `--db`, else `INICIS_LEDGER_URL`.
async fn open(db: Option<&str>, settings: &Settings) -> Result<Box<dyn Ledger>, CliError> {
    crate::db::open(db.or(settings.ledger_url.as_deref())).await
}

/// `inipay reconcile --resolve`: one round of the reconciler, each action
/// printed.
pub async fn resolve(db: Option<&str>, json: bool) -> Result<(), CliError> {
    let s = settings()?;
    let ledger = open(db, &s).await?;
    let flow = flow(s, ledger)?;
    let r = flow
        .reconcile(Timestamp::now())
        .await
        .map_err(|e| CliError::Flow(e.to_string()))?;
    let ids = |v: &[OrderId]| v.iter().map(|o| o.as_str().to_owned()).collect::<Vec<_>>();
    let parked: Vec<String> = r.parked.iter().map(|p| format!("{p:?}")).collect();
    if json {
        print_json(&json!({
            "parked": parked,
            "net_cancelled": ids(&r.net_cancelled),
            "net_cancel_failed": ids(&r.net_cancel_failed),
            "needs_a_person": ids(&r.needs_a_person),
            "expired": ids(&r.expired),
        }));
    } else {
        let line = |what: &str, v: Vec<String>| {
            if v.is_empty() {
                println!("{what}: none");
            } else {
                println!("{what}: {}", printable(&v.join(", ")));
            }
        };
        line("parked notifications settled by inquiry", parked);
        line("approvals net-cancelled (망취소)", ids(&r.net_cancelled));
        line("net cancels that failed again", ids(&r.net_cancel_failed));
        line("virtual accounts expired", ids(&r.expired));
        line("needs a person", ids(&r.needs_a_person));
    }
    Ok(())
}

/// `inipay refund ORDER [--amount N] [--reason R] [--yes]`.
pub async fn refund(
    order: &str,
    amount: Option<u64>,
    reason: &str,
    yes: bool,
    db: Option<&str>,
    json: bool,
) -> Result<(), CliError> {
    let s = settings()?;
    let ledger = open(db, &s).await?;
    let oid = OrderId::new(order).map_err(|_| CliError::UnknownPayment(printable(order)))?;
    let payment = ledger
        .payment(&oid)
        .await
        .map_err(CliError::Ledger)?
        .ok_or_else(|| CliError::UnknownPayment(printable(order)))?;
    let what = match amount {
        Some(a) => format!("{a} won of"),
        None => "all of".to_owned(),
    };
    if !yes {
        eprint!(
            "refund {what} order {oid} ({} won, {}, {} won refunded so far)? type yes: ",
            payment.amount.get(),
            payment.state,
            payment.refunded.get()
        );
        let mut answer = String::new();
        let read = std::io::stdin().lock().read_line(&mut answer);
        if read.is_err() || answer.trim() != "yes" {
            return Err(CliError::Config(
                "refund not confirmed (type yes, or pass --yes)".into(),
            ));
        }
    }
    let request = match amount {
        Some(a) => RefundRequest::partial(Amount::won(a), reason),
        None => RefundRequest::full(reason),
    };
    let flow = flow(s, ledger)?;
    let outcome = flow
        .refund(oid.as_str(), request, Timestamp::now())
        .await
        .map_err(|e| CliError::Refused(format!("refund refused: {e}")))?;
    let (done, word) = match &outcome {
        RefundOutcome::Refunded { .. } => (true, "refunded"),
        RefundOutcome::AlreadyRefunded { .. } => (true, "already refunded"),
        RefundOutcome::Declined { .. } => (false, "declined by the gateway"),
        RefundOutcome::OutcomeUnknown { .. } => {
            (false, "outcome unknown: inquire before trying again")
        }
        RefundOutcome::AlreadyCancelled { .. } => {
            (false, "the gateway reports it cancelled already")
        }
        _ => (false, "not settled"),
    };
    let after = flow.status(oid.as_str()).await.ok().flatten();
    if json {
        print_json(&json!({
            "order_id": oid.as_str(),
            "refunded": done,
            "outcome": word,
            "state": after.as_ref().map(|p| p.state.as_str()),
            "refunded_total": after.as_ref().map(|p| p.refunded.get()),
        }));
    } else {
        println!(
            "order {oid}: {word}{}",
            after
                .map(|p| format!(" (now {}, {} won refunded)", p.state, p.refunded.get()))
                .unwrap_or_default()
        );
    }
    if done {
        Ok(())
    } else {
        Err(CliError::Refused(format!("refund of {oid}: {word}")))
    }
}
