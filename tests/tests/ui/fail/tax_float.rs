use inipay_core::Order;

#[derive(Order)]
#[inipay(methods(card))]
struct Shop {
    order_id: String,
    amount: u64,
    goods: String,
    buyer_name: String,
    tax: Option<f32>,
}

fn main() {}
