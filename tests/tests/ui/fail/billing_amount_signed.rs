use inipay_core::BillingOrder;

#[derive(BillingOrder)]
#[inipay(billing = card)]
struct Plan {
    order_id: String,
    amount: i32,
    goods: String,
    buyer_name: String,
}

fn main() {}
