use inipay_core::BillingOrder;

#[derive(BillingOrder)]
#[inipay(period = "M2")]
struct Plan {
    order_id: String,
    amount: u64,
    goods: String,
    buyer_name: String,
}

fn main() {}
