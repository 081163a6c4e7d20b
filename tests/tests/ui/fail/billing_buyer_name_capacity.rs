use inipay_core::BillingOrder;
use inipay_core::types::Text;

#[derive(BillingOrder)]
#[inipay(billing = card, goods = "월정액")]
struct Plan {
    order_id: String,
    amount: u64,
    buyer_name: Text<40>,
}

fn main() {}
