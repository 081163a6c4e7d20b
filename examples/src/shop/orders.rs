//! The shop's orders (kept in memory) and what it remembers from payment
//! events. The order type implements [`Order`] by hand.

use super::catalog::Product;
use inipay_core::flow::{BoxFuture, EventHandler, FlowEvent, HandlerError, OrderLookup};
use inipay_core::mobile::{HppMethod, Method, PaymentRequest, VbankAccount, VbankDeadline};
use inipay_core::order::{CheckoutContext, Order};
use inipay_core::time::Timestamp;
use inipay_core::types::{Amount, BuyerName, FieldError};
use std::collections::HashMap;
use std::future::Future;
use std::pin::Pin;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Mutex, MutexGuard};

/// Days a virtual account stays open.
const VBANK_DAYS: u64 = 3;

/// An order for one product.
#[derive(Debug, Clone)]
pub struct ShopOrder {
    /// `P_OID`.
    pub id: String,
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
    seq: AtomicU64,
}

impl OrderBook {
    fn lock(&self) -> MutexGuard<'_, HashMap<String, ShopOrder>> {
        self.orders.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// Places an order; the id is unique across restarts of the shop (the
    /// ledger file outlives the in-memory book).
    pub fn place(
        &self,
        product: &'static Product,
        buyer: &str,
        now: Timestamp,
    ) -> Result<ShopOrder, FieldError> {
        let buyer = BuyerName::new(buyer.trim())?;
        let n = self.seq.fetch_add(1, Ordering::Relaxed) % 10_000;
        let order = ShopOrder {
            id: format!("DEMO-{}-{n:04}", now.millis_string()),
            product,
            buyer,
            created: now,
        };
        self.lock().insert(order.id.clone(), order.clone());
        Ok(order)
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
        event: &'a FlowEvent,
    ) -> Pin<Box<dyn Future<Output = Result<(), HandlerError>> + Send + 'a>> {
        match event {
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
