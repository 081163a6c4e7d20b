//! INIAPI v2 JSON replies (PROTOCOL.md 5.2-5.6): every reply parser
//! (`BillingReply`, `RefundReply`, `PartialRefundReply`, `InquiryReply`,
//! which v1 and v2 share) on the whole input, as a client that does not yet
//! know which service answered would; seeded with the v2 field sets (the
//! inquiry reply with `vacctInfo`, `partialRefund`, numbers for strings).
//! No control byte: the whole input is the body.
#![no_main]

use inipay_core::iniapi::{BillingReply, InquiryReply, PartialRefundReply, RefundReply};
use inipay_core::types::Amount;
use inipay_fuzz::{check_error, touch_debug};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|body: &[u8]| {
    match BillingReply::parse(body) {
        Ok(r) => touch_debug(&r),
        Err(e) => check_error(&e),
    }
    match RefundReply::parse(body) {
        Ok(r) => {
            touch_debug(&r);
            let _ = r.is_already_cancelled();
        }
        Err(e) => check_error(&e),
    }
    match PartialRefundReply::parse(body) {
        Ok(r) => {
            touch_debug(&r);
            // PROTOCOL.md 5.4: price 700, confirmPrice 300.
            if let Err(e) = r.check_remaining(Amount::won(300)) {
                check_error(&e);
            }
        }
        Err(e) => check_error(&e),
    }
    match InquiryReply::parse(body) {
        Ok(r) => touch_debug(&r),
        Err(e) => check_error(&e),
    }
});
