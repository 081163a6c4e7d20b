//! Every field role and struct attribute of `#[derive(Order)]` in one place.

use inipay_core::Order;
use inipay_core::mobile::{Method, OfferPeriod, VbankDeadline};
use inipay_core::types::{Amount, Email, OrderId, Phone, Text};
use std::borrow::Cow;

#[derive(Order)]
#[inipay(
    methods(card, bank, vbank, phone(physical), culture, happy_money, smart_culture),
    noti,
    installments(2, 3, 6, 12, no_lump_sum),
    merchant_name = "내 상점",
    card_option = "selcode=14",
    amount_hash = false,
    charset = "euc-kr",
    reserved(
        twotrs_isp,
        twotrs_bank = true,
        apprun_check = false,
        app_scheme = "myapp://",
        ios_app,
        center_cd = false,
        below_1000,
        vbank_receipt,
        bank_receipt = false,
        card_points,
        escrow,
        ismart_use_sign,
        hpp_corps(skt, kt, lgu),
        hpp_default_corp = kt,
        hpp_nofix,
        extra(merc_noint = "Y", noint_quota = "11-2"),
    ),
    crate = "::inipay_core"
)]
struct Shop {
    #[inipay(order_id, merchant_data)]
    id: OrderId,
    #[inipay(amount)]
    total: Amount,
    #[inipay(goods)]
    product: Text<80>,
    #[inipay(buyer_name)]
    name: Text<30>,
    #[inipay(buyer_phone)]
    phone: Option<Phone>,
    #[inipay(buyer_email)]
    email: Email,
    #[inipay(tax)]
    vat: Option<u32>,
    #[inipay(tax_free)]
    free: u64,
    #[inipay(vbank_deadline)]
    deadline: VbankDeadline,
    #[inipay(offer_period)]
    period: Option<OfferPeriod>,
    #[inipay(skip)]
    amount: f64,
}

/// Phone billing kinds, `hpp_bill`, literal defaults for every literal role.
#[derive(Order)]
#[inipay(
    methods(phone(billing_content)),
    reserved(hpp_bill),
    goods = "월 구독",
    buyer_name = "홍길동",
    merchant_data = "plan-basic",
    offer_period = "M2"
)]
struct PhoneBill {
    order_id: String,
    amount: u16,
}

#[derive(Order)]
#[inipay(methods(phone(billing_physical)), offer_period = "2024010120240131")]
struct PhoneBillPhysical {
    order_id: &'static str,
    amount: u8,
    goods: Box<str>,
    buyer_name: Cow<'static, str>,
}

/// Every struct-level choice at once (no default left to fill in).
#[derive(Order)]
#[inipay(
    methods(card),
    noti,
    offer_period = "M2",
    merchant_name = "상점",
    card_option = "selcode=14",
    amount_hash = true,
    charset = "utf8",
    installments(3),
    reserved(below_1000)
)]
struct AllChoices {
    order_id: String,
    amount: u64,
    goods: String,
    buyer_name: String,
}

/// Lifetimes and type parameters: capacity checks move into the method.
#[derive(Order)]
#[inipay(methods(phone(content)), offer_period = "Y2")]
struct Borrowed<'a, T: Clone> {
    order_id: &'a str,
    amount: u32,
    goods: &'a Text<80>,
    buyer_name: Cow<'a, str>,
    #[inipay(skip)]
    extra: T,
}

fn main() {
    assert_eq!(Shop::METHODS.len(), 7);
    assert_eq!(PhoneBill::METHODS.len(), 1);
    assert_eq!(AllChoices::METHODS, &[Method::Card]);
    assert_eq!(PhoneBillPhysical::METHODS.len(), 1);
    assert!(matches!(Borrowed::<u8>::METHODS, [Method::Mobile(_)]));
}
