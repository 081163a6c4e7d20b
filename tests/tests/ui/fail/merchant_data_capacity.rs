use inipay_core::Order;
use inipay_core::types::Text;

#[derive(Order)]
#[inipay(methods(card))]
struct Shop {
    order_id: String,
    amount: u64,
    goods: String,
    buyer_name: String,
    merchant_data: Option<Text<1000>>,
}

fn main() {}
