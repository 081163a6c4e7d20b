use inipay_core::Order;

#[derive(Order)]
#[inipay(methods(card))]
struct Shop {
    order_id: String,
    amount: i64,
    goods: String,
    buyer_name: String,
}

fn main() {}
