use inipay_core::Order;

#[derive(Order)]
#[inipay(methods(card), merchant_name = "아주아주아주아주아주긴상점이름입니다")]
struct Shop {
    order_id: String,
    amount: u64,
    goods: String,
    buyer_name: String,
}

fn main() {}
