//! `mobile::Notification::parse`: what INICIS posts to `P_NOTI_URL`
//! (PROTOCOL.md 2.6: VBANK issuance and deposit, one-transaction results),
//! then `check` against an order.
//!
//! Input: byte 0 = options (bit 0: `NotiOptions::charset` UTF-8, else
//! EUC-KR; bits 1-2: `P_AUTH_DT` format Tolerant / Only14 / Only12 /
//! Tolerant), the rest = the body.
#![no_main]

use inipay_core::mobile::{AuthDtFormat, Expected, NotiOptions, Notification};
use inipay_core::types::{Amount, Mid, OrderId};
use inipay_fuzz::{charset, check_error, split_control, touch_debug};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let (control, body) = split_control(data);
    let auth_dt = match (control >> 1) & 3 {
        1 => AuthDtFormat::Only14,
        2 => AuthDtFormat::Only12,
        _ => AuthDtFormat::Tolerant,
    };
    let options = NotiOptions {
        charset: charset(control),
        auth_dt,
    };
    match Notification::parse(body, &options) {
        Ok(noti) => {
            touch_debug(&noti);
            let key = noti.key();
            let _ = key.to_string();
            let _ = (noti.is_vbank_deposit(), noti.is_vbank_issuance());
            let expected = Expected::new(
                Mid::new("INIpayTest").expect("mid"),
                OrderId::new("INIpayTest_1462328917187").expect("order id"),
                Amount::won(1000),
            );
            if let Err(e) = noti.check(&expected) {
                check_error(&e);
            }
            let _ = noti.to_form().encode(noti.charset);
        }
        Err(e) => {
            check_error(&e);
            let _ = e.field();
        }
    }
});
