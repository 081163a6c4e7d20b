//! `mobile::NetCancelReply::parse`: the reply to a net cancel (망취소,
//! PROTOCOL.md 2.8).
//!
//! Input: byte 0 = options (bit 0: reply in UTF-8, else EUC-KR), the rest =
//! the reply body.
#![no_main]

use inipay_core::mobile::NetCancelReply;
use inipay_fuzz::{charset, check_error, split_control, touch_debug};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let (control, body) = split_control(data);
    match NetCancelReply::parse(body, charset(control)) {
        Ok(reply) => {
            touch_debug(&reply);
            let _ = reply.is_cancelled();
            touch_debug(reply.form());
            let _ = reply.to_form().encode(reply.charset);
        }
        Err(e) => {
            check_error(&e);
            let _ = e.field();
        }
    }
});
