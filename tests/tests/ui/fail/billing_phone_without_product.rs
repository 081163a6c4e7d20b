use inipay_core::BillingOrder;

#[derive(BillingOrder)]
#[inipay(billing = phone, goods = "월 구독")]
struct Plan {
    order_id: String,
    amount: u64,
    buyer_name: String,
}

fn main() {}
