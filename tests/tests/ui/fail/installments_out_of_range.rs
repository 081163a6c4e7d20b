use inipay_core::Order;

#[derive(Order)]
#[inipay(methods(card), installments(2, 3, 48))]
struct Shop {
    order_id: String,
    amount: u64,
    goods: String,
    buyer_name: String,
}

fn main() {}
