use inipay_core::Order;
use inipay_core::mobile::Method;
use inipay_core::order::CheckoutContext;
use inipay_core::types::Text;

// With type parameters the capacity check runs when the impl is used.
#[derive(Order)]
#[inipay(methods(card), buyer_name = "홍길동")]
struct Shop<T> {
    order_id: String,
    amount: u64,
    goods: Text<100>,
    #[inipay(skip)]
    tag: T,
}

fn main() {
    let shop = Shop {
        order_id: "O-1".into(),
        amount: 1,
        goods: Text::new("P_GOODS", "g").unwrap(),
        tag: (),
    };
    let _ = shop.payment_request(&CheckoutContext::new(Method::Card, "https://a.example/n"));
    let _ = shop.tag;
}
