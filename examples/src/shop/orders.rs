//! The shop's orders (kept in memory) and what it remembers from payment
//! events. The order type implements [`Order`] by hand.

use super::catalog::Product;
use inipay_core::flow::{BoxFuture, Delivery, EventHandler, FlowEvent, HandlerError, OrderLookup};
use inipay_core::mobile::{HppMethod, Method, PaymentRequest, VbankAccount, VbankDeadline};
use inipay_core::order::{CheckoutContext, Order};
use inipay_core::time::Timestamp;
use inipay_core::types::{Amount, BuyerName, FieldError, FieldErrorKind};
use std::collections::HashMap;
use std::fmt;
use std::future::Future;
use std::pin::Pin;
use std::sync::{Mutex, MutexGuard};
use subtle::ConstantTimeEq;

/// Days a virtual account stays open.
const VBANK_DAYS: u64 = 3;

/// Random bytes in an order id: 16 (128 bits), as 32 hex digits after
/// `DEMO-`, 37 bytes in all (`P_OID` allows 40, PROTOCOL.md 2.2).
const ID_BYTES: usize = 16;

/// Random bytes in an order's secret link (256 bits).
const SECRET_BYTES: usize = 32;

/// The secret in the link given to the buyer when the order is placed
/// (`/orders/{id}?key=...`): who holds it sees the order's details (buyer,
/// TID, full virtual account); who only knows the order id does not. The
/// order id travels to INICIS, logs and receipts; the secret never does.
/// Compared in constant time; `Debug` is redacted.
#[derive(Clone)]
pub struct OrderSecret(String);

impl OrderSecret {
    /// The secret as it appears in the link.
    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// Whether `candidate` is this secret (constant time).
    pub fn matches(&self, candidate: &str) -> bool {
        self.0.as_bytes().ct_eq(candidate.as_bytes()).into()
    }
}

impl fmt::Debug for OrderSecret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("OrderSecret([redacted])")
    }
}

fn random_hex<const N: usize>() -> Result<String, PlaceError> {
    let mut bytes = [0u8; N];
    getrandom::fill(&mut bytes).map_err(PlaceError::Random)?;
    Ok(hex::encode(bytes))
}

/// Why an order was not placed.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum PlaceError {
    /// The buyer name is empty or only spaces.
    #[error("the buyer name is empty")]
    BlankName,
    /// The buyer name would be refused at checkout (`P_UNAME`: 30 EUC-KR
    /// bytes, no markup characters); names the rule, never the value.
    #[error(transparent)]
    Name(FieldError),
    /// The operating system's random generator failed.
    #[error("no randomness for the order id")]
    Random(#[source] getrandom::Error),
}

impl PlaceError {
    /// A message for the buyer, Korean with English beside it.
    pub fn friendly(&self) -> String {
        match self {
            PlaceError::BlankName => {
                "구매자 이름을 입력해 주세요. (Please enter the buyer's name.)".to_owned()
            }
            PlaceError::Name(FieldError {
                kind: FieldErrorKind::TooLong { .. },
                ..
            }) => "구매자 이름이 너무 깁니다: 30바이트 (한글 15자)까지 (The buyer name is too long: up to 30 bytes, 15 Korean letters).".to_owned(),
            PlaceError::Name(e) => format!(
                "구매자 이름에 쓸 수 없는 문자가 있습니다. (The buyer name has a character INICIS does not accept.) {e}"
            ),
            PlaceError::Random(_) => {
                "잠시 후 다시 시도해 주세요. (Please try again shortly.)".to_owned()
            }
        }
    }
}

/// Validates a buyer name as checkout will: trimmed, not blank, and within
/// `P_UNAME`'s 30 EUC-KR bytes and characters, so no order exists that
/// checkout would then refuse.
///
/// ```
/// use inipay_examples::shop::orders::{PlaceError, buyer_name};
/// assert_eq!(buyer_name("  홍길동 ").unwrap().as_str(), "홍길동");
/// assert!(matches!(buyer_name("   "), Err(PlaceError::BlankName)));
/// assert!(buyer_name(&"가".repeat(15)).is_ok());
/// assert!(matches!(buyer_name(&"가".repeat(16)), Err(PlaceError::Name(_))));
/// ```
pub fn buyer_name(raw: &str) -> Result<BuyerName, PlaceError> {
    let name = raw.trim();
    if name.is_empty() {
        return Err(PlaceError::BlankName);
    }
    BuyerName::new(name).map_err(PlaceError::Name)
}

/// An order for one product.
#[derive(Debug, Clone)]
pub struct ShopOrder {
    /// `P_OID`: `DEMO-` and 32 random hex digits (unguessable).
    pub id: String,
    /// The secret of the buyer's link.
    pub secret: OrderSecret,
    /// What is bought.
    pub product: &'static Product,
    /// The buyer's name (validated for `P_UNAME`).
    pub buyer: BuyerName,
    /// When the order was placed.
    pub created: Timestamp,
}

impl Order for ShopOrder {
    const METHODS: &'static [Method] = &[
        Method::Card,
        Method::Bank,
        Method::Vbank,
        Method::Mobile(HppMethod::Physical),
        Method::Culture,
        Method::HappyMoney,
        Method::SmartCulture,
    ];

    fn order_id(&self) -> &str {
        &self.id
    }

    fn amount(&self) -> Amount {
        self.product.price
    }

    fn payment_request(&self, ctx: &CheckoutContext) -> Result<PaymentRequest, FieldError> {
        let mut b = ctx
            .builder(self)
            .goods(self.product.name_ko)
            .buyer_name(self.buyer.as_str())
            .merchant_name("inipay 데모샵");
        if ctx.method == Method::Vbank
            && let Some(today) = &ctx.today_kst
        {
            let date = self.created.plus_secs(VBANK_DAYS * 86_400).kst_date();
            b = b.vbank_deadline(VbankDeadline { date, time: None }, today.clone());
        }
        b.build()
    }
}

/// Every order placed since the shop started.
#[derive(Debug, Default)]
pub struct OrderBook {
    orders: Mutex<HashMap<String, ShopOrder>>,
}

impl OrderBook {
    fn lock(&self) -> MutexGuard<'_, HashMap<String, ShopOrder>> {
        self.orders.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// Places an order after validating the buyer name ([`buyer_name`]).
    /// Its id is random (128 bits), so it is unique across restarts of the
    /// shop (the ledger file outlives the in-memory book) and cannot be
    /// guessed from another order's; its secret is random too.
    pub fn place(
        &self,
        product: &'static Product,
        buyer: &str,
        now: Timestamp,
    ) -> Result<ShopOrder, PlaceError> {
        let buyer = buyer_name(buyer)?;
        let order = ShopOrder {
            id: format!("DEMO-{}", random_hex::<ID_BYTES>()?),
            secret: OrderSecret(random_hex::<SECRET_BYTES>()?),
            product,
            buyer,
            created: now,
        };
        self.lock().insert(order.id.clone(), order.clone());
        Ok(order)
    }

    /// The order, when `key` is its secret (constant-time comparison).
    pub fn owned(&self, id: &str, key: &str) -> Option<ShopOrder> {
        self.get(id).filter(|o| o.secret.matches(key))
    }

    /// An order by id.
    pub fn get(&self, id: &str) -> Option<ShopOrder> {
        self.lock().get(id).cloned()
    }
}

impl OrderLookup for OrderBook {
    type Order = ShopOrder;

    fn find<'a>(&'a self, order_id: &'a str) -> BoxFuture<'a, Option<ShopOrder>> {
        let found = self.get(order_id);
        Box::pin(async move { found })
    }
}

/// What the shop learns from payment events: the virtual accounts to show
/// the buyer. Logging is by order id only, never account numbers.
#[derive(Debug, Default)]
pub struct ShopEvents {
    accounts: Mutex<HashMap<String, VbankAccount>>,
}

impl ShopEvents {
    /// The virtual account issued for an order.
    pub fn account(&self, order_id: &str) -> Option<VbankAccount> {
        self.accounts
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .get(order_id)
            .cloned()
    }
}

impl EventHandler for ShopEvents {
    fn handle<'a>(
        &'a self,
        delivery: &'a Delivery,
    ) -> Pin<Box<dyn Future<Output = Result<(), HandlerError>> + Send + 'a>> {
        match &delivery.event {
            FlowEvent::Paid {
                order_id, amount, ..
            } => tracing::info!(%order_id, amount = amount.get(), "paid: ship the goods"),
            FlowEvent::VbankIssued {
                order_id, account, ..
            } => {
                tracing::info!(%order_id, "virtual account issued");
                self.accounts
                    .lock()
                    .unwrap_or_else(|p| p.into_inner())
                    .insert(order_id.as_str().to_owned(), (**account).clone());
            }
            FlowEvent::Deposited {
                order_id, amount, ..
            } => {
                tracing::info!(%order_id, amount = amount.get(), "deposit arrived: ship the goods")
            }
            FlowEvent::Alert { order_id, reason } => {
                tracing::warn!(order_id = ?order_id.as_ref().map(|o| o.as_str()), reason, "payment alert")
            }
            other => {
                tracing::info!(order_id = ?other.order_id().map(|o| o.as_str()), "payment event")
            }
        }
        Box::pin(async { Ok(()) })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::shop::catalog::PRODUCTS;

    #[test]
    fn secrets_match_only_themselves_and_never_print() {
        let book = OrderBook::default();
        let a = book
            .place(&PRODUCTS[0], "홍길동", Timestamp::from_unix_millis(0))
            .unwrap();
        assert!(a.secret.matches(a.secret.as_str()));
        assert!(!a.secret.matches(""));
        assert!(!a.secret.matches(&a.secret.as_str()[1..]));
        assert!(book.owned(&a.id, a.secret.as_str()).is_some());
        assert!(book.owned(&a.id, &"0".repeat(64)).is_none());
        let d = format!("{a:?}");
        assert!(!d.contains(a.secret.as_str()) && !d.contains("길동"), "{d}");
    }
}
