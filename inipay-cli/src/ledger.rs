//! `inipay ledger show|list|messages` and `inipay reconcile`: reads through
//! [`inipay_core::ledger::Ledger`], printed as tables or JSON.

use crate::error::CliError;
use crate::table::{Table, print_json, printable};
use inipay_core::ledger::{JournalEntry, Ledger, Payment, PaymentState, Reconciliation};
use inipay_core::time::Timestamp;
use inipay_core::types::{OrderId, Tid};
use serde_json::{Value, json};

/// `2024-01-01 12:00:00 KST`.
pub fn kst(t: Timestamp) -> String {
    let (y, mo, d, h, mi, s) = t.kst_parts();
    format!("{y:04}-{mo:02}-{d:02} {h:02}:{mi:02}:{s:02} KST")
}

/// A payment as JSON (amounts in integer won, times in Unix milliseconds).
pub fn payment_json(p: &Payment) -> Value {
    json!({
        "order_id": p.order_id.as_str(),
        "mid": p.mid.as_str(),
        "amount": p.amount.get(),
        "state": p.state.as_str(),
        "paid": p.state.is_paid(),
        "tid": p.tid.as_ref().map(Tid::as_str),
        "auth_tid": p.auth_tid.as_ref().map(Tid::as_str),
        "refunded": p.refunded.get(),
        "net_cancel_failures": p.net_cancel_failures,
        "acknowledged_at_ms": p.acknowledged_at.map(Timestamp::unix_millis),
        "created_at_ms": p.created_at.unix_millis(),
        "updated_at_ms": p.updated_at.unix_millis(),
        "result_path": p.result_path.as_str(),
    })
}

fn opt(v: Option<&str>) -> String {
    v.unwrap_or("-").to_owned()
}

/// The payment of an order id, else of a TID.
async fn find(ledger: &dyn Ledger, key: &str) -> Result<Option<Payment>, CliError> {
    if let Ok(order) = OrderId::new(key)
        && let Some(p) = ledger.payment(&order).await.map_err(CliError::Ledger)?
    {
        return Ok(Some(p));
    }
    if let Ok(tid) = Tid::new(key) {
        return ledger.payment_by_tid(&tid).await.map_err(CliError::Ledger);
    }
    Ok(None)
}

/// `inipay ledger show ORDER_OR_TID`.
pub async fn show(ledger: &dyn Ledger, key: &str, json: bool) -> Result<(), CliError> {
    let p = find(ledger, key)
        .await?
        .ok_or_else(|| CliError::UnknownPayment(printable(key)))?;
    if json {
        print_json(&payment_json(&p));
        return Ok(());
    }
    let mut t = Table::new(&["field", "value"]);
    let rows: [(&str, String); 12] = [
        ("order", p.order_id.to_string()),
        ("mid", p.mid.to_string()),
        ("amount", format!("{} won", p.amount.get())),
        ("state", p.state.as_str().to_owned()),
        ("tid", opt(p.tid.as_ref().map(Tid::as_str))),
        ("auth tid", opt(p.auth_tid.as_ref().map(Tid::as_str))),
        ("refunded", format!("{} won", p.refunded.get())),
        ("net-cancel failures", p.net_cancel_failures.to_string()),
        (
            "acknowledged",
            p.acknowledged_at.map_or_else(|| "no".to_owned(), kst),
        ),
        ("created", kst(p.created_at)),
        ("updated", kst(p.updated_at)),
        ("result path", p.result_path.as_str().to_owned()),
    ];
    for (k, v) in rows {
        t.row(vec![k.to_owned(), v]);
    }
    print!("{}", t.render());
    Ok(())
}

fn payments_table(list: &[Payment]) -> Table {
    let mut t = Table::new(&["order", "state", "amount", "refunded", "tid", "updated"]);
    for p in list {
        t.row(vec![
            p.order_id.to_string(),
            p.state.as_str().to_owned(),
            p.amount.get().to_string(),
            p.refunded.get().to_string(),
            opt(p.tid.as_ref().map(Tid::as_str)),
            kst(p.updated_at),
        ]);
    }
    t
}

/// `inipay ledger list --state S [--limit N]`.
pub async fn list(
    ledger: &dyn Ledger,
    state: PaymentState,
    since: Option<Timestamp>,
    limit: u32,
    json: bool,
) -> Result<(), CliError> {
    let list: Vec<Payment> = match since {
        None => ledger
            .payments_in_state(state, limit)
            .await
            .map_err(CliError::Ledger)?,
        // The ledger lists oldest first: filter all of the state, then cut.
        Some(t) => ledger
            .payments_in_state(state, u32::MAX)
            .await
            .map_err(CliError::Ledger)?
            .into_iter()
            .filter(|p| p.updated_at >= t)
            .take(usize::try_from(limit).unwrap_or(usize::MAX))
            .collect(),
    };
    if json {
        print_json(&json!({
            "state": state.as_str(),
            "since_ms": since.map(|t| t.unix_millis()),
            "limit": limit,
            "payments": list.iter().map(payment_json).collect::<Vec<_>>(),
        }));
        return Ok(());
    }
    if list.is_empty() {
        println!("no payment in state {}", state.as_str());
    } else {
        print!("{}", payments_table(&list).render());
    }
    Ok(())
}

/// A journal entry as JSON: the masked text, never the body's digest; with
/// `raw`, also `"raw"`: the stored body decoded with its charset, masked
/// ([`raw_text`]).
pub fn entry_json(e: &JournalEntry, raw: bool) -> Value {
    let mut v = json!({
        "id": e.id.0,
        "at_ms": e.message.at.unix_millis(),
        "direction": e.message.direction.as_str(),
        "kind": e.message.kind.as_str(),
        "charset": e.message.charset.p_charset(),
        "tid": e.message.tid.as_ref().map(Tid::as_str),
        "result_code": e.result_code,
        "outcome": e.outcome,
        "body_purged": e.body_purged_at.is_some(),
        "masked": e.masked,
    });
    if raw {
        v["raw"] = json!(raw_text(e));
    }
    v
}

/// The stored body decoded with its charset (bytes invalid in it shown as
/// `\xNN`), card,
/// phone and account numbers masked (again: bodies journaled before the
/// ledger's migration 4 were stored unmasked); `None` once purged.
pub fn raw_text(e: &JournalEntry) -> Option<String> {
    if e.body_purged_at.is_some() {
        return None;
    }
    let m = &e.message;
    let body = inipay_core::ledger::redact_body(&m.body, m.charset);
    Some(match m.charset.decode(&body) {
        Ok(text) => text.into_owned(),
        // Not valid in its charset: ASCII as is, other bytes as `\xNN`.
        Err(_) => body
            .iter()
            .map(|&b| {
                if b.is_ascii() {
                    char::from(b).to_string()
                } else {
                    format!("\\x{b:02X}")
                }
            })
            .collect(),
    })
}

/// `inipay ledger messages ORDER`.
pub async fn messages(
    ledger: &dyn Ledger,
    order: &str,
    raw: bool,
    json: bool,
) -> Result<(), CliError> {
    let unknown = || CliError::UnknownPayment(printable(order));
    let id = OrderId::new(order).map_err(|_| unknown())?;
    let entries = ledger.messages_of(&id).await.map_err(CliError::Ledger)?;
    if entries.is_empty()
        && ledger
            .payment(&id)
            .await
            .map_err(CliError::Ledger)?
            .is_none()
    {
        return Err(unknown());
    }
    if json {
        print_json(&json!({
            "order_id": id.as_str(),
            "messages": entries.iter().map(|e| entry_json(e, raw)).collect::<Vec<_>>(),
        }));
        return Ok(());
    }
    if entries.is_empty() {
        println!("no journal message for order {id}");
    }
    for e in &entries {
        let m = &e.message;
        println!(
            "{} {} {} {} code={} outcome={}",
            e.id,
            kst(m.at),
            m.direction.as_str(),
            m.kind.as_str(),
            printable(e.result_code.as_deref().unwrap_or("-")),
            printable(e.outcome.as_deref().unwrap_or("-")),
        );
        match &e.masked {
            Some(text) => {
                for line in text.lines() {
                    println!("    {}", printable(line));
                }
            }
            None => println!("    (body does not decode; not shown)"),
        }
        if raw {
            match raw_text(e) {
                Some(text) => println!("    raw ({}): {}", m.charset.p_charset(), printable(&text)),
                None => println!("    raw: (purged)"),
            }
        }
    }
    Ok(())
}

/// `inipay reconcile`.
pub async fn reconcile(ledger: &dyn Ledger, json: bool) -> Result<(), CliError> {
    let r = ledger
        .reconciliation(Timestamp::now())
        .await
        .map_err(CliError::Ledger)?;
    if json {
        print_json(&reconciliation_json(&r));
    } else {
        print!("{}", reconciliation_text(&r));
    }
    Ok(())
}

fn needs_attention(r: &Reconciliation) -> bool {
    !(r.unacknowledged.is_empty()
        && r.failed_net_cancels.is_empty()
        && r.pending_messages.is_empty()
        && r.unconfirmed.is_empty()
        && r.undelivered.is_empty()
        && r.stuck_authenticated.is_empty()
        && r.overdue_vbanks.is_empty())
}

/// The report as JSON.
pub fn reconciliation_json(r: &Reconciliation) -> Value {
    json!({
        "needs_attention": needs_attention(r),
        "unacknowledged": r.unacknowledged.iter().map(payment_json).collect::<Vec<_>>(),
        "failed_net_cancels": r.failed_net_cancels.iter().map(payment_json).collect::<Vec<_>>(),
        "pending_messages": r.pending_messages.iter().map(|m| m.0).collect::<Vec<_>>(),
        "unconfirmed": r.unconfirmed.iter().map(|u| json!({
            "message": u.message.0,
            "order_id": u.order_id.as_str(),
            "event": u.event.key_text(),
            "parked_at_ms": u.parked_at.unix_millis(),
        })).collect::<Vec<_>>(),
        "undelivered_events": r.undelivered.iter().map(|e| json!({
            "id": e.id.as_str(),
            "order_id": e.order_id.as_ref().map(|o| o.as_str()),
            "kind": e.kind.as_str(),
            "attempts": e.attempts,
            "next_attempt_at_ms": e.next_attempt_at.unix_millis(),
            "last_error": e.last_error,
        })).collect::<Vec<_>>(),
        "stuck_authenticated": r.stuck_authenticated.iter().map(payment_json).collect::<Vec<_>>(),
        "overdue_vbanks": r.overdue_vbanks.iter().map(payment_json).collect::<Vec<_>>(),
    })
}

/// The report for people.
pub fn reconciliation_text(r: &Reconciliation) -> String {
    if !needs_attention(r) {
        return "nothing needs attention\n".to_owned();
    }
    let mut out = String::new();
    if !r.unacknowledged.is_empty() {
        out.push_str(&format!(
            "paid, not acknowledged by the app ({}): money taken, goods maybe not delivered\n",
            r.unacknowledged.len()
        ));
        out.push_str(&payments_table(&r.unacknowledged).render());
        out.push('\n');
    }
    if !r.failed_net_cancels.is_empty() {
        out.push_str(&format!(
            "failed net cancels ({}): money maybe taken for a refused order\n",
            r.failed_net_cancels.len()
        ));
        out.push_str(&payments_table(&r.failed_net_cancels).render());
        out.push('\n');
    }
    if !r.pending_messages.is_empty() {
        let ids: Vec<String> = r.pending_messages.iter().map(ToString::to_string).collect();
        out.push_str(&format!(
            "journaled, never applied ({}; the app applies them at start-up): {}\n\n",
            ids.len(),
            ids.join(" ")
        ));
    }
    if !r.unconfirmed.is_empty() {
        out.push_str(&format!(
            "notifications waiting for the gateway's confirmation ({})\n",
            r.unconfirmed.len()
        ));
        let mut t = Table::new(&["message", "order", "event", "parked"]);
        for u in &r.unconfirmed {
            t.row(vec![
                u.message.to_string(),
                u.order_id.to_string(),
                u.event.key_text(),
                kst(u.parked_at),
            ]);
        }
        out.push_str(&t.render());
    }
    if !r.undelivered.is_empty() {
        out.push_str(&format!(
            "events the app has not taken yet ({}; redelivered with backoff)\n",
            r.undelivered.len()
        ));
        let mut t = Table::new(&["event", "order", "kind", "attempts", "next", "last error"]);
        for e in &r.undelivered {
            t.row(vec![
                e.id.to_string(),
                e.order_id
                    .as_ref()
                    .map(ToString::to_string)
                    .unwrap_or_default(),
                e.kind.as_str().to_owned(),
                e.attempts.to_string(),
                kst(e.next_attempt_at),
                e.last_error.clone().unwrap_or_default(),
            ]);
        }
        out.push_str(&t.render());
        out.push('\n');
    }
    if !r.stuck_authenticated.is_empty() {
        out.push_str(&format!(
            "authenticated, no approval answer recorded ({}): outcome unknown, the reconciler net-cancels\n",
            r.stuck_authenticated.len()
        ));
        out.push_str(&payments_table(&r.stuck_authenticated).render());
        out.push('\n');
    }
    if !r.overdue_vbanks.is_empty() {
        out.push_str(&format!(
            "virtual accounts past their deadline ({}): the reconciler expires them\n",
            r.overdue_vbanks.len()
        ));
        out.push_str(&payments_table(&r.overdue_vbanks).render());
        out.push('\n');
    }
    let mut out = out.trim_end().to_owned();
    out.push('\n');
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn kst_text() {
        assert_eq!(
            kst(Timestamp::from_unix_millis(1_704_078_000_000)),
            "2024-01-01 12:00:00 KST"
        );
    }

    #[test]
    fn empty_report() {
        let r = Reconciliation::default();
        assert_eq!(reconciliation_text(&r), "nothing needs attention\n");
        assert_eq!(reconciliation_json(&r)["needs_attention"], false);
    }
}
