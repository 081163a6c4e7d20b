//! Billing-key issuance (빌링키 발급, PROTOCOL.md 3): the inibill page and the
//! result posted to `returnurl`, stored sealed in the ledger.

use super::events::FlowEvent;
use super::{Flow, FlowError};
use crate::billing::{
    BillingKeyForm, BillingKeyRequest, BillingKeyResult, BillkeyIv, decrypt_field,
};
use crate::config::ConfigError;
use crate::encoding::Charset;
use crate::ledger::{BillkeyContext, BillkeyKey, Direction, Message, MessageKind};
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

/// What happened on the billing `returnurl`. Every variant was journaled
/// (with the billing key removed from the stored body).
#[derive(Debug)]
#[non_exhaustive]
pub enum BillingOutcome {
    /// The key is issued and stored sealed; read it with
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
    /// The result was unreadable, for another order or MID, or could not be
    /// decrypted. Nothing stored.
    Rejected {
        /// The order, when known.
        order_id: Option<OrderId>,
        /// Why.
        reason: &'static str,
    },
    /// The ledger failed.
    Error(FlowError),
}

impl Flow {
    /// `returnurl` for a billing order.
    pub fn billing_return_url(&self, order_id: &str) -> String {
        format!(
            "{}{}/billing/return?oid={order_id}",
            self.config.public_base_url, self.config.mount
        )
    }

    /// Signs a billing-key request built by the app (its `return_url` and
    /// `encrypted` are set here from the configuration) and renders the page.
    pub fn billing_checkout(
        &self,
        mut request: BillingKeyRequest,
        now: Timestamp,
    ) -> Result<BillingCheckout, FlowError> {
        let billing = self.billing.as_ref().ok_or(ConfigError::MissingKey(
            "billing-key sealing key (FlowConfig billing)",
        ))?;
        request.return_url = self.billing_return_url(&request.order_id);
        request.encrypted = billing.encrypted;
        let form = request.sign(&self.merchant, now).map_err(|e| match e {
            crate::billing::SignError::Field(f) => FlowError::Field(f),
            crate::billing::SignError::Config(c) => FlowError::Config(c),
        })?;
        let html = html::page(&form, &self.config.html);
        Ok(BillingCheckout { form, html })
    }

    /// Handles the result inilite posts to `returnurl` (UTF-8 form).
    pub async fn billing_return(
        &self,
        order_id: Option<&str>,
        body: &[u8],
        now: Timestamp,
    ) -> BillingOutcome {
        let oid = order_id.and_then(|s| OrderId::new(s).ok());
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
            Err(_) => {
                return BillingOutcome::Rejected {
                    order_id: oid,
                    reason: "unreadable billing-key result",
                };
            }
            Ok(BillingKeyResult::Failed(f)) => {
                return BillingOutcome::NotIssued {
                    order_id: oid,
                    result: f.result,
                };
            }
            Ok(BillingKeyResult::Issued(i)) => i,
        };
        let Some(oid) = oid else {
            return BillingOutcome::Rejected {
                order_id: None,
                reason: "billing-key result without order id",
            };
        };
        if issued.mid.as_deref() != Some(self.merchant.mid().as_str())
            || issued.order_id.as_deref() != Some(oid.as_str())
        {
            self.alert(
                Some(&oid),
                "billing-key result for another order or MID",
                now,
            )
            .await;
            return BillingOutcome::Rejected {
                order_id: Some(oid),
                reason: "billing-key result does not match the order",
            };
        }
        let Some(billing) = &self.billing else {
            return BillingOutcome::Rejected {
                order_id: Some(oid),
                reason: "billing is not configured",
            };
        };
        let received = issued.billkey_as_received();
        let billkey = if billing.encrypted && !is_plain_billkey(received.expose_secret()) {
            let Ok(key) = self.merchant.inilite_key() else {
                return BillingOutcome::Rejected {
                    order_id: Some(oid),
                    reason: "the INILite key is not configured",
                };
            };
            match decrypt_field("billkey", received.expose_secret(), key, billing.iv) {
                Ok(k) => k,
                Err(_) => {
                    self.alert(
                        Some(&oid),
                        "billing key could not be decrypted (check the IV setting)",
                        now,
                    )
                    .await;
                    return BillingOutcome::Rejected {
                        order_id: Some(oid),
                        reason: "billing key could not be decrypted",
                    };
                }
            }
        } else {
            SecretString::from(received.expose_secret().to_owned())
        };
        let context = BillkeyContext::new(self.merchant.mid().clone(), oid.clone());
        if let Err(e) = self
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
            return BillingOutcome::Error(e.into());
        }
        let ev = FlowEvent::BillkeyIssued {
            order_id: oid.clone(),
            tid: issued.tid.clone(),
        };
        self.emit_unacknowledged(&ev).await;
        BillingOutcome::Issued {
            order_id: oid,
            tid: issued.tid,
        }
    }
}

/// A billing key in its normal form (40 lower-case hex characters) cannot be
/// a ciphertext, so it is used as received even when encryption was asked.
fn is_plain_billkey(v: &str) -> bool {
    v.len() == 40 && v.bytes().all(|b| matches!(b, b'0'..=b'9' | b'a'..=b'f'))
}
