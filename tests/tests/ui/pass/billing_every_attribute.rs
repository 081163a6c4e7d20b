//! Every field role and struct attribute of `#[derive(BillingOrder)]`.

use inipay_core::BillingOrder;
use inipay_core::billing::{BillingKind, HppProduct, Period};
use inipay_core::types::{Amount, Text};

#[derive(BillingOrder)]
#[inipay(
    billing = card,
    flg_crypto,
    below_1000 = true,
    card_use = corporate,
    period_custom = "매월 1일",
    size_unit = utf8,
    crate = "::inipay_core"
)]
struct CardPlan {
    #[inipay(order_id)]
    id: String,
    #[inipay(amount)]
    price: Amount,
    #[inipay(goods)]
    plan: Text<40>,
    #[inipay(buyer_name)]
    name: String,
    #[inipay(buyer_phone)]
    tel: Option<String>,
    #[inipay(buyer_email)]
    mail: Option<String>,
    #[inipay(merchant_data)]
    data: String,
    #[inipay(period)]
    every: Period,
    #[inipay(skip)]
    amount: f32,
}

#[derive(BillingOrder)]
#[inipay(
    billing = phone(physical),
    size_unit = euc_kr,
    goods = "월 구독",
    buyer_name = "홍길동",
    merchant_data = "plan-1",
    period = "Y2"
)]
struct PhonePlan {
    order_id: String,
    amount: u64,
}

#[derive(BillingOrder)]
#[inipay(billing = card, goods = "g", buyer_name = "n", period = "2024010120241231")]
struct RangePlan<'a> {
    order_id: &'a str,
    amount: u8,
    #[inipay(skip)]
    period: Option<Period>,
}

fn main() {
    assert_eq!(CardPlan::KIND, BillingKind::Card);
    assert_eq!(PhonePlan::KIND, BillingKind::Phone(HppProduct::Physical));
    assert_eq!(RangePlan::KIND, BillingKind::Card);
}
