use inipay_core::BillingOrder;

#[derive(BillingOrder)]
#[inipay(billing = phone(content), period = "2024010120241231")]
struct Plan {
    order_id: String,
    amount: u64,
    goods: String,
    buyer_name: String,
}

fn main() {}
