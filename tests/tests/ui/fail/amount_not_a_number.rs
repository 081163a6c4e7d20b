use inipay_core::Order;

#[derive(Order)]
#[inipay(methods(card))]
struct Shop {
    order_id: String,
    amount: String,
    goods: String,
    buyer_name: String,
}

fn main() {}
