//! The test shop's orders.
//!
//! | order id | amount | methods | P_NEXT_URL delivery |
//! |---|---|---|---|
//! | `ORD-*` | 1,000 won | card, virtual account, account transfer, phone | POST |
//! | `GET-*` | 1,000 won | card, virtual account | GET (`nextUrl=GET`) |
//! | `ONE-*` | 1,000 won | card, virtual account, account transfer in one transaction (no `twotrs_bank`) | result on `P_NOTI_URL` |
//! | anything else | unknown order | | |

use inipay_core::flow::{BoxFuture, OrderLookup};
use inipay_core::mobile::{HppMethod, Method, PaymentRequest, Reserved};
use inipay_core::order::{CheckoutContext, Order};
use inipay_core::types::{Amount, FieldError};

/// The amount of every order.
pub const AMOUNT: u64 = 1_000;

/// An order of the test shop.
#[derive(Debug, Clone)]
pub struct ShopOrder {
    id: String,
    next_get: bool,
    one_transaction: bool,
}

impl Order for ShopOrder {
    const METHODS: &'static [Method] = &[
        Method::Card,
        Method::Vbank,
        Method::Bank,
        Method::Mobile(HppMethod::Physical),
    ];

    fn order_id(&self) -> &str {
        &self.id
    }

    fn amount(&self) -> Amount {
        Amount::won(AMOUNT)
    }

    fn payment_request(&self, ctx: &CheckoutContext) -> Result<PaymentRequest, FieldError> {
        let mut b = ctx.builder(self).goods("테스트상품").buyer_name("홍길동");
        if self.next_get {
            let mut r = Reserved::recommended();
            r.extra.push(("nextUrl".into(), "GET".into()));
            b = b.reserved(r);
        }
        if self.one_transaction {
            let mut r = Reserved::recommended();
            r.twotrs_bank = false;
            b = b.reserved(r);
        }
        b.build()
    }
}

/// The shop's order table (see the module docs).
#[derive(Debug, Clone, Copy)]
pub struct Shop;

impl OrderLookup for Shop {
    type Order = ShopOrder;

    fn find<'a>(&'a self, order_id: &'a str) -> BoxFuture<'a, Option<ShopOrder>> {
        Box::pin(async move {
            let next_get = order_id.starts_with("GET-");
            let one_transaction = order_id.starts_with("ONE-");
            (order_id.starts_with("ORD-") || next_get || one_transaction).then(|| ShopOrder {
                id: order_id.to_owned(),
                next_get,
                one_transaction,
            })
        })
    }
}
