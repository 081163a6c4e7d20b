use inipay_core::BillingOrder;

#[derive(BillingOrder)]
#[inipay(billing = crad)]
struct Plan {
    order_id: String,
    amount: u64,
    goods: String,
    buyer_name: String,
}

fn main() {}
