//! Callback bodies over the adapter's size limit: journaled, truncated,
//! before the `413`.
//!
//! "Every delivery is journaled" holds for bodies too large to keep as well:
//! an adapter reads at most its limit into memory with a [`BodyCollector`]
//! (the rest is counted, not stored, up to [`COUNT_CAP`]), then calls
//! [`Flow::oversized`] and answers `413 Payload Too Large` with an empty body.
//! The journal then holds two messages:
//!
//! 1. the first `limit` bytes, inbound, of the route's [`MessageKind`]
//!    (what INICIS or the browser sent, cut; never parsed or acted on);
//! 2. a [`Direction::Local`] record of the same kind stating the reason, the
//!    limit and how many bytes were seen, e.g.
//!    `reason=body_over_limit&route=noti&limit=65536&kept=65536&received=10485760`
//!    (`received_at_least=...` when counting stopped at the cap).
//!
//! Both are attached to the order when the URL names one (`oid` of
//! `P_NEXT_URL` or of the billing `returnurl`); a notification names its order
//! only inside the body, which is not parsed.
//!
//! ```
//! use inipay_core::flow::{BodyCollector, CollectedBody};
//! let mut body = BodyCollector::new(4);
//! assert!(body.push(b"P_ST"));
//! assert!(body.push(b"ATUS=00"));
//! let CollectedBody::Oversized(big) = body.finish() else { panic!("over 4 bytes") };
//! assert_eq!(big.prefix(), b"P_ST");
//! assert_eq!(big.received().to_string(), "received=11");
//!
//! let mut small = BodyCollector::new(64);
//! small.push(b"P_STATUS=00");
//! assert!(matches!(small.finish(), CollectedBody::Complete(b) if b == b"P_STATUS=00"));
//! ```

use super::{Flow, FlowError};
use crate::encoding::Charset;
use crate::ledger::{Direction, Message, MessageKind};
use crate::time::Timestamp;
use crate::types::OrderId;
use std::fmt;

/// How many bytes of one body are counted at most (16 MiB) before the
/// adapter stops reading: counting costs no memory, but a sender must not
/// keep a worker busy forever. Beyond it the record says "at least".
pub const COUNT_CAP: u64 = 16 * 1024 * 1024;

/// The callback route a body arrived on; decides the journal
/// [`MessageKind`] and the charset the body is stored under.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum Callback {
    /// `P_NEXT_URL`: an auth result (인증결과, PROTOCOL.md 2.4).
    Next,
    /// `P_NOTI_URL`: a notification (노티, PROTOCOL.md 2.6).
    Noti,
    /// The billing `returnurl`: a billing-key result (PROTOCOL.md 3.4).
    BillingReturn,
}

impl Callback {
    /// The journal kind of messages on this route.
    pub fn kind(self) -> MessageKind {
        match self {
            Callback::Next => MessageKind::AuthResult,
            Callback::Noti => MessageKind::Noti,
            Callback::BillingReturn => MessageKind::BillingResult,
        }
    }

    /// The route's name in the local record.
    pub fn as_str(self) -> &'static str {
        match self {
            Callback::Next => "next",
            Callback::Noti => "noti",
            Callback::BillingReturn => "billing_return",
        }
    }
}

/// How long an over-limit body was.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum BodyLength {
    /// Read to its end: exactly this many bytes.
    Exactly(u64),
    /// Reading stopped at the count cap: at least this many bytes.
    AtLeast(u64),
}

impl fmt::Display for BodyLength {
    /// The field of the local record: `received=N` or `received_at_least=N`.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            BodyLength::Exactly(n) => write!(f, "received={n}"),
            BodyLength::AtLeast(n) => write!(f, "received_at_least={n}"),
        }
    }
}

/// A request body read chunk by chunk: keeps at most `limit` bytes in
/// memory and only counts the rest, up to a cap. Framework-agnostic, so both
/// adapters cut and count the same way.
#[derive(Debug)]
pub struct BodyCollector {
    limit: usize,
    cap: u64,
    kept: Vec<u8>,
    seen: u64,
}

impl BodyCollector {
    /// A collector for bodies of at most `limit` bytes, counting up to
    /// [`COUNT_CAP`] (or just past `limit` when that is larger).
    pub fn new(limit: usize) -> BodyCollector {
        BodyCollector::with_cap(limit, COUNT_CAP)
    }

    /// A collector with its own count cap (raised to `limit + 1` if lower:
    /// an over-limit body must be seen to be over).
    pub fn with_cap(limit: usize, cap: u64) -> BodyCollector {
        let limit_plus_one = u64::try_from(limit).unwrap_or(u64::MAX).saturating_add(1);
        BodyCollector {
            limit,
            cap: cap.max(limit_plus_one),
            kept: Vec::new(),
            seen: 0,
        }
    }

    /// Adds the next chunk. Returns `false` once the cap is reached: stop
    /// reading and call [`BodyCollector::finish`].
    pub fn push(&mut self, chunk: &[u8]) -> bool {
        let room = self.limit.saturating_sub(self.kept.len());
        self.kept.extend_from_slice(&chunk[..room.min(chunk.len())]);
        let n = u64::try_from(chunk.len()).unwrap_or(u64::MAX);
        self.seen = self.seen.saturating_add(n);
        self.seen < self.cap
    }

    /// The body, complete when it fit the limit.
    pub fn finish(self) -> CollectedBody {
        let limit = u64::try_from(self.limit).unwrap_or(u64::MAX);
        if self.seen <= limit {
            return CollectedBody::Complete(self.kept);
        }
        let received = if self.seen >= self.cap {
            BodyLength::AtLeast(self.seen)
        } else {
            BodyLength::Exactly(self.seen)
        };
        CollectedBody::Oversized(OversizedBody {
            prefix: self.kept,
            received,
            limit: self.limit,
        })
    }
}

/// What a [`BodyCollector`] read (always one of the two).
#[derive(Debug)]
pub enum CollectedBody {
    /// The whole body (at most the limit): hand it to the flow step.
    Complete(Vec<u8>),
    /// Over the limit: journal it with [`Flow::oversized`], answer `413`.
    Oversized(OversizedBody),
}

/// An over-limit body: its first `limit` bytes and how long it was.
#[derive(Clone, PartialEq, Eq)]
pub struct OversizedBody {
    prefix: Vec<u8>,
    received: BodyLength,
    limit: usize,
}

impl OversizedBody {
    /// The first `limit` bytes.
    pub fn prefix(&self) -> &[u8] {
        &self.prefix
    }

    /// How many bytes were seen in all.
    pub fn received(&self) -> BodyLength {
        self.received
    }

    /// The limit it exceeded.
    pub fn limit(&self) -> usize {
        self.limit
    }
}

impl fmt::Debug for OversizedBody {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("OversizedBody")
            .field("prefix", &format_args!("{} bytes", self.prefix.len()))
            .field("received", &self.received)
            .field("limit", &self.limit)
            .finish()
    }
}

impl Flow {
    /// What an adapter does with a callback body it read (every adapter the
    /// same): the complete body to hand to the route's flow call, or the
    /// status to answer with an empty body instead: `413` after an
    /// over-limit body is journaled ([`Flow::oversized`]; a ledger failure
    /// there is logged, the answer stays `413`), `400` when the body could
    /// not be read (logged). `query_oid` is the `oid` of the callback URL.
    ///
    /// ```
    /// # use inipay_core::client::{ClientConfig, GatewayClient};
    /// # use inipay_core::config::{Endpoints, Merchant, test_keys};
    /// # use inipay_core::flow::{Flow, FlowConfig};
    /// # use inipay_core::ledger::MemoryStore;
    /// # use std::sync::Arc;
    /// use inipay_core::flow::{BodyCollector, Callback};
    /// use inipay_core::time::Timestamp;
    /// # tokio::runtime::Builder::new_current_thread().enable_all().build()?.block_on(async {
    /// # let merchant = Merchant::test("INIpayTest", test_keys::inipay_test(),
    /// #     Endpoints::sandbox("http://127.0.0.1:8081")?)?;
    /// # let flow = Flow::new(merchant, GatewayClient::new(ClientConfig::default())?,
    /// #     Arc::new(MemoryStore::new()), FlowConfig::new("http://127.0.0.1:8080", "/inicis")?);
    /// let now = Timestamp::from_unix_millis(1_704_078_000_000);
    /// let mut small = BodyCollector::new(16);
    /// small.push(b"P_STATUS=00");
    /// let read: Result<_, std::io::Error> = Ok(small.finish());
    /// assert_eq!(flow.callback_body(Callback::Noti, None, read, now).await, Ok(b"P_STATUS=00".to_vec()));
    /// let mut big = BodyCollector::new(4);
    /// big.push(b"P_STATUS=00");
    /// assert_eq!(flow.callback_body(Callback::Noti, None, Ok::<_, std::io::Error>(big.finish()), now).await, Err(413));
    /// let broken = Err(std::io::Error::other("connection reset"));
    /// assert_eq!(flow.callback_body(Callback::Noti, None, broken, now).await, Err(400));
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// # })?;
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub async fn callback_body<E: std::fmt::Display>(
        &self,
        route: Callback,
        query_oid: Option<&str>,
        read: Result<CollectedBody, E>,
        now: Timestamp,
    ) -> Result<Vec<u8>, u16> {
        match read {
            Ok(CollectedBody::Complete(b)) => Ok(b),
            Ok(CollectedBody::Oversized(big)) => {
                if let Err(e) = self.oversized(route, query_oid, big, now).await {
                    tracing::error!(error = %e, "over-limit body not journaled");
                }
                Err(413)
            }
            Err(e) => {
                tracing::warn!(error = %crate::encoding::escape_for_log(&e.to_string()), "request body could not be read");
                Err(400)
            }
        }
    }

    /// Journals an over-limit callback body before the adapter answers
    /// `413` with an empty body: the prefix as an inbound message of the
    /// route's kind, then a [`Direction::Local`] record of the length, limit
    /// and reason, both attached to `order_id` when it is a valid order id
    /// (the `oid` of the callback URL). Nothing is parsed or acted on; the
    /// app is alerted ([`FlowEvent::Alert`](crate::flow::FlowEvent::Alert)).
    ///
    /// An error means the ledger failed: the adapter still answers `413`
    /// (the sender's retry would be as large) and logs it.
    pub async fn oversized(
        &self,
        route: Callback,
        order_id: Option<&str>,
        body: OversizedBody,
        now: Timestamp,
    ) -> Result<(), FlowError> {
        let oid = order_id.and_then(|s| OrderId::new(s).ok());
        let charset = match route {
            Callback::Next => self.config.result_charset,
            Callback::Noti => self.config.noti.charset,
            Callback::BillingReturn => Charset::Utf8,
        };
        let record = format!(
            "reason=body_over_limit&route={}&limit={}&kept={}&{}",
            route.as_str(),
            body.limit,
            body.prefix.len(),
            body.received
        );
        let attach = |m: Message| match &oid {
            Some(o) => m.order(o.clone()),
            None => m,
        };
        let kind = route.kind();
        let inbound = Message::new(kind, Direction::Inbound, charset, body.prefix, now);
        let local = Message::new(
            kind,
            Direction::Local,
            Charset::Utf8,
            record.into_bytes(),
            now,
        );
        tracing::warn!(
            route = route.as_str(),
            order_id = oid.as_ref().map(OrderId::as_str),
            limit = body.limit,
            received = %body.received,
            "callback body over the size limit; journaled truncated, answering 413"
        );
        self.ledger.append(attach(inbound), None).await?;
        self.ledger.append(attach(local), None).await?;
        let reason = format!(
            "a {} body over the {}-byte limit was refused (413) and journaled truncated",
            route.as_str(),
            body.limit
        );
        self.alert(oid.as_ref(), &reason, now).await;
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn oversized(c: BodyCollector) -> OversizedBody {
        match c.finish() {
            CollectedBody::Oversized(o) => o,
            CollectedBody::Complete(b) => panic!("complete body of {} bytes", b.len()),
        }
    }

    #[test]
    fn exactly_the_limit_is_complete_one_more_is_not() {
        let mut c = BodyCollector::new(8);
        c.push(b"12345678");
        assert!(matches!(c.finish(), CollectedBody::Complete(b) if b == b"12345678"));
        let mut c = BodyCollector::new(8);
        c.push(b"1234");
        c.push(b"56789");
        let o = oversized(c);
        assert_eq!(o.prefix(), b"12345678");
        assert_eq!(o.received(), BodyLength::Exactly(9));
        assert_eq!(o.limit(), 8);
    }

    #[test]
    fn counting_stops_at_the_cap() {
        let mut c = BodyCollector::with_cap(4, 10);
        assert!(c.push(b"abcdef"));
        assert!(!c.push(b"ghijk"), "cap reached: stop reading");
        let o = oversized(c);
        assert_eq!(o.prefix(), b"abcd");
        assert_eq!(o.received(), BodyLength::AtLeast(11));
        assert_eq!(o.received().to_string(), "received_at_least=11");
        // A cap below the limit is raised so an over-limit body is seen.
        let mut c = BodyCollector::with_cap(4, 1);
        assert!(c.push(b"abcd"));
        assert!(!c.push(b"e"));
        assert_eq!(oversized(c).received(), BodyLength::AtLeast(5));
    }

    #[test]
    fn debug_shows_no_body() {
        let mut c = BodyCollector::new(2);
        c.push(b"P_CARD_NUM=4111");
        let d = format!("{:?}", oversized(c));
        assert!(!d.contains("P_") && d.contains("2 bytes"), "{d}");
    }

    proptest! {
        #[test]
        fn keeps_the_prefix_and_counts_everything(
            chunks in proptest::collection::vec(proptest::collection::vec(any::<u8>(), 0..50), 0..20),
            limit in 0usize..200,
        ) {
            let all: Vec<u8> = chunks.concat();
            let mut c = BodyCollector::new(limit);
            for ch in &chunks {
                prop_assert!(c.push(ch));
            }
            match c.finish() {
                CollectedBody::Complete(b) => prop_assert_eq!(b, all),
                CollectedBody::Oversized(o) => {
                    prop_assert!(all.len() > limit);
                    prop_assert_eq!(o.prefix(), &all[..limit]);
                    prop_assert_eq!(o.received(), BodyLength::Exactly(all.len() as u64));
                }
            }
        }
    }
}

#[cfg(test)]
mod flow_tests {
    use super::*;
    use crate::client::{ClientConfig, GatewayClient};
    use crate::config::{Endpoints, Merchant, test_keys};
    use crate::flow::{FlowConfig, FlowEvent, HandlerError};
    use crate::ledger::{Ledger, MemoryStore};
    use std::sync::{Arc, Mutex};

    fn flow(ledger: Arc<dyn Ledger>, alerts: Arc<Mutex<Vec<FlowEvent>>>) -> Flow {
        let merchant = Merchant::test(
            "INIpayTest",
            test_keys::inipay_test(),
            Endpoints::sandbox("http://127.0.0.1:9").unwrap(),
        )
        .unwrap();
        let handler = move |d: &crate::flow::Delivery| -> Result<(), HandlerError> {
            alerts.lock().unwrap().push(d.event.clone());
            Ok(())
        };
        Flow::new(
            merchant,
            GatewayClient::new(ClientConfig::default()).unwrap(),
            ledger,
            FlowConfig::new("http://127.0.0.1:8080", "/inicis").unwrap(),
        )
        .with_events(Arc::new(handler))
    }

    fn big(limit: usize, len: usize) -> OversizedBody {
        let mut c = BodyCollector::new(limit);
        c.push(&vec![b'a'; len]);
        match c.finish() {
            CollectedBody::Oversized(o) => o,
            CollectedBody::Complete(_) => panic!("not over"),
        }
    }

    #[tokio::test]
    async fn journals_prefix_and_local_record_on_the_order() {
        let ledger = Arc::new(MemoryStore::new());
        let alerts = Arc::new(Mutex::new(Vec::new()));
        let f = flow(ledger.clone(), alerts.clone());
        let at = Timestamp::from_unix_millis(1_704_078_000_000);
        f.oversized(Callback::Next, Some("ORD-BIG"), big(16, 70_000), at)
            .await
            .unwrap();
        let oid = OrderId::new("ORD-BIG").unwrap();
        let msgs = ledger.messages_of(&oid).await.unwrap();
        assert_eq!(msgs.len(), 2);
        let (inbound, local) = (&msgs[0].message, &msgs[1].message);
        assert_eq!(inbound.direction, Direction::Inbound);
        assert_eq!(inbound.kind, MessageKind::AuthResult);
        assert_eq!(inbound.body, vec![b'a'; 16]);
        assert_eq!(local.direction, Direction::Local);
        assert_eq!(local.kind, MessageKind::AuthResult);
        assert_eq!(
            std::str::from_utf8(&local.body).unwrap(),
            "reason=body_over_limit&route=next&limit=16&kept=16&received=70000"
        );
        let alerts = alerts.lock().unwrap();
        assert!(
            matches!(&alerts[..], [FlowEvent::Alert { order_id: Some(o), .. }] if o == &oid),
            "{alerts:?}"
        );
    }

    #[tokio::test]
    async fn route_decides_the_kind_and_charset() {
        let ledger = Arc::new(MemoryStore::new());
        let f = flow(ledger.clone(), Arc::default());
        let at = Timestamp::from_unix_millis(0);
        for (route, oid, kind, charset) in [
            (Callback::Noti, "ORD-N", MessageKind::Noti, Charset::EucKr),
            (
                Callback::BillingReturn,
                "ORD-B",
                MessageKind::BillingResult,
                Charset::Utf8,
            ),
        ] {
            f.oversized(route, Some(oid), big(4, 5), at).await.unwrap();
            let msgs = ledger
                .messages_of(&OrderId::new(oid).unwrap())
                .await
                .unwrap();
            let kinds: Vec<_> = msgs
                .iter()
                .map(|m| (m.message.kind, m.message.direction))
                .collect();
            assert_eq!(
                kinds,
                [(kind, Direction::Inbound), (kind, Direction::Local)]
            );
            assert_eq!(msgs[0].message.charset, charset);
        }
        // An order id that is not one journals without an order (no error).
        f.oversized(Callback::Next, Some("bad id!"), big(4, 5), at)
            .await
            .unwrap();
    }
}
