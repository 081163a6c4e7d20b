use inipay_core::Order;

use inipay_core::mobile::Method;
use inipay_core::order::CheckoutContext;

#[derive(Order)]
#[inipay(methods(card, vbank, phone), goods = "🎁", reserved(app_scheme = "myapp://"))]
struct Shop {
    order_id: String,
    amount: f64,
    #[inipay(buyer_nmae)]
    name: String,
}

fn main() {
    // The fallback impl keeps these uses free of follow-up errors.
    let ctx = CheckoutContext::new(Method::Card, "https://shop.example.com/next");
    let shop = Shop { order_id: String::new(), amount: 1.0, name: String::new() };
    let _ = shop.payment_request(&ctx);
    let _ = Shop::METHODS;
}
