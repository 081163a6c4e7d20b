//! Billing-key issuance (빌링키 발급, PROTOCOL.md 3): the inibill page and the
//! result posted to `returnurl`, stored sealed in the ledger.
//!
//! The result is an unsigned browser POST (PROTOCOL.md 3.4): anyone can send
//! one. So [`Flow::billing_checkout`] records an attempt (order, MID, amount,
//! whether `flg_crypto` encryption was asked) with a one-time nonce carried in
//! `returnurl` (`&n=...`; only its SHA-256 is stored), and
//! [`Flow::billing_return`] accepts a result only for a pending attempt, once:
//!
//! | result posted | outcome |
//! |---|---|
//! | for an attempt of ours, first time | stored sealed, [`BillingOutcome::Issued`] |
//! | the same result again (replay) | [`BillingRefusal::Replayed`] |
//! | no nonce, or a nonce we never issued | [`BillingRefusal::UnknownAttempt`] |
//! | a plain 40-hex key when encryption was asked | [`BillingRefusal::PlainKeyWhenEncrypted`] |
//! | a second key for an order that has one | [`BillingRefusal::AlreadyStored`] |
//!
//! INIAPI documents no inquiry of a billing-key issuance (PROTOCOL.md 4.5
//! looks up payments), so a stored key stays **unconfirmed**
//! ([`BillkeyRecord::confirmed_at`](crate::ledger::BillkeyRecord::confirmed_at)
//! is `None`) until its first successful charge confirms it
//! ([`Ledger::confirm_billkey`](crate::ledger::Ledger::confirm_billkey)).

use super::{Flow, FlowError};
use crate::billing::{
    BillingKeyForm, BillingKeyRequest, BillingKeyResult, BillkeyIv, decrypt_field,
};
use crate::config::ConfigError;
use crate::encoding::Charset;
use crate::ledger::{
    AttemptClaim, BillingAttempt, BillkeyContext, BillkeyKey, Direction, Message, MessageKind,
    nonce_digest,
};
use crate::mobile::html;
use crate::outcome::ResultCode;
use crate::time::Timestamp;
use crate::types::{OrderId, Tid};
use secrecy::{ExposeSecret, SecretString};
use std::fmt;

/// How billing keys are requested and kept.
#[derive(Clone)]
pub struct BillingConfig {
    /// Seals billing keys at rest in the ledger (AES-256-GCM). Without it no
    /// issuance starts: a key that could not be stored would be lost.
    pub billkey_key: BillkeyKey,
    /// Send `flg_crypto=Y` (보안추가): the key comes back AES-256 encrypted.
    pub encrypted: bool,
    /// The IV used to decrypt it (PROTOCOL.md 3.5: zero by default).
    pub iv: BillkeyIv,
}

impl fmt::Debug for BillingConfig {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("BillingConfig")
            .field("billkey_key", &self.billkey_key.id())
            .field("encrypted", &self.encrypted)
            .field("iv", &self.iv)
            .finish()
    }
}

impl BillingConfig {
    /// Encrypted issuance with the zero IV, keys sealed with `billkey_key`.
    pub fn new(billkey_key: BillkeyKey) -> BillingConfig {
        BillingConfig {
            billkey_key,
            encrypted: true,
            iv: BillkeyIv::default(),
        }
    }
}

/// A signed billing-key form and its auto-submitting page (UTF-8).
#[derive(Debug, Clone)]
pub struct BillingCheckout {
    /// The signed form.
    pub form: BillingKeyForm,
    /// The page.
    pub html: String,
}

/// Why a billing-key result was refused. Nothing was stored.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, thiserror::Error)]
#[non_exhaustive]
pub enum BillingRefusal {
    /// The body is not a billing-key result.
    #[error("unreadable billing-key result")]
    Unreadable,
    /// `returnurl` carried no order id.
    #[error("billing-key result without order id")]
    NoOrderId,
    /// `orderid` or `mid` of the result is not the order's.
    #[error("billing-key result for another order or MID")]
    OrderOrMidMismatch,
    /// No pending attempt of this order has the nonce in `returnurl`
    /// (forged, or for another order).
    #[error("billing-key result for no attempt of ours")]
    UnknownAttempt,
    /// The attempt's result was accepted before (a replayed post).
    #[error("billing-key result replayed")]
    Replayed,
    /// Encryption (`flg_crypto=Y`) was asked but the key came in clear.
    #[error("plain billing key although encryption was requested")]
    PlainKeyWhenEncrypted,
    /// The encrypted key could not be decrypted (check the IV setting).
    #[error("billing key could not be decrypted")]
    Undecryptable,
    /// The order already has a stored billing key.
    #[error("the order already has a billing key")]
    AlreadyStored,
    /// Billing is not configured, or the INILite key is missing.
    #[error("billing is not configured")]
    NotConfigured,
}

/// What happened on the billing `returnurl`. Every variant was journaled
/// (with the billing key removed from the stored body).
#[derive(Debug)]
#[non_exhaustive]
pub enum BillingOutcome {
    /// The key is issued and stored sealed, **unconfirmed** until its first
    /// charge (see the module docs); read it with
    /// [`Ledger::reveal_billkey`](crate::ledger::Ledger::reveal_billkey).
    Issued {
        /// The order.
        order_id: OrderId,
        /// The issuance TID.
        tid: Option<Tid>,
    },
    /// The buyer cancelled (`[cancel]` marker) or issuance failed.
    NotIssued {
        /// The order, when known.
        order_id: Option<OrderId>,
        /// The code and message.
        result: ResultCode,
    },
    /// The result was refused; nothing stored (alerted when it looks forged).
    Rejected {
        /// The order, when known.
        order_id: Option<OrderId>,
        /// Why.
        reason: BillingRefusal,
    },
    /// The ledger failed.
    Error(FlowError),
}

/// The query parameter of `returnurl` carrying the attempt's nonce.
const NONCE_PARAM: &str = "n";

impl Flow {
    /// `returnurl` for a billing order (without the attempt's nonce, which
    /// [`Flow::billing_checkout`] appends).
    pub fn billing_return_url(&self, order_id: &str) -> String {
        format!(
            "{}{}/billing/return?oid={order_id}",
            self.config.public_base_url, self.config.mount
        )
    }

    /// Signs a billing-key request built by the app (its `return_url` and
    /// `encrypted` are set here from the configuration), records the attempt
    /// with a fresh one-time nonce, and renders the page. Each call is a new
    /// attempt (a reloaded page gets a new nonce).
    pub async fn billing_checkout(
        &self,
        mut request: BillingKeyRequest,
        now: Timestamp,
    ) -> Result<BillingCheckout, FlowError> {
        let billing = self.billing.as_ref().ok_or(ConfigError::MissingKey(
            "billing-key sealing key (FlowConfig billing)",
        ))?;
        let mut raw = [0u8; 16];
        getrandom::fill(&mut raw).map_err(|_| FlowError::Randomness)?;
        let nonce = hex::encode(raw);
        request.return_url = format!(
            "{}&{NONCE_PARAM}={nonce}",
            self.billing_return_url(&request.order_id)
        );
        request.encrypted = billing.encrypted;
        let form = request.sign(&self.merchant, now).map_err(|e| match e {
            crate::billing::SignError::Field(f) => FlowError::Field(f),
            crate::billing::SignError::Config(c) => FlowError::Config(c),
        })?;
        let order_id = OrderId::new(&request.order_id)?;
        self.ledger
            .create_billing_attempt(BillingAttempt {
                order_id,
                mid: self.merchant.mid().clone(),
                nonce_digest: nonce_digest(&nonce),
                encrypted: billing.encrypted,
                amount: Some(request.price),
                created_at: now,
            })
            .await?;
        let html = html::page(&form, &self.config.html);
        Ok(BillingCheckout { form, html })
    }

    /// Handles the result inilite posts to `returnurl` (UTF-8 form).
    /// `query` is the query string of the request (`oid=...&n=...`); `body`
    /// the posted form (for a GET, the query string again).
    pub async fn billing_return(&self, query: &str, body: &[u8], now: Timestamp) -> BillingOutcome {
        let oid = query_param(query, "oid").and_then(|s| OrderId::new(&s).ok());
        let nonce = query_param(query, NONCE_PARAM);
        let mut msg = Message::new(
            MessageKind::BillingResult,
            Direction::Inbound,
            Charset::Utf8,
            body.to_vec(),
            now,
        );
        if let Some(o) = &oid {
            msg = msg.order(o.clone());
        }
        let parsed = BillingKeyResult::parse(body, Charset::Utf8);
        if let Ok(BillingKeyResult::Issued(i)) = &parsed
            && let Some(t) = &i.tid
        {
            msg = msg.tid(t.clone());
        }
        if let Err(e) = self.ledger.append(msg, None).await {
            return BillingOutcome::Error(e.into());
        }
        let issued = match parsed {
            Err(_) => return refuse(oid, BillingRefusal::Unreadable),
            Ok(BillingKeyResult::Failed(f)) => {
                return BillingOutcome::NotIssued {
                    order_id: oid,
                    result: f.result,
                };
            }
            Ok(BillingKeyResult::Issued(i)) => i,
        };
        let Some(oid) = oid else {
            return refuse(None, BillingRefusal::NoOrderId);
        };
        if issued.mid.as_deref() != Some(self.merchant.mid().as_str())
            || issued.order_id.as_deref() != Some(oid.as_str())
        {
            return self
                .refuse_alerted(oid, BillingRefusal::OrderOrMidMismatch, now)
                .await;
        }
        let Some(billing) = &self.billing else {
            return refuse(Some(oid), BillingRefusal::NotConfigured);
        };
        let claim = match nonce {
            Some(n) => {
                self.ledger
                    .claim_billing_attempt(&oid, &nonce_digest(&n), now)
                    .await
            }
            None => Ok(AttemptClaim::Unknown),
        };
        let attempt = match claim {
            Ok(AttemptClaim::Claimed(a)) if a.mid == *self.merchant.mid() => a,
            Ok(AttemptClaim::Claimed(_) | AttemptClaim::Unknown) => {
                return self
                    .refuse_alerted(oid, BillingRefusal::UnknownAttempt, now)
                    .await;
            }
            Ok(AttemptClaim::AlreadyUsed { .. }) => {
                return self
                    .refuse_alerted(oid, BillingRefusal::Replayed, now)
                    .await;
            }
            Err(e) => return BillingOutcome::Error(e.into()),
        };
        let received = issued.billkey_as_received();
        let plain = is_plain_billkey(received.expose_secret());
        let billkey = match (attempt.encrypted, plain) {
            (true, true) => {
                return self
                    .refuse_alerted(oid, BillingRefusal::PlainKeyWhenEncrypted, now)
                    .await;
            }
            (false, _) => SecretString::from(received.expose_secret().to_owned()),
            (true, false) => {
                let Ok(key) = self.merchant.inilite_key() else {
                    return refuse(Some(oid), BillingRefusal::NotConfigured);
                };
                match decrypt_field("billkey", received.expose_secret(), key, billing.iv) {
                    Ok(k) => k,
                    Err(_) => {
                        return self
                            .refuse_alerted(oid, BillingRefusal::Undecryptable, now)
                            .await;
                    }
                }
            }
        };
        let context = BillkeyContext::new(self.merchant.mid().clone(), oid.clone());
        match self
            .ledger
            .store_billkey(
                &billing.billkey_key,
                context,
                issued.tid.clone(),
                &billkey,
                now,
            )
            .await
        {
            Ok(true) => {}
            Ok(false) => {
                return self
                    .refuse_alerted(oid, BillingRefusal::AlreadyStored, now)
                    .await;
            }
            Err(e) => return BillingOutcome::Error(e.into()),
        }
        // The ledger wrote the `BillkeyIssued` event with the key, in one
        // transaction; deliver it now (the background task would otherwise).
        self.deliver(Some(&oid), now).await;
        BillingOutcome::Issued {
            order_id: oid,
            tid: issued.tid,
        }
    }

    async fn refuse_alerted(
        &self,
        oid: OrderId,
        reason: BillingRefusal,
        now: Timestamp,
    ) -> BillingOutcome {
        tracing::warn!(order_id = %oid, %reason, "billing-key result refused");
        self.alert(Some(&oid), &reason.to_string(), now).await;
        refuse(Some(oid), reason)
    }
}

fn refuse(order_id: Option<OrderId>, reason: BillingRefusal) -> BillingOutcome {
    BillingOutcome::Rejected { order_id, reason }
}

/// The first value of `name` in a query string, percent-decoded (UTF-8).
fn query_param(query: &str, name: &str) -> Option<String> {
    url::form_urlencoded::parse(query.as_bytes())
        .find(|(k, _)| k == name)
        .map(|(_, v)| v.into_owned())
}

/// A billing key in its normal form (40 lower-case hex characters): what
/// INICIS sends when encryption was not asked (PROTOCOL.md 3.4).
fn is_plain_billkey(v: &str) -> bool {
    v.len() == 40 && v.bytes().all(|b| matches!(b, b'0'..=b'9' | b'a'..=b'f'))
}
