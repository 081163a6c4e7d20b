//! How an adapter finds the app's order for a checkout URL.

use super::{Checkout, Flow, FlowError};
use crate::mobile::Method;
use crate::order::Order;
use crate::time::Timestamp;
use crate::types::{FieldError, FieldErrorKind};
use std::future::Future;
use std::pin::Pin;

/// A boxed, `Send` future (what the object-safe traits here return).
pub type BoxFuture<'a, T> = Pin<Box<dyn Future<Output = T> + Send + 'a>>;

/// The app's orders: looks one up by the id in the checkout URL.
///
/// ```
/// use inipay_core::flow::{BoxFuture, OrderLookup};
/// use inipay_core::mobile::{Method, PaymentRequest};
/// use inipay_core::order::{CheckoutContext, Order};
/// use inipay_core::types::{Amount, FieldError};
///
/// struct Cart { id: String }
/// impl Order for Cart {
///     const METHODS: &'static [Method] = &[Method::Card, Method::Vbank];
///     fn order_id(&self) -> &str { &self.id }
///     fn amount(&self) -> Amount { Amount::won(12_000) }
///     fn payment_request(&self, ctx: &CheckoutContext) -> Result<PaymentRequest, FieldError> {
///         ctx.builder(self).goods("책").buyer_name("홍길동").build()
///     }
/// }
///
/// struct Carts;
/// impl OrderLookup for Carts {
///     type Order = Cart;
///     fn find<'a>(&'a self, id: &'a str) -> BoxFuture<'a, Option<Cart>> {
///         Box::pin(async move { (id == "CART-1").then(|| Cart { id: id.to_owned() }) })
///     }
/// }
/// ```
pub trait OrderLookup: Send + Sync {
    /// The app's order type.
    type Order: Order + Send + Sync;

    /// The order with this id, if it exists and may be paid now.
    fn find<'a>(&'a self, order_id: &'a str) -> BoxFuture<'a, Option<Self::Order>>;
}

/// An object-safe checkout over any [`OrderLookup`], so adapters can hold an
/// `Arc<dyn CheckoutSource>`.
pub trait CheckoutSource: Send + Sync {
    /// Finds `order_id` and checks it out with the method named `method`
    /// (`CARD`, `BANK`, `VBANK`, `MOBILE`, `CULTURE`, `HPMN`, `DGCL`, any case)
    /// among the order's allowed methods. `Ok(None)`: no such order.
    fn checkout<'a>(
        &'a self,
        flow: &'a Flow,
        order_id: &'a str,
        method: &'a str,
        now: Timestamp,
    ) -> BoxFuture<'a, Result<Option<Checkout>, FlowError>>;

    /// The method codes an order allows (for a method picker), or `None`.
    fn methods<'a>(&'a self, order_id: &'a str) -> BoxFuture<'a, Option<Vec<Method>>>;
}

/// The allowed method of `O` whose `P_INI_PAYMENT` code is `code`.
pub fn method_for<O: Order + ?Sized>(code: &str) -> Result<Method, FieldError> {
    O::METHODS
        .iter()
        .copied()
        .find(|m| m.code().eq_ignore_ascii_case(code.trim()))
        .ok_or(FieldError::new(
            "P_INI_PAYMENT",
            FieldErrorKind::Format("one of the order's allowed payment methods"),
        ))
}

impl<L: OrderLookup> CheckoutSource for L {
    fn checkout<'a>(
        &'a self,
        flow: &'a Flow,
        order_id: &'a str,
        method: &'a str,
        now: Timestamp,
    ) -> BoxFuture<'a, Result<Option<Checkout>, FlowError>> {
        Box::pin(async move {
            let Some(order) = self.find(order_id).await else {
                return Ok(None);
            };
            let method = method_for::<L::Order>(method)?;
            flow.checkout(&order, method, now).await.map(Some)
        })
    }

    fn methods<'a>(&'a self, order_id: &'a str) -> BoxFuture<'a, Option<Vec<Method>>> {
        Box::pin(async move {
            self.find(order_id)
                .await
                .map(|_| <L::Order as Order>::METHODS.to_vec())
        })
    }
}
