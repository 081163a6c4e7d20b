//! `mobile::AuthResult::parse`: what the browser posts to `P_NEXT_URL`
//! (PROTOCOL.md 2.4), then the checks before approval
//! (`approval_request`: P_REQ_URL allow-list, idc_name, P_AMT, TID's MID).
//!
//! Input: byte 0 = options (bit 0: results in UTF-8, else EUC-KR), the rest
//! = the body or query string.
#![no_main]

use inipay_core::mobile::AuthResult;
use inipay_core::types::Amount;
use inipay_fuzz::{charset, check_error, inipay_test, split_control, touch_debug};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let (control, body) = split_control(data);
    match AuthResult::parse(body, charset(control)) {
        Ok(result) => {
            touch_debug(&result);
            touch_debug(result.form());
            if let Some(success) = result.success() {
                let merchant = inipay_test();
                if let Err(e) = success.check_approval_url(merchant) {
                    check_error(&e);
                }
                let expected = success.amount.unwrap_or(Amount::won(2000));
                match success.approval_request(merchant, expected) {
                    Ok(request) => {
                        let _ = (request.url(), request.body(), request.reply_charset());
                    }
                    Err(e) => check_error(&e),
                }
                let _ = success.to_form().encode(charset(control));
            }
        }
        Err(e) => {
            check_error(&e);
            let _ = e.field();
        }
    }
});
