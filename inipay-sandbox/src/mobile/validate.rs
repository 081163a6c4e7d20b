//! Validation of the mobile payment form like INICIS's window does it
//! (PROTOCOL.md 2.2, 2.9, 7.3), from the raw EUC-KR body.
//!
//! ```
//! use inipay_sandbox::mobile::validate::{validate, WindowErrorKind};
//! use inipay_sandbox::{SandboxConfig, state::Method};
//! let cfg = SandboxConfig::default();
//! let err = validate(b"P_INI_PAYMENT=CARD&P_MID=INIpayTest&P_OID=o1", None, &cfg).unwrap_err();
//! assert_eq!(err.kind, WindowErrorKind::AmountMissing);
//! assert_eq!(err.code(), Some("MX1003"));
//! ```

use crate::config::SandboxConfig;
use crate::state::{Method, PaymentRequest};
use crate::wire::{self, Charset, Form};

/// What is wrong with a payment form.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum WindowErrorKind {
    /// Body is not a valid EUC-KR form.
    BadEncoding,
    /// `P_MID` missing or not configured.
    UnknownMid,
    /// `P_INI_PAYMENT` missing or not a known/contracted method.
    UnknownMethod,
    /// `P_AMT` missing (MX1003).
    AmountMissing,
    /// Letters in a numeric field (MX3001).
    NotNumeric,
    /// `P_HPP_METHOD` not 1/2/4/5 for MOBILE (MX1006).
    BadHppMethod,
    /// A required field is missing.
    Missing,
    /// A field exceeds its size in EUC-KR bytes.
    TooLong,
    /// A forbidden character (`:` `?` `` ` `` `"` `&` newline, Korean in P_OID).
    BadCharacter,
    /// A URL without `http://` or `https://`.
    BadUrl,
    /// VBANK (or a 1trs method) without `P_NOTI_URL`.
    NotiUrlRequired,
    /// `amt_hash=Y` without `P_TIMESTAMP`/`P_CHKFAKE`.
    ChkfakeMissing,
    /// `app_scheme` in `P_RESERVED` is not a URL scheme such as `myapp://`.
    BadAppScheme,
}

/// A window error: the kind and the field concerned.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct WindowError {
    /// Kind.
    pub kind: WindowErrorKind,
    /// Field name.
    pub field: &'static str,
}

impl WindowError {
    fn new(kind: WindowErrorKind, field: &'static str) -> WindowError {
        WindowError { kind, field }
    }

    /// INICIS's code when one is known (PROTOCOL.md 2.9).
    pub fn code(&self) -> Option<&'static str> {
        match self.kind {
            WindowErrorKind::AmountMissing => Some("MX1003"),
            WindowErrorKind::NotNumeric => Some("MX3001"),
            WindowErrorKind::BadHppMethod => Some("MX1006"),
            _ => None,
        }
    }

    /// Stable sandbox name of the kind (shown in the page for tests).
    pub fn kind_name(&self) -> &'static str {
        match self.kind {
            WindowErrorKind::BadEncoding => "bad_encoding",
            WindowErrorKind::UnknownMid => "unknown_mid",
            WindowErrorKind::UnknownMethod => "unknown_method",
            WindowErrorKind::AmountMissing => "amount_missing",
            WindowErrorKind::NotNumeric => "not_numeric",
            WindowErrorKind::BadHppMethod => "bad_hpp_method",
            WindowErrorKind::Missing => "missing",
            WindowErrorKind::TooLong => "too_long",
            WindowErrorKind::BadCharacter => "bad_character",
            WindowErrorKind::BadUrl => "bad_url",
            WindowErrorKind::NotiUrlRequired => "noti_url_required",
            WindowErrorKind::ChkfakeMissing => "chkfake_missing",
            WindowErrorKind::BadAppScheme => "bad_app_scheme",
        }
    }

    /// Korean message with English beside it.
    pub fn message(&self) -> String {
        let f = self.field;
        match self.kind {
            WindowErrorKind::BadEncoding => {
                "요청 데이터의 인코딩이 올바르지 않습니다 (form is not valid EUC-KR)".into()
            }
            WindowErrorKind::UnknownMid => {
                "등록되지 않은 상점아이디입니다 (unknown or uncontracted MID)".into()
            }
            WindowErrorKind::UnknownMethod => {
                "계약되지 않은 결제수단입니다 (payment method not contracted)".into()
            }
            WindowErrorKind::AmountMissing => "결제금액이 없습니다 (P_AMT missing)".into(),
            WindowErrorKind::NotNumeric => format!("{f} 값에 숫자 이외의 문자가 있습니다 ({f} must be digits only)"),
            WindowErrorKind::BadHppMethod => {
                "휴대폰 결제 상품구분(P_HPP_METHOD)이 올바르지 않습니다 (P_HPP_METHOD must be 1, 2, 4 or 5)".into()
            }
            WindowErrorKind::Missing => format!("필수 항목 {f} 이(가) 없습니다 ({f} is required)"),
            WindowErrorKind::TooLong => format!("{f} 길이가 너무 깁니다 ({f} exceeds its size in EUC-KR bytes)"),
            WindowErrorKind::BadCharacter => format!("{f} 에 사용할 수 없는 문자가 있습니다 ({f} contains a forbidden character)"),
            WindowErrorKind::BadUrl => format!("{f} 는 http:// 또는 https:// 로 시작해야 합니다 ({f} must be an absolute http(s) URL)"),
            WindowErrorKind::NotiUrlRequired => "이 결제수단은 P_NOTI_URL 이 필요합니다 (P_NOTI_URL required for this method)".into(),
            WindowErrorKind::ChkfakeMissing => "amt_hash=Y 에는 P_TIMESTAMP 와 P_CHKFAKE 가 필요합니다 (P_TIMESTAMP and P_CHKFAKE required with amt_hash=Y)".into(),
            WindowErrorKind::BadAppScheme => "app_scheme 은 myapp:// 형식이어야 합니다 (app_scheme must look like myapp://)".into(),
        }
    }
}

fn euc_kr_len(s: &str) -> usize {
    Charset::EucKr.encode(s).len()
}

fn check_len(f: &Form, name: &'static str, max: usize) -> Result<(), WindowError> {
    if euc_kr_len(f.str(name)) > max {
        return Err(WindowError::new(WindowErrorKind::TooLong, name));
    }
    Ok(())
}

fn check_digits(f: &Form, name: &'static str) -> Result<(), WindowError> {
    let v = f.str(name);
    if !v.bytes().all(|b| b.is_ascii_digit()) {
        return Err(WindowError::new(WindowErrorKind::NotNumeric, name));
    }
    Ok(())
}

fn check_url(f: &Form, name: &'static str) -> Result<(), WindowError> {
    let v = f.str(name);
    if v.is_empty() {
        return Ok(());
    }
    let lower = v.to_ascii_lowercase();
    let rest = lower
        .strip_prefix("https://")
        .or_else(|| lower.strip_prefix("http://"));
    match rest {
        Some(r) if !r.is_empty() && r.is_ascii() => Ok(()),
        _ => Err(WindowError::new(WindowErrorKind::BadUrl, name)),
    }
}

/// Whether `v` starts with a URL scheme and `://` (`myapp://`,
/// `kakaotalk://`, `daumapps://open`): letters first, then letters, digits,
/// `+`, `-` or `.` (RFC 3986 scheme syntax).
pub fn is_app_scheme_url(v: &str) -> bool {
    let Some((scheme, _)) = v.split_once("://") else {
        return false;
    };
    let mut cs = scheme.chars();
    cs.next().is_some_and(|c| c.is_ascii_alphabetic())
        && cs.all(|c| c.is_ascii_alphanumeric() || matches!(c, '+' | '-' | '.'))
        && v.is_ascii()
}

/// Characters INICIS forbids in ordinary fields (PROTOCOL.md 2.2).
fn has_forbidden(v: &str) -> bool {
    v.chars()
        .any(|c| matches!(c, ':' | '?' | '`' | '"' | '&' | '\n' | '\r'))
}

/// Splits `P_RESERVED` (`a=Y&b=Z`) into options.
pub fn parse_reserved(v: &str) -> Vec<(String, String)> {
    v.split('&')
        .filter(|s| !s.is_empty())
        .map(|s| match s.split_once('=') {
            Some((k, v)) => (k.to_owned(), v.to_owned()),
            None => (s.to_owned(), String::new()),
        })
        .collect()
}

/// Decodes and validates a payment form. `path_method` is the method of a
/// legacy per-method path (then `P_INI_PAYMENT` is not needed).
///
/// A `P_CHKFAKE` mismatch is not an error here: INICIS sends the browser to
/// `P_NEXT_URL` with `P_STATUS=01` instead, so the request comes back with
/// `chkfake_failed = true`.
pub fn validate(
    body: &[u8],
    path_method: Option<Method>,
    cfg: &SandboxConfig,
) -> Result<PaymentRequest, WindowError> {
    use WindowErrorKind as K;
    let f =
        Form::parse(body, Charset::EucKr).map_err(|_| WindowError::new(K::BadEncoding, "body"))?;

    let mid = f.str("P_MID");
    if mid.is_empty() {
        return Err(WindowError::new(K::Missing, "P_MID"));
    }
    let merchant = cfg
        .merchant(mid)
        .ok_or(WindowError::new(K::UnknownMid, "P_MID"))?;
    let method = match path_method {
        Some(m) => m,
        None => Method::from_ini_payment(f.str("P_INI_PAYMENT"))
            .ok_or(WindowError::new(K::UnknownMethod, "P_INI_PAYMENT"))?,
    };

    // Amount: missing -> MX1003, letters -> MX3001.
    let amt_raw = f.get("P_AMT").unwrap_or("");
    if amt_raw.is_empty() {
        return Err(WindowError::new(K::AmountMissing, "P_AMT"));
    }
    check_digits(&f, "P_AMT")?;
    check_len(&f, "P_AMT", 64)?;
    let amt: u64 = amt_raw
        .parse()
        .map_err(|_| WindowError::new(K::NotNumeric, "P_AMT"))?;
    for n in [
        "P_TAX",
        "P_TAXFREE",
        "P_TIMESTAMP",
        "P_VBANK_DT",
        "P_VBANK_TM",
    ] {
        check_digits(&f, n)?;
    }

    let hpp_method = f.str("P_HPP_METHOD").to_owned();
    if method == Method::Mobile && !matches!(hpp_method.as_str(), "1" | "2" | "4" | "5") {
        return Err(WindowError::new(K::BadHppMethod, "P_HPP_METHOD"));
    }

    for n in ["P_OID", "P_GOODS", "P_UNAME"] {
        if f.str(n).trim().is_empty() {
            return Err(WindowError::new(K::Missing, n));
        }
    }
    let oid = f.str("P_OID");
    if has_forbidden(oid) || !oid.is_ascii() {
        return Err(WindowError::new(K::BadCharacter, "P_OID"));
    }
    for n in ["P_NOTI", "P_GOODS", "P_UNAME"] {
        if has_forbidden(f.str(n)) {
            return Err(WindowError::new(K::BadCharacter, n));
        }
    }
    for (n, max) in [
        ("P_MID", 10),
        ("P_OID", 40),
        ("P_GOODS", 80),
        ("P_UNAME", 30),
        ("P_MNAME", 30),
        ("P_NOTI", 800),
        ("P_MOBILE", 20),
        ("P_EMAIL", 60),
        ("P_TAX", 8),
        ("P_TAXFREE", 8),
        ("P_CHARSET", 6),
        ("P_TIMESTAMP", 20),
        ("P_VBANK_DT", 8),
        ("P_VBANK_TM", 4),
    ] {
        check_len(&f, n, max)?;
    }
    let reserved = parse_reserved(f.str("P_RESERVED"));
    let flag = |k: &str| reserved.iter().any(|(a, b)| a == k && b == "Y");
    let app_scheme = reserved
        .iter()
        .find(|(k, _)| k == "app_scheme")
        .map(|(_, v)| v.as_str());
    if let Some(s) = app_scheme
        && !is_app_scheme_url(s)
    {
        return Err(WindowError::new(K::BadAppScheme, "P_RESERVED"));
    }
    for n in ["P_NEXT_URL", "P_NOTI_URL", "P_RETURN_URL"] {
        // iOS app bank transfer (iosapp=Y with app_scheme): P_RETURN_URL is
        // the app's own scheme, e.g. `myapp://` (PROTOCOL.md 2.2, 2.2.1).
        if n == "P_RETURN_URL"
            && flag("iosapp")
            && app_scheme.is_some()
            && is_app_scheme_url(f.str(n))
        {
            continue;
        }
        check_url(&f, n)?;
    }
    let one_trs_bank = method == Method::Bank && !flag("twotrs_bank");
    if one_trs_bank {
        for n in ["P_NOTI_URL", "P_RETURN_URL"] {
            if f.str(n).is_empty() {
                return Err(WindowError::new(K::NotiUrlRequired, n));
            }
        }
    } else if f.str("P_NEXT_URL").is_empty() {
        return Err(WindowError::new(K::Missing, "P_NEXT_URL"));
    }
    if method == Method::Vbank && f.str("P_NOTI_URL").is_empty() {
        return Err(WindowError::new(K::NotiUrlRequired, "P_NOTI_URL"));
    }

    // P_CHKFAKE (PROTOCOL.md 2.3): checked with amt_hash=Y (or always, by config).
    let mut chkfake_failed = false;
    let sent = f.get("P_CHKFAKE").filter(|s| !s.is_empty());
    if flag("amt_hash") || (cfg.chkfake_always && sent.is_some()) {
        let ts = f.str("P_TIMESTAMP");
        let Some(sent) = sent else {
            return Err(WindowError::new(K::ChkfakeMissing, "P_CHKFAKE"));
        };
        if ts.is_empty() {
            return Err(WindowError::new(K::ChkfakeMissing, "P_TIMESTAMP"));
        }
        chkfake_failed = match &merchant.mobile_hash_key {
            Some(key) => !wire::ct_eq(&wire::chkfake(amt_raw, oid, ts, key), sent),
            None => true,
        };
    }

    let vbank_deadline = match (f.get("P_VBANK_DT"), f.get("P_VBANK_TM")) {
        (Some(d), t) if d.len() == 8 => Some((d.to_owned(), t.unwrap_or("2359").to_owned())),
        _ => None,
    };
    Ok(PaymentRequest {
        method,
        mid: mid.to_owned(),
        oid: oid.to_owned(),
        amt,
        goods: f.str("P_GOODS").to_owned(),
        uname: f.str("P_UNAME").to_owned(),
        mname: f.str("P_MNAME").to_owned(),
        next_url: f.str("P_NEXT_URL").to_owned(),
        noti_url: f.str("P_NOTI_URL").to_owned(),
        return_url: f.str("P_RETURN_URL").to_owned(),
        noti: f.str("P_NOTI").to_owned(),
        charset: Charset::from_p_charset(f.get("P_CHARSET")),
        hpp_method,
        mobile: f.str("P_MOBILE").to_owned(),
        tax: f.get("P_TAX").and_then(|v| v.parse().ok()),
        taxfree: f.str("P_TAXFREE").parse().unwrap_or(0),
        quotabase: f
            .str("P_QUOTABASE")
            .split(':')
            .filter(|s| !s.is_empty())
            .map(str::to_owned)
            .collect(),
        vbank_deadline,
        reserved,
        chkfake_failed,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn base() -> Vec<(&'static str, String)> {
        vec![
            ("P_INI_PAYMENT", "CARD".into()),
            ("P_MID", "INIpayTest".into()),
            ("P_OID", "ORD1".into()),
            ("P_AMT", "1000".into()),
            ("P_GOODS", "테스트상품".into()),
            ("P_UNAME", "홍길동".into()),
            ("P_NEXT_URL", "https://shop.example/next".into()),
        ]
    }

    fn run(fields: &[(&str, String)]) -> Result<PaymentRequest, WindowError> {
        let body =
            Form::from_pairs(fields.iter().map(|(k, v)| (*k, v.as_str()))).encode(Charset::EucKr);
        validate(&body, None, &SandboxConfig::default())
    }

    fn with(k: &'static str, v: &str) -> Vec<(&'static str, String)> {
        let mut b: Vec<_> = base().into_iter().filter(|(n, _)| *n != k).collect();
        b.push((k, v.into()));
        b
    }

    #[test]
    fn accepts_minimal_card() {
        let r = run(&base()).unwrap();
        assert_eq!(r.amt, 1000);
        assert_eq!(r.goods, "테스트상품");
        assert_eq!(r.charset, Charset::EucKr);
    }

    #[test]
    fn oid_size_and_characters() {
        assert_eq!(
            run(&with("P_OID", &"a".repeat(41))).unwrap_err().kind,
            WindowErrorKind::TooLong
        );
        assert!(run(&with("P_OID", &"a".repeat(40))).is_ok());
        assert_eq!(
            run(&with("P_OID", "a:b")).unwrap_err().kind,
            WindowErrorKind::BadCharacter
        );
        assert_eq!(
            run(&with("P_OID", "주문1")).unwrap_err().kind,
            WindowErrorKind::BadCharacter
        );
        // 30 EUC-KR bytes = 15 Hangul syllables.
        assert!(run(&with("P_UNAME", &"가".repeat(15))).is_ok());
        assert_eq!(
            run(&with("P_UNAME", &"가".repeat(16))).unwrap_err().field,
            "P_UNAME"
        );
    }

    #[test]
    fn app_scheme_syntax() {
        for ok in [
            "myapp://",
            "kakaotalk://",
            "daumapps://open",
            "my.app+x-1://x",
        ] {
            assert!(is_app_scheme_url(ok), "{ok}");
        }
        for bad in ["myapp", "://", "1app://", "my app://", "앱://"] {
            assert!(!is_app_scheme_url(bad), "{bad}");
        }
        let mut f = with("P_RESERVED", "app_scheme=myapp");
        assert_eq!(run(&f).unwrap_err().kind, WindowErrorKind::BadAppScheme);
        f = with("P_RESERVED", "app_scheme=myapp://");
        assert!(run(&f).is_ok());
    }

    proptest! {
        #[test]
        fn arbitrary_bodies_never_panic(bytes in proptest::collection::vec(any::<u8>(), 0..300)) {
            let _ = validate(&bytes, None, &SandboxConfig::default());
        }
    }
}
