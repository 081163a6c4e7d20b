//! Every field role and struct attribute of `#[derive(BillingOrder)]`.

use inipay_core::BillingOrder;
use inipay_core::mobile::OfferPeriod;
use inipay_core::order::BillingKind;
use inipay_core::types::{Amount, Text};

#[derive(BillingOrder)]
#[inipay(billing = card, flg_crypto, below_1000 = true, crate = "::inipay_core")]
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
    every: OfferPeriod,
    #[inipay(skip)]
    amount: f32,
}

#[derive(BillingOrder)]
#[inipay(billing = phone, goods = "월 구독", buyer_name = "홍길동", merchant_data = "x", period = "Y2")]
struct PhonePlan {
    order_id: String,
    amount: u64,
}

fn main() {
    assert_eq!(CardPlan::KIND, BillingKind::Card);
    assert!(CardPlan::ENCRYPTED_BILLKEY && CardPlan::BELOW_1000);
    assert_eq!(PhonePlan::KIND, BillingKind::Phone);
    assert!(!PhonePlan::ENCRYPTED_BILLKEY && !PhonePlan::BELOW_1000);
}
