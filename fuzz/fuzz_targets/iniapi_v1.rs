//! INIAPI v1 JSON replies (PROTOCOL.md 4.2-4.5), one parser per input:
//! `BillingReply`, `RefundReply`, `PartialRefundReply`, `InquiryReply`.
//!
//! Input: byte 0 = options (bits 0-1: which reply: billing, refund, partial
//! refund, inquiry), the rest = the JSON body.
//!
//! v1 and v2 replies share these parsers (PROTOCOL.md 5.2-5.6 assume the v1
//! field sets); this target selects one parser per input and is seeded with
//! the v1 captures, `iniapi_v2` runs every parser on each input and is
//! seeded with the v2 field sets.
#![no_main]

use inipay_core::iniapi::{BillingReply, InquiryReply, PartialRefundReply, RefundReply};
use inipay_core::types::Amount;
use inipay_fuzz::{check_error, split_control, touch_debug};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let (control, body) = split_control(data);
    match control & 3 {
        0 => match BillingReply::parse(body) {
            Ok(r) => touch_debug(&r),
            Err(e) => check_error(&e),
        },
        1 => match RefundReply::parse(body) {
            Ok(r) => {
                touch_debug(&r);
                let _ = r.is_already_cancelled();
            }
            Err(e) => check_error(&e),
        },
        2 => match PartialRefundReply::parse(body) {
            Ok(r) => {
                touch_debug(&r);
                // The remaining amount the request asked for: 500 of the
                // PROTOCOL.md 4.4 vector, and the one the reply names.
                for confirm in [Amount::won(500), r.remaining.unwrap_or(Amount::ZERO)] {
                    if let Err(e) = r.check_remaining(confirm) {
                        check_error(&e);
                    }
                }
            }
            Err(e) => check_error(&e),
        },
        _ => match InquiryReply::parse(body) {
            Ok(r) => touch_debug(&r),
            Err(e) => check_error(&e),
        },
    }
});
