use inipay_core::Order;
use inipay_core::types::Text;

#[derive(Order)]
#[inipay(methods(card))]
struct Shop {
    order_id: String,
    amount: u64,
    goods: Text<100>,
    buyer_name: String,
}

fn main() {}
