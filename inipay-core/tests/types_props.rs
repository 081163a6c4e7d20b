//! Property tests of the validated value types: arbitrary input never panics,
//! and whatever is accepted satisfies the INICIS rule it claims.

use inipay_core::encoding::{Charset, euc_kr_len};
use inipay_core::types::{Amount, Email, Mid, OrderId, Phone, Text, Tid};
use proptest::prelude::*;

proptest! {
    #[test]
    fn order_id_accepts_only_what_inicis_accepts(s in "\\PC{0,60}") {
        if let Ok(oid) = OrderId::new(&s) {
            prop_assert!(oid.as_str().len() <= 40 && !oid.as_str().is_empty());
            prop_assert!(oid.as_str().chars().all(|c| c.is_ascii_alphanumeric() || "-_.".contains(c)));
        }
    }

    #[test]
    fn text_counts_euc_kr_bytes(s in "[가-힣a-z0-9 🙂]{0,60}") {
        match Text::<80>::new("P_GOODS", s.clone()) {
            Ok(t) => {
                prop_assert_eq!(t.euc_kr_len(), euc_kr_len(&s).unwrap());
                prop_assert!(t.euc_kr_len() <= 80);
            }
            Err(e) => {
                prop_assert_eq!(e.field, "P_GOODS");
                prop_assert!(s.contains('🙂') || euc_kr_len(&s).unwrap() > 80);
                // The message never repeats the value.
                let msg = e.to_string();
                prop_assert!(s.len() < 3 || !msg.contains(&s), "{}", msg);
            }
        }
    }

    #[test]
    fn amount_parse_accepts_exactly_digit_strings(s in "[0-9,.+ e-]{0,24}") {
        // PROTOCOL.md 0: digits only, no leading zero ("0" itself is fine).
        let canonical = !s.is_empty()
            && s.bytes().all(|b| b.is_ascii_digit())
            && (s == "0" || !s.starts_with('0'));
        match Amount::parse("P_AMT", &s) {
            Ok(a) => {
                prop_assert!(canonical, "{:?} accepted", s);
                prop_assert_eq!(Some(a.get()), s.parse::<u64>().ok());
                prop_assert_eq!(a.to_wire(), s);
            }
            Err(e) => {
                prop_assert_eq!(e.field, "P_AMT");
                prop_assert!(!canonical || s.parse::<u64>().is_err());
            }
        }
    }

    #[test]
    fn amount_wire_roundtrip(n in any::<u64>()) {
        let a = Amount::won(n);
        prop_assert_eq!(Amount::parse("P_AMT", &a.to_wire()).unwrap(), a);
        prop_assert_eq!(a.to_wire().len(), a.digits());
    }

    #[test]
    fn ids_and_contacts_never_panic(s in "\\PC{0,70}") {
        let _ = Mid::new(&s);
        let _ = Tid::new(&s);
        let _ = Phone::new(&s);
        if let Ok(e) = Email::new(&s) {
            prop_assert!(e.as_str().len() <= 60 && e.as_str().contains('@'));
        }
    }

    #[test]
    fn euc_kr_encode_decode_roundtrip(s in "[가-힣ㄱ-ㅎa-zA-Z0-9 .,()\\[\\]-]{0,40}") {
        let bytes = Charset::EucKr.encode(&s).unwrap();
        prop_assert_eq!(Charset::EucKr.decode(&bytes).unwrap(), s.as_str());
    }
}
