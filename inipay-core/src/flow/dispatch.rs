//! Delivering the outbox to the app's [`EventHandler`]: at least once, in
//! order per payment, with exponential backoff (see the ledger's outbox).

use super::events::{Delivery, EventHandler, FlowEvent};
use crate::ledger::{
    Claimed, ERROR_TEXT_CAP, EventId, Ledger, LedgerError, OutboxEntry, OutboxKind, Settle,
};
use crate::mobile::{KstDateTime, Redacted, VbankAccount};
use crate::time::Timestamp;
use crate::types::{Amount, OrderId};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::time::Duration;

/// How the outbox is delivered.
///
/// ```
/// use inipay_core::flow::DispatchConfig;
/// use std::time::Duration;
/// let c = DispatchConfig::default();
/// assert_eq!(c.retry_delay(1), Duration::from_secs(1));
/// assert_eq!(c.retry_delay(4), Duration::from_secs(8));
/// assert_eq!(c.retry_delay(40), c.max_retry);
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct DispatchConfig {
    /// How long a claimed event is reserved for one delivery; another
    /// dispatcher (another app instance) may take it after that. Always at
    /// least twice [`DispatchConfig::handler_timeout`].
    pub lease: Duration,
    /// A handler call that takes longer counts as failed (and is retried).
    pub handler_timeout: Duration,
    /// The delay after the first failure; doubled after each further one.
    pub first_retry: Duration,
    /// The longest delay between two attempts.
    pub max_retry: Duration,
    /// Events claimed per round trip.
    pub batch: u32,
}

impl Default for DispatchConfig {
    fn default() -> DispatchConfig {
        DispatchConfig {
            lease: Duration::from_secs(120),
            handler_timeout: Duration::from_secs(30),
            first_retry: Duration::from_secs(1),
            max_retry: Duration::from_secs(3600),
            batch: 50,
        }
    }
}

impl DispatchConfig {
    /// The wait after the `attempt`-th failed attempt (1-based):
    /// `first_retry * 2^(attempt-1)`, at most `max_retry`.
    pub fn retry_delay(&self, attempt: u32) -> Duration {
        doubling(self.first_retry, self.max_retry, attempt)
    }

    fn lease(&self) -> Duration {
        self.lease.max(self.handler_timeout.saturating_mul(2))
    }
}

/// What one dispatch round did.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct DispatchReport {
    /// Events the handler took.
    pub delivered: Vec<EventId>,
    /// Events whose attempt failed, with the error kept in the outbox.
    pub failed: Vec<(EventId, String)>,
    /// Events whose lease ended before the delivery settled (another
    /// dispatcher may deliver them again).
    pub lost_lease: Vec<EventId>,
}

/// Delivers outbox events to a handler.
///
/// ```
/// use inipay_core::flow::{Delivery, Dispatcher, FlowEvent, HandlerError};
/// use inipay_core::ledger::{Ledger, MemoryStore};
/// use inipay_core::time::Timestamp;
/// use std::sync::Arc;
/// # tokio::runtime::Builder::new_current_thread().enable_all().build()?.block_on(async {
/// let ledger: Arc<dyn Ledger> = Arc::new(MemoryStore::new());
/// let handler = Arc::new(|d: &Delivery| -> Result<(), HandlerError> { Ok(()) });
/// let dispatcher = Dispatcher::new(ledger, handler);
/// let report = dispatcher.deliver_due(Timestamp::from_unix_millis(0)).await?;
/// assert!(report.delivered.is_empty());
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// # })?;
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Clone)]
pub struct Dispatcher {
    ledger: Arc<dyn Ledger>,
    handler: Arc<dyn EventHandler>,
    config: DispatchConfig,
}

impl std::fmt::Debug for Dispatcher {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Dispatcher")
            .field("config", &self.config)
            .finish_non_exhaustive()
    }
}

impl Dispatcher {
    /// A dispatcher with the default [`DispatchConfig`].
    pub fn new(ledger: Arc<dyn Ledger>, handler: Arc<dyn EventHandler>) -> Dispatcher {
        Dispatcher {
            ledger,
            handler,
            config: DispatchConfig::default(),
        }
    }

    /// Sets the configuration.
    #[must_use]
    pub fn with_config(mut self, config: DispatchConfig) -> Dispatcher {
        self.config = config;
        self
    }

    /// The configuration.
    pub fn config(&self) -> &DispatchConfig {
        &self.config
    }

    /// Delivers every event due at `now`, oldest first, each order's in
    /// order; failed ones are scheduled again.
    pub async fn deliver_due(&self, now: Timestamp) -> Result<DispatchReport, LedgerError> {
        self.deliver(None, now, &AtomicBool::new(false)).await
    }

    /// [`Dispatcher::deliver_due`], stopping between two events once
    /// `stop` is set: the delivery in progress finishes, the claims not yet
    /// attempted are given back ([`Settle::Release`]).
    pub async fn deliver_due_until(
        &self,
        now: Timestamp,
        stop: &AtomicBool,
    ) -> Result<DispatchReport, LedgerError> {
        self.deliver(None, now, stop).await
    }

    /// Delivers the due events of one order (the flow calls this right
    /// after a change, so the app usually hears at once).
    pub async fn deliver_order(
        &self,
        order: &OrderId,
        now: Timestamp,
    ) -> Result<DispatchReport, LedgerError> {
        self.deliver(Some(order), now, &AtomicBool::new(false))
            .await
    }

    async fn deliver(
        &self,
        order: Option<&OrderId>,
        now: Timestamp,
        stop: &AtomicBool,
    ) -> Result<DispatchReport, LedgerError> {
        let mut report = DispatchReport::default();
        let lease_until = plus(now, self.config.lease());
        // Each round delivers or reschedules what it claimed, so the
        // loop ends; the bound guards against a handler that keeps
        // producing events of its own.
        for _ in 0..1000 {
            let token = lease_token();
            let claimed = self
                .ledger
                .outbox_claim(order, now, lease_until, &token, self.config.batch)
                .await?;
            if claimed.is_empty() {
                break;
            }
            for c in claimed {
                if stop.load(Ordering::SeqCst) {
                    self.ledger
                        .outbox_settle(&c.entry.id, &c.token, Settle::Release)
                        .await?;
                } else {
                    self.deliver_one(c, now, &mut report).await?;
                }
            }
            if stop.load(Ordering::SeqCst) {
                break;
            }
        }
        Ok(report)
    }

    async fn deliver_one(
        &self,
        c: Claimed,
        now: Timestamp,
        report: &mut DispatchReport,
    ) -> Result<(), LedgerError> {
        let id = c.entry.id.clone();
        let attempt = c.entry.attempts;
        let result = match event_of(&c.entry) {
            Some(event) => {
                let delivery = Delivery::new(id.clone(), attempt, c.entry.created_at, event);
                match tokio::time::timeout(
                    self.config.handler_timeout,
                    self.handler.handle(&delivery),
                )
                .await
                {
                    Ok(Ok(())) => Ok(()),
                    Ok(Err(e)) => Err(error_text(&e)),
                    Err(_) => Err("event handler timed out".to_owned()),
                }
            }
            None => Err("outbox event unreadable".to_owned()),
        };
        let how = match &result {
            Ok(()) => Settle::Delivered {
                at: now,
                detail: delivered_detail(&c.entry),
            },
            Err(error) => {
                tracing::warn!(event_id = %id, attempt, error = %error, "event handler failed; retrying later");
                Settle::Retry {
                    error: error.clone(),
                    next_attempt_at: plus(now, self.config.retry_delay(attempt)),
                }
            }
        };
        let held = self.ledger.outbox_settle(&id, &c.token, how).await?;
        match (held, result) {
            (false, _) => {
                tracing::warn!(event_id = %id, "outbox lease ended before the delivery settled");
                report.lost_lease.push(id);
            }
            (true, Ok(())) => report.delivered.push(id),
            (true, Err(e)) => report.failed.push((id, e)),
        }
        Ok(())
    }
}

/// `first * 2^(n-1)` for the `n`-th failure (1-based), at most `max`.
pub(super) fn doubling(first: Duration, max: Duration, n: u32) -> Duration {
    let shift = n.saturating_sub(1).min(30);
    first.checked_mul(1u32 << shift).unwrap_or(max).min(max)
}

fn plus(t: Timestamp, d: Duration) -> Timestamp {
    let ms = u64::try_from(d.as_millis()).unwrap_or(u64::MAX);
    Timestamp::from_unix_millis(t.unix_millis().saturating_add(ms))
}

/// A lease token unique to this claim: random, else process-unique.
fn lease_token() -> String {
    static COUNTER: AtomicU64 = AtomicU64::new(0);
    let n = COUNTER.fetch_add(1, Ordering::Relaxed);
    let mut raw = [0u8; 12];
    let random = getrandom::fill(&mut raw).map_or_else(
        |_| format!("{}-{}", std::process::id(), Timestamp::now().unix_millis()),
        |()| hex::encode(raw),
    );
    format!("{random}-{n}")
}

/// A fresh event id for events without a payment change (`{prefix}_...`).
pub(super) fn fresh_event_id(prefix: &str) -> EventId {
    EventId::new(format!("{prefix}_{}", lease_token()))
}

/// The error's text and its sources, log-escaped and bounded.
fn error_text(e: &super::HandlerError) -> String {
    let mut text = e.to_string();
    let mut src = std::error::Error::source(e);
    while let Some(s) = src {
        let part = s.to_string();
        if !text.ends_with(&part) {
            text.push_str(": ");
            text.push_str(&part);
        }
        src = s.source();
    }
    let text: String = text
        .chars()
        .map(|c| if c.is_control() { ' ' } else { c })
        .take(ERROR_TEXT_CAP)
        .collect();
    text
}

/// The details of a virtual account as the outbox keeps them.
#[derive(serde::Serialize, serde::Deserialize, Default)]
struct VbankDetail {
    #[serde(skip_serializing_if = "Option::is_none")]
    number: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    deadline: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    holder: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    bank_code: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    bank_name: Option<String>,
}

/// The outbox detail of an issued virtual account (the number in full,
/// until delivered).
pub(super) fn vbank_detail(account: &VbankAccount) -> String {
    let d = VbankDetail {
        number: account
            .account_number
            .as_ref()
            .map(|n| n.expose().to_owned()),
        deadline: account.deadline.as_ref().map(|d| d.as_str().to_owned()),
        holder: account.holder_name.clone(),
        bank_code: account.bank_code.clone(),
        bank_name: account.bank_name.clone(),
    };
    serde_json::to_string(&d).unwrap_or_default()
}

/// What the outbox keeps once the event was delivered: the virtual account
/// number masked to its last 4 characters.
fn delivered_detail(entry: &OutboxEntry) -> Option<String> {
    if entry.kind != OutboxKind::VbankIssued {
        return entry.detail.clone();
    }
    let mut d: VbankDetail = entry
        .detail
        .as_deref()
        .and_then(|t| serde_json::from_str(t).ok())?;
    d.number = d.number.map(|n| {
        let chars: Vec<char> = n.chars().collect();
        let keep = chars.len().min(4);
        let mut masked = "*".repeat(chars.len() - keep);
        masked.extend(&chars[chars.len() - keep..]);
        masked
    });
    serde_json::to_string(&d).ok()
}

/// The event a row holds (`None`: a required column is missing).
fn event_of(e: &OutboxEntry) -> Option<FlowEvent> {
    let order = || e.order_id.clone();
    Some(match e.kind {
        OutboxKind::Paid => FlowEvent::Paid {
            order_id: order()?,
            tid: e.tid.clone()?,
            amount: e.amount?,
        },
        OutboxKind::VbankIssued => {
            let d: VbankDetail = e
                .detail
                .as_deref()
                .and_then(|t| serde_json::from_str(t).ok())
                .unwrap_or_default();
            FlowEvent::VbankIssued {
                order_id: order()?,
                tid: e.tid.clone()?,
                amount: e.amount.unwrap_or(Amount::ZERO),
                account: Box::new(VbankAccount {
                    account_number: d.number.map(Redacted::new),
                    deadline: d.deadline.as_deref().and_then(KstDateTime::parse),
                    holder_name: d.holder,
                    bank_code: d.bank_code,
                    bank_name: d.bank_name,
                    cash_receipt: None,
                }),
            }
        }
        OutboxKind::Deposited => FlowEvent::Deposited {
            order_id: order()?,
            tid: e.tid.clone()?,
            amount: e.amount?,
        },
        OutboxKind::VbankExpired => FlowEvent::VbankExpired {
            order_id: order()?,
            tid: e.tid.clone()?,
        },
        OutboxKind::Refunded => FlowEvent::Refunded {
            order_id: order()?,
            tid: e.tid.clone(),
            amount: e.amount?,
        },
        OutboxKind::NetCancelled => FlowEvent::NetCancelled {
            order_id: order()?,
            tid: e.tid.clone(),
        },
        OutboxKind::BillkeyIssued => FlowEvent::BillkeyIssued {
            order_id: order()?,
            tid: e.tid.clone(),
        },
        OutboxKind::Alert => FlowEvent::Alert {
            order_id: order(),
            reason: e.detail.clone().unwrap_or_default(),
        },
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn delivered_vbank_detail_keeps_only_the_last_four_digits() {
        let account = VbankAccount {
            account_number: Some(Redacted::new("56211105948400")),
            bank_code: Some("20".into()),
            ..VbankAccount::default()
        };
        let entry = OutboxEntry {
            seq: 1,
            id: EventId::new("evt_A_1"),
            order_id: None,
            kind: OutboxKind::VbankIssued,
            tid: None,
            amount: None,
            detail: Some(vbank_detail(&account)),
            created_at: Timestamp::from_unix_millis(0),
            attempts: 1,
            next_attempt_at: Timestamp::from_unix_millis(0),
            last_error: None,
            delivered_at: None,
        };
        assert!(entry.detail.as_deref().unwrap().contains("56211105948400"));
        let kept = delivered_detail(&entry).unwrap();
        assert_eq!(kept, r#"{"number":"**********8400","bank_code":"20"}"#);
    }

    #[test]
    fn error_text_keeps_the_cause_and_drops_control_characters() {
        let e = super::super::HandlerError::from_source(std::io::Error::other("down\r\nnow"));
        assert_eq!(error_text(&e), "event handler failed: down  now");
    }
}
