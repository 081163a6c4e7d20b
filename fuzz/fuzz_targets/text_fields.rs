//! The validated field types in `types` (and the small wire-value readers
//! next to them): `OrderId::new`, `Text<N>::new` / `narrow`, `check_text`,
//! `BuyerName`, `Phone`, `Email`, `Mid`, `Tid` (with `prefix` /
//! `embedded_mid`), `Amount::parse`, `mask_tail`, `KstDateTime`,
//! `ClientIp::parse`, `BankCode::new`, the `from_wire` code readers,
//! `classify` and the log escapes.
//!
//! Input: byte 0 = which validator (mod 20) and, for `check_text`, the byte
//! limit; the rest = the value (invalid UTF-8 replaced by U+FFFD).
//! Checks: no panic; an accepted `Text<N>` is at most N EUC-KR bytes; the
//! log escapes leave no control character; errors safe for logs.
#![no_main]

use inipay_core::encoding::{Charset, escape_bytes_for_log, escape_for_log, euc_kr_len};
use inipay_core::iniapi::{BankCode, ClientIp, classify};
use inipay_core::mobile::{HppMethod, Idc, KstDateTime, NotiStatus, PayType};
use inipay_core::types::{
    Amount, BuyerName, Email, Mid, OrderId, Phone, Text, Tid, check_text, mask_tail,
};
use inipay_fuzz::{check_error, forbidden_in_logs, split_control, touch_debug};
use libfuzzer_sys::fuzz_target;

fn check<T: std::fmt::Debug, E: std::fmt::Display + std::fmt::Debug>(r: Result<T, E>) {
    match r {
        Ok(v) => touch_debug(&v),
        Err(e) => check_error(&e),
    }
}

fn text<const N: usize>(field: &'static str, s: &str) {
    match Text::<N>::new(field, s) {
        Ok(t) => {
            assert!(
                t.euc_kr_len() <= N,
                "{field}: Text<{N}> holds {} bytes",
                t.euc_kr_len()
            );
            assert_eq!(euc_kr_len(t.as_str()).ok(), Some(t.euc_kr_len()));
            let _ = t.to_string();
            check(t.narrow::<30>("P_UNAME"));
        }
        Err(e) => check_error(&e),
    }
}

fn log_safe(escaped: &str) {
    if let Some(c) = escaped.chars().find(|c| forbidden_in_logs(*c)) {
        panic!("escaped text still carries U+{:04X}", u32::from(c));
    }
}

fuzz_target!(|data: &[u8]| {
    let (control, raw) = split_control(data);
    let s = String::from_utf8_lossy(raw);
    let s = s.as_ref();
    match control % 20 {
        0 => check(OrderId::new(s)),
        1 => text::<80>("P_GOODS", s),
        2 => text::<30>("P_UNAME", s),
        3 => text::<800>("P_NOTI", s),
        4 => check(BuyerName::new(s)),
        5 => check(Phone::new(s).map(|p| p.digits())),
        6 => check(Email::new(s)),
        7 => check(Mid::new(s).map(|m| m.is_published_test_mid())),
        8 => match Tid::new(s) {
            Ok(t) => {
                let _ = (t.prefix(), t.embedded_mid());
            }
            Err(e) => check_error(&e),
        },
        9 => match Amount::parse("P_AMT", s) {
            Ok(a) => {
                let _ = a.digits();
                assert_eq!(a.to_wire(), s, "an accepted amount is its own wire form");
            }
            Err(e) => check_error(&e),
        },
        10 => {
            let keep = raw.first().copied().unwrap_or(0) as usize;
            let masked = mask_tail(s, keep);
            assert_eq!(masked.chars().count(), s.chars().count());
        }
        11 => {
            let _ = KstDateTime::parse(s).map(|t| (t.date().len(), t.time().len()));
            let _ = KstDateTime::parse_yy(s);
            let (date, time) = s.split_at(s.char_indices().nth(8).map_or(s.len(), |(i, _)| i));
            let _ = KstDateTime::from_date_time(date, time);
        }
        12 => check(ClientIp::parse(s).map(|ip| ip.to_string())),
        13 => check(BankCode::new(s)),
        14 => {
            let _ = Charset::from_p_charset(s);
            touch_debug(&NotiStatus::from_wire(s));
            touch_debug(&PayType::from_wire(s));
            touch_debug(&HppMethod::from_code(s));
            let idc = Idc::from_wire(s);
            let _ = (idc.as_str().len(), idc.inicis_host());
        }
        15 => {
            let (code, rest) = s.split_once('|').unwrap_or((s, ""));
            let (message, detail) = rest
                .split_once('|')
                .map_or((rest, None), |(m, d)| (m, Some(d)));
            touch_debug(&classify(code, message, detail));
        }
        16 => {
            log_safe(&escape_for_log(s));
            log_safe(&escape_bytes_for_log(raw));
        }
        17 => check(euc_kr_len(s)),
        18 => check(Charset::EucKr.encode(s).map(|b| b.len())),
        _ => {
            let limit = usize::from(control / 20);
            if let Ok(len) = check_text("P_GOODS", s, limit) {
                assert!(
                    len <= limit,
                    "check_text accepted {len} bytes over limit {limit}"
                );
            }
        }
    }
});
