//! The run-time checks `#[derive(Order)]` / `#[derive(BillingOrder)]` expand
//! to (`inipay_core::__private::payment_request` / `billing_request`, the
//! same code the derived `Order::payment_request` calls), on order values
//! from outside: the text fields a shop copies from a buyer's cart
//! (order id, goods, buyer name, phone, e-mail, merchant data), amounts,
//! virtual-account deadline and offer period; then signing and the
//! auto-submit page of what was accepted.
//!
//! Input: byte 0 = options (bits 0-2: method CARD, BANK, VBANK, MOBILE,
//! CULTURE, HPMN, DGCL, or 7 = a billing-key request; bit 3: the order
//! declares `noti`; bit 4: `amount_hash = false`; bit 5: results in EUC-KR;
//! bit 6: phone billing instead of card / noti URL present; bit 7:
//! encrypted billkey / return URL present), the rest = up to 12 fields
//! separated by 0xFF: order id, goods, buyer name, phone, e-mail, merchant
//! data, amount, tax, vbank date, vbank time, offer period, today (KST).
//! An empty optional field is absent.
#![no_main]

use inipay_core::__private::{
    BillingConfig, BillingValues, OrderConfig, OrderValues, billing_request, payment_request,
};
use inipay_core::billing::{BillingKind, HppProduct, Period};
use inipay_core::encoding::Charset;
use inipay_core::mobile::{HppMethod, HtmlOptions, Method, OfferPeriod, VbankDeadline, html};
use inipay_core::order::CheckoutContext;
use inipay_core::time::Timestamp;
use inipay_core::types::Amount;
use inipay_fuzz::{check_error, fields, ini_bill_tst, inipay_test, split_control, touch_debug};
use libfuzzer_sys::fuzz_target;

const NOW: Timestamp = Timestamp::from_unix_millis(1_704_078_000_000);

fn opt(s: &str) -> Option<&str> {
    (!s.is_empty()).then_some(s)
}

fn amount(s: &str) -> Amount {
    Amount::won(s.trim().parse().unwrap_or(1000))
}

fuzz_target!(|data: &[u8]| {
    let (control, rest) = split_control(data);
    let f = fields(rest, 12);
    let methods = Method::all(HppMethod::Physical);
    let which = usize::from(control & 7);
    if which == 7 {
        let kind = if control & 0x40 == 0 {
            BillingKind::Card
        } else {
            BillingKind::Phone(HppProduct::Physical)
        };
        let config = BillingConfig {
            encrypted: control & 0x80 != 0,
            below_1000: control & 0x10 != 0,
            ..BillingConfig::DEFAULT
        };
        let period = match f[10].as_str() {
            "" => None,
            "M2" => Some(Period::Monthly),
            "Y2" => Some(Period::Yearly),
            range => Some(Period::Range(range.to_owned())),
        };
        let values = BillingValues {
            order_id: &f[0],
            price: amount(&f[6]),
            goods: &f[1],
            buyer_name: &f[2],
            buyer_phone: opt(&f[3]),
            buyer_email: opt(&f[4]),
            merchant_data: opt(&f[5]),
            period: period.as_ref(),
        };
        match billing_request(
            kind,
            "https://shop.example.com/bill/return",
            &config,
            values,
        ) {
            Ok(request) => match request.sign(ini_bill_tst(), NOW) {
                Ok(form) => {
                    let _ = html::page(&form, &HtmlOptions::default());
                }
                Err(e) => check_error(&e),
            },
            Err(e) => check_error(&e),
        }
        return;
    }
    let mut ctx = CheckoutContext::new(methods[which], "https://shop.example.com/pay/next");
    if control & 0x40 != 0 {
        ctx = ctx.with_noti_url("https://shop.example.com/pay/noti");
    }
    if control & 0x80 != 0 {
        ctx = ctx.with_return_url("https://shop.example.com/pay/return");
    }
    if let Some(today) = opt(&f[11]) {
        ctx = ctx.with_today_kst(today);
    }
    let config = OrderConfig {
        noti: control & 0x08 != 0,
        amount_hash: (control & 0x10 != 0).then_some(false),
        result_charset: (control & 0x20 != 0).then_some(Charset::EucKr),
        ..OrderConfig::DEFAULT
    };
    let deadline = opt(&f[8]).map(|date| VbankDeadline {
        date: date.to_owned(),
        time: opt(&f[9]).map(str::to_owned),
    });
    let offer = match f[10].as_str() {
        "" => None,
        "M2" => Some(OfferPeriod::Monthly),
        "Y2" => Some(OfferPeriod::Yearly),
        range => Some(OfferPeriod::Range(range.to_owned())),
    };
    let values = OrderValues {
        order_id: &f[0],
        amount: amount(&f[6]),
        goods: &f[1],
        buyer_name: &f[2],
        buyer_phone: opt(&f[3]),
        buyer_email: opt(&f[4]),
        merchant_data: opt(&f[5]),
        tax: opt(&f[7]).map(amount),
        tax_free: None,
        vbank_deadline: deadline.as_ref(),
        offer_period: offer.as_ref(),
    };
    match payment_request(&ctx, &methods, &config, values) {
        Ok(request) => {
            touch_debug(&request);
            let _ = request.is_two_transaction();
            match request.sign(inipay_test(), NOW) {
                Ok(form) => {
                    let _ = form.to_euc_kr_body();
                    let _ = html::page(&form, &HtmlOptions::default());
                }
                Err(e) => check_error(&e),
            }
        }
        Err(e) => check_error(&e),
    }
});
