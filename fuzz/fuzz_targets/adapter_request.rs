//! What every web adapter reads from a request before the flow sees it
//! (`inipay_core::request`): a parameter of the raw query string (`oid`,
//! `method`, on `P_NEXT_URL`, `P_NOTI_URL`, `P_RETURN_URL` and checkout) and
//! the client address behind a trusted proxy (`X-Forwarded-For` lines).
//!
//! Input: byte 0 = options (bits 0-1: which parameter name is read: `oid`,
//! `method`, `P_STATUS`, the empty name), the rest = a query string and,
//! after the first `\n`, header lines separated by `\n`.
//! Checks: no panic; a parameter found is exactly its value decoded
//! (re-encoding it and reading it back gives the same text); an address found
//! is the last entry of the last header line, printed back to an address.
#![no_main]

use inipay_core::request::{forwarded_source, query_param};
use inipay_fuzz::split_control;
use libfuzzer_sys::fuzz_target;

fn encode(value: &str) -> String {
    value.bytes().map(|b| format!("%{b:02X}")).collect()
}

fuzz_target!(|data: &[u8]| {
    let (control, rest) = split_control(data);
    let name = ["oid", "method", "P_STATUS", ""][usize::from(control & 3)];
    let mut parts = rest.split(|b| *b == b'\n');
    let query = parts.next().unwrap_or_default();
    let lines: Vec<&[u8]> = parts.collect();

    if let Ok(query) = std::str::from_utf8(query) {
        if let Some(value) = query_param(query, name) {
            let again = format!("{name}={}", encode(&value));
            assert_eq!(
                query_param(&again, name).as_deref(),
                Some(value.as_str()),
                "a decoded parameter does not round-trip"
            );
        }
    }

    if let Some(ip) = forwarded_source(lines.iter().copied()) {
        let last = lines.last().expect("an address comes from a line");
        let text = std::str::from_utf8(last).expect("an address comes from text");
        let entry = text.rsplit(',').next().unwrap_or_default().trim();
        assert!(
            entry.parse::<std::net::IpAddr>() == Ok(ip)
                || entry.parse::<std::net::SocketAddr>().map(|a| a.ip()) == Ok(ip),
            "address {ip} is not the last entry {entry:?}"
        );
    }
});
