//! `mobile::ApprovalReply::parse` (PROTOCOL.md 2.5, every method: CARD, BANK,
//! VBANK, MOBILE, gift cards) and `verify` against an order.
//!
//! Input: byte 0 = options (bit 0: reply in UTF-8, else EUC-KR; bit 1:
//! verify against the order the reply itself names, so the success paths
//! of `verify` run, else against a fixed INIpayTest order), the rest = the
//! reply body.
#![no_main]

use inipay_core::mobile::{ApprovalReply, Approved, Expected};
use inipay_core::types::{Amount, Mid, OrderId};
use inipay_fuzz::{charset, check_error, split_control, touch_debug};
use libfuzzer_sys::fuzz_target;

fn fixed_order() -> Expected {
    Expected::new(
        Mid::new("INIpayTest").expect("mid"),
        OrderId::new("6e9143d98da24514").expect("order id"),
        Amount::won(2000),
    )
}

fuzz_target!(|data: &[u8]| {
    let (control, body) = split_control(data);
    let reply = match ApprovalReply::parse(body, charset(control)) {
        Ok(reply) => reply,
        Err(e) => {
            check_error(&e);
            let _ = e.field();
            return;
        }
    };
    touch_debug(&reply);
    let _ = reply.is_success();
    let _ = reply.to_form().encode(reply.charset);
    let mut expected = fixed_order();
    if control & 2 != 0 {
        if let Some(mid) = &reply.mid {
            expected.mid = mid.clone();
        }
        if let Some(oid) = reply.order_id.as_deref().and_then(|o| OrderId::new(o).ok()) {
            expected.order_id = oid;
        }
        if let Some(amount) = reply.amount {
            expected.amount = amount;
        }
    }
    match reply.verify(&expected) {
        Ok(approved) => {
            touch_debug(&approved);
            let _ = approved.tid();
            match &approved {
                Approved::Paid(p) => {
                    let _ = (
                        p.mid(),
                        p.order_id(),
                        p.amount(),
                        p.approved_at(),
                        p.auth_no(),
                    );
                    touch_debug(&p.method());
                }
                Approved::VbankIssued(v) => {
                    let _ = (v.mid(), v.order_id(), v.amount_due(), v.account_number());
                    touch_debug(v.account());
                }
            }
        }
        Err(e) => {
            check_error(&e);
            let _ = e.requires_net_cancel();
        }
    }
});
