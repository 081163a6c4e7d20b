//! What every web adapter reads from an HTTP request before the flow sees it:
//! one parameter of a raw query string, and the client address a trusted
//! reverse proxy wrote into a header.
//!
//! These rules live here, once, so that the adapters (Actix, Rocket, ...)
//! only translate their framework's request into these calls and cannot
//! disagree (STYLE.md, "Adapters"). Both are reached by input from anyone on
//! the internet and are fuzzed (`fuzz/fuzz_targets/adapter_request.rs`).
//!
//! ```
//! use inipay_core::request::{forwarded_source, query_param};
//!
//! // The query of P_NEXT_URL may also carry an EUC-KR auth result; only the
//! // parameter asked for is decoded.
//! assert_eq!(query_param("oid=A%2D1&P_RMESG1=%C1%A4", "oid").as_deref(), Some("A-1"));
//!
//! // Only the last hop counts: the one the trusted proxy appended.
//! let lines: [&[u8]; 1] = [b"203.0.113.9, 39.115.212.9"];
//! assert_eq!(forwarded_source(lines), Some("39.115.212.9".parse()?));
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```

use std::net::{IpAddr, SocketAddr};

/// The first value of `name` in the raw (still percent-encoded) query string
/// `query`, percent-decoded (`+` is a space), when the value is well formed
/// and valid UTF-8.
///
/// A malformed escape (`%Z1`, a `%` near the end) or a value that is not
/// UTF-8 gives `None`, never a guess: the other parameters of the same query
/// may be EUC-KR (PROTOCOL.md 2.4, `nextUrl=GET`), so nothing but `name` is
/// decoded. A parameter without `=` has the empty value.
///
/// ```
/// use inipay_core::request::query_param;
/// assert_eq!(query_param("oid=1&oid=2", "oid").as_deref(), Some("1"));
/// assert_eq!(query_param("oid", "oid").as_deref(), Some(""));
/// assert_eq!(query_param("oid=%ZZ", "oid"), None);
/// assert_eq!(query_param("oid=%C1%A4", "oid"), None); // EUC-KR, not UTF-8
/// assert_eq!(query_param("xoid=1", "oid"), None);
/// ```
pub fn query_param(query: &str, name: &str) -> Option<String> {
    let value = query.split('&').find_map(|pair| {
        let (k, v) = pair.split_once('=').unwrap_or((pair, ""));
        (k == name).then_some(v)
    })?;
    String::from_utf8(strict_percent_decode(value.as_bytes())?).ok()
}

/// `+` is a space, `%XX` a byte; `None` for a malformed escape.
fn strict_percent_decode(bytes: &[u8]) -> Option<Vec<u8>> {
    let mut out = Vec::with_capacity(bytes.len());
    let mut rest = bytes;
    while let Some((&b, tail)) = rest.split_first() {
        match b {
            b'+' => {
                out.push(b' ');
                rest = tail;
            }
            b'%' => {
                let [hi, lo, after @ ..] = tail else {
                    return None;
                };
                out.push((hex(*hi)? << 4) | hex(*lo)?);
                rest = after;
            }
            other => {
                out.push(other);
                rest = tail;
            }
        }
    }
    Some(out)
}

fn hex(b: u8) -> Option<u8> {
    match b {
        b'0'..=b'9' => Some(b - b'0'),
        b'a'..=b'f' => Some(b - b'a' + 10),
        b'A'..=b'F' => Some(b - b'A' + 10),
        _ => None,
    }
}

/// The client address according to a header a trusted reverse proxy sets
/// (`X-Forwarded-For`, `X-Real-IP`, ...), given every line of that header in
/// the order received.
///
/// Only the last entry of the last line counts: that is the one the trusted
/// proxy itself wrote; everything before it may come from the client. The
/// entry is an address (`1.2.3.4`, `::1`) or a socket address
/// (`1.2.3.4:5678`, `[::1]:80`). Fails closed: no line, a last line that is
/// not visible ASCII text, or a last entry that is not an address gives
/// `None` (an earlier line is never used instead).
///
/// ```
/// use inipay_core::request::forwarded_source;
/// let lines: [&[u8]; 2] = [b"1.1.1.1", b"2.2.2.2, [::1]:8080"];
/// assert_eq!(forwarded_source(lines), Some("::1".parse()?));
/// let spoofed: [&[u8]; 2] = [b"1.1.1.1", b"unknown"];
/// assert_eq!(forwarded_source(spoofed), None);
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
pub fn forwarded_source<'a>(lines: impl IntoIterator<Item = &'a [u8]>) -> Option<IpAddr> {
    let last_line = lines.into_iter().last()?;
    if !last_line
        .iter()
        .all(|b| (0x20..0x7f).contains(b) || *b == b'\t')
    {
        return None;
    }
    let last_line = std::str::from_utf8(last_line).ok()?;
    let entry = last_line.rsplit(',').next()?.trim();
    entry
        .parse::<IpAddr>()
        .ok()
        .or_else(|| entry.parse::<SocketAddr>().ok().map(|a| a.ip()))
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn pct(s: &str) -> String {
        s.bytes().map(|b| format!("%{b:02X}")).collect()
    }

    proptest! {
        #[test]
        fn any_query_never_panics(q in ".*", name in "[a-z]{1,4}") {
            let _ = query_param(&q, &name);
        }

        #[test]
        fn any_text_round_trips_among_other_fields(
            v in "\\PC{0,40}",
            before in "[A-Z_]{1,8}=[^&]{0,10}",
            after in "[A-Z_]{1,8}=[^&]{0,10}",
        ) {
            let q = format!("{before}&oid={}&{after}", pct(&v));
            prop_assert_eq!(query_param(&q, "oid"), Some(v));
        }

        #[test]
        fn any_header_lines_never_panic(lines in proptest::collection::vec(proptest::collection::vec(any::<u8>(), 0..40), 0..4)) {
            let _ = forwarded_source(lines.iter().map(Vec::as_slice));
        }

        #[test]
        fn the_last_hop_wins(first in any::<IpAddr>(), last in any::<IpAddr>(), port in any::<u16>()) {
            let line = format!("{first}, {last}");
            prop_assert_eq!(forwarded_source([line.as_bytes()]), Some(last));
            let with_port = format!("{first}, {}", SocketAddr::new(last, port));
            prop_assert_eq!(forwarded_source([with_port.as_bytes()]), Some(last));
        }
    }

    #[test]
    fn query_params() {
        assert_eq!(
            query_param("P_RMESG1=%C1%A4&oid=B%2E2", "oid").as_deref(),
            Some("B.2")
        );
        assert_eq!(query_param("oid=a+b", "oid").as_deref(), Some("a b"));
        assert_eq!(query_param("", "oid"), None);
        assert_eq!(query_param("oid=%4", "oid"), None);
        assert_eq!(query_param("oid=%", "oid"), None);
        assert_eq!(query_param("oid=%41", "oid").as_deref(), Some("A"));
    }

    #[test]
    fn forwarded_sources() {
        let one = |s: &'static str| forwarded_source([s.as_bytes()]);
        assert_eq!(one("1.1.1.1:8080"), "1.1.1.1".parse().ok());
        assert_eq!(one("[::1]:8080"), "::1".parse().ok());
        assert_eq!(one("::1"), "::1".parse().ok());
        assert_eq!(one(" 10.0.0.1 , 1.2.3.4 "), "1.2.3.4".parse().ok());
        assert_eq!(one("1.1.1.1, "), None);
        assert_eq!(one("[::1]garbage"), None);
        assert_eq!(one("[::1]"), None);
        assert_eq!(one("1.1.1.1:notaport"), None);
        assert_eq!(one("unknown"), None);
        assert_eq!(forwarded_source(Vec::<&[u8]>::new()), None);
        // A last line that is not text never falls back to an earlier one
        // (which the client may have written).
        let lines: [&[u8]; 2] = [b"39.115.212.9", b"1.2.3.4\xff"];
        assert_eq!(forwarded_source(lines), None);
    }
}
