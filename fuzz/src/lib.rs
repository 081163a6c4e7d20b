//! Helpers shared by the fuzz targets in `fuzz_targets/`.
//!
//! Every target feeds arbitrary bytes to one inipay-core parser of input from
//! outside. The parsers return typed errors, so the only failures a target
//! reports are panics (index out of bounds, a slice off a char boundary, an
//! overflow with debug assertions on, ...) and, where a target says so, a
//! documented contract that the input broke (error messages safe for logs).

use inipay_core::config::{Endpoints, Merchant, test_keys};
use inipay_core::encoding::Charset;
use std::fmt::{Debug, Display};
use std::sync::OnceLock;

/// The charset chosen by a control byte: bit 0 clear = EUC-KR, set = UTF-8.
pub fn charset(control: u8) -> Charset {
    if control & 1 == 0 {
        Charset::EucKr
    } else {
        Charset::Utf8
    }
}

/// Splits the input into its first byte (options for the parser) and the rest
/// (the body). An empty input is an empty body with options 0.
pub fn split_control(data: &[u8]) -> (u8, &[u8]) {
    match data.split_first() {
        Some((c, rest)) => (*c, rest),
        None => (0, data),
    }
}

/// Whether `c` must never appear in a log line: what
/// `inipay_core::encoding::LogSafe` escapes, the backslash excepted since it
/// is the escape character itself.
pub fn forbidden_in_logs(c: char) -> bool {
    c != '\\' && inipay_core::encoding::needs_log_escape(c)
}

/// Formats a parse error both ways and checks the documented contract that
/// neither carries a control character (PROTOCOL.md 7.7; `mobile::ParseError`,
/// `encoding::MalformedForm`: "Display and Debug never carry a control
/// character or an invalid byte"). Rust `String`s cannot hold invalid bytes,
/// so only the characters are checked.
pub fn check_error<E: Display + Debug>(e: &E) {
    let display = e.to_string();
    if let Some(c) = display.chars().find(|c| forbidden_in_logs(*c)) {
        panic!("error Display carries U+{:04X}: {display:?}", u32::from(c));
    }
    let debug = format!("{e:?}");
    if let Some(c) = debug.chars().find(|c| forbidden_in_logs(*c)) {
        panic!("error Debug carries U+{:04X}: {debug:?}", u32::from(c));
    }
}

/// Formats a parsed value with `Debug` (which redacts personal data) to run
/// that code too; the text is discarded.
pub fn touch_debug<T: Debug>(v: &T) {
    let _ = std::hint::black_box(format!("{v:?}"));
}

/// The `INIpayTest` merchant against a local sandbox (the approval URL
/// allow-list is the sandbox origin plus INICIS's hosts).
pub fn inipay_test() -> &'static Merchant {
    static M: OnceLock<Merchant> = OnceLock::new();
    M.get_or_init(|| {
        let endpoints = Endpoints::sandbox("http://127.0.0.1:8081").expect("sandbox endpoints");
        Merchant::test("INIpayTest", test_keys::inipay_test(), endpoints).expect("test merchant")
    })
}

/// The `INIBillTst` billing merchant against a local sandbox.
pub fn ini_bill_tst() -> &'static Merchant {
    static M: OnceLock<Merchant> = OnceLock::new();
    M.get_or_init(|| {
        let endpoints = Endpoints::sandbox("http://127.0.0.1:8081").expect("sandbox endpoints");
        Merchant::test("INIBillTst", test_keys::ini_bill_tst(), endpoints)
            .expect("billing merchant")
    })
}

/// Splits `data` at every `0xFF` byte (never valid in UTF-8 or EUC-KR text,
/// so a field cannot contain it) into exactly `n` fields, missing ones empty,
/// each read as text with invalid UTF-8 replaced by U+FFFD (which EUC-KR
/// cannot encode: that path is fuzzed too).
pub fn fields(data: &[u8], n: usize) -> Vec<String> {
    let mut out: Vec<String> = data
        .splitn(n, |&b| b == 0xFF)
        .map(|f| String::from_utf8_lossy(f).into_owned())
        .collect();
    out.resize(n, String::new());
    out
}
