use inipay_core::Order;

#[derive(Order)]
#[inipay(methods(card))]
struct Shop {
    order_id: String,
    amount: u64,
}

fn main() {}
