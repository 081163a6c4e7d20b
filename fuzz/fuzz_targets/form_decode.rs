//! `encoding::Form::parse` / `parse_with_fallback` (PHP `parse_str` rules,
//! EUC-KR and UTF-8), `percent_decode`, `Charset::decode`.
//!
//! Input: byte 0 = options (bit 0: UTF-8 instead of EUC-KR; bit 1: with the
//! other-charset fallback), the rest = the body.
//! Checks: no panic; errors safe for logs; a decoded form re-encodes in its
//! charset and decodes back to the same pairs.
#![no_main]

use inipay_core::encoding::{Charset, Form, percent_decode};
use inipay_fuzz::{charset, check_error, split_control, touch_debug};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let (control, body) = split_control(data);
    let preferred = charset(control);
    let _ = percent_decode(body);
    if let Err(e) = preferred.decode(body) {
        check_error(&e);
    }
    let parsed: Result<(Form, Charset), _> = if control & 2 == 0 {
        Form::parse(body, preferred).map(|f| (f, preferred))
    } else {
        Form::parse_with_fallback(body, preferred)
    };
    match parsed {
        Ok((form, used)) => {
            touch_debug(&form);
            for (k, _) in form.pairs() {
                let _ = form.get(k);
                let _ = form.get_nonempty(k);
            }
            // Text decoded from `used` is encodable in `used` again, and the
            // encoding reads back as the same pairs.
            let encoded = form
                .encode(used)
                .unwrap_or_else(|e| panic!("decoded form does not re-encode: {e}"));
            let again = Form::parse(&encoded, used)
                .unwrap_or_else(|e| panic!("re-encoded form does not parse: {e}"));
            assert_eq!(again.pairs(), form.pairs(), "form does not round-trip");
        }
        Err(e) => check_error(&e),
    }
});
