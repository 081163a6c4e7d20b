use inipay_core::Order;
use inipay_core::mobile::VbankDeadline;

#[derive(Order)]
#[inipay(methods(card))]
struct Shop {
    order_id: String,
    amount: u64,
    goods: String,
    buyer_name: String,
    vbank_deadline: Option<VbankDeadline>,
}

fn main() {}
