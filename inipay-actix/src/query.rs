//! Reading one ASCII parameter from a raw query string without decoding the
//! rest (INICIS may put an EUC-KR auth result in the same query string).

use inipay_core::encoding::percent_decode;

/// The first value of `name` in the raw query `query`, percent-decoded, when
/// it is valid UTF-8.
pub(crate) fn param(query: &str, name: &str) -> Option<String> {
    query.split('&').find_map(|pair| {
        let (k, v) = pair.split_once('=').unwrap_or((pair, ""));
        (k == name)
            .then(|| String::from_utf8(percent_decode(v.as_bytes())).ok())
            .flatten()
    })
}

#[cfg(test)]
mod tests {
    use super::param;
    use proptest::prelude::*;

    fn pct(s: &str) -> String {
        s.bytes().map(|b| format!("%{b:02X}")).collect()
    }

    proptest! {
        #[test]
        fn never_panics(q in ".*", name in "[a-z]{1,4}") {
            let _ = param(&q, &name);
        }

        #[test]
        fn round_trips_any_text_among_other_fields(
            v in "\\PC{0,40}",
            before in "[A-Z_]{1,8}=[^&]{0,10}",
            after in "[A-Z_]{1,8}=[^&]{0,10}",
        ) {
            let q = format!("{before}&oid={}&{after}", pct(&v));
            prop_assert_eq!(param(&q, "oid"), Some(v));
        }
    }

    #[test]
    fn finds_the_first_value() {
        assert_eq!(param("oid=A-1&P_STATUS=00", "oid").as_deref(), Some("A-1"));
        assert_eq!(
            param("P_RMESG1=%C1%A4&oid=B%2E2", "oid").as_deref(),
            Some("B.2")
        );
        assert_eq!(param("oid=1&oid=2", "oid").as_deref(), Some("1"));
        assert_eq!(param("xoid=1", "oid"), None);
        assert_eq!(param("", "oid"), None);
        assert_eq!(param("oid=%C1%A4", "oid"), None);
        assert_eq!(param("oid", "oid").as_deref(), Some(""));
    }
}
