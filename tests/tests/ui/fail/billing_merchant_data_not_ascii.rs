use inipay_core::BillingOrder;

#[derive(BillingOrder)]
#[inipay(billing = card, merchant_data = "첫 구독")]
struct Plan {
    order_id: String,
    amount: u64,
    goods: String,
    buyer_name: String,
}

fn main() {}
