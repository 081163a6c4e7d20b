use inipay_core::BillingOrder;

#[derive(BillingOrder)]
#[inipay(billing = phone(content), card_use = personal, period_custom = "매월")]
struct Plan {
    order_id: String,
    amount: u64,
    goods: String,
    buyer_name: String,
    buyer_phone: String,
    #[inipay(buyer_email)]
    mail: Option<String>,
}

fn main() {}
