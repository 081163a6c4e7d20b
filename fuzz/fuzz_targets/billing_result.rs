//! `billing::BillingKeyResult::parse`: what inilite posts to `returnurl`
//! after billing-key issuance (PROTOCOL.md 3.4), its `verify` against the
//! form we sent, and the encrypted `billkey` / `data1` decryption
//! (`Issued::billkey`, `card_password_prefix`, `decrypt_field`, 3.5).
//!
//! Input: byte 0 = options (bit 0: body in UTF-8, else EUC-KR; bit 1: IV =
//! key prefix, else zero IV; bit 2: the form asked for an encrypted billkey
//! (`flg_crypto=Y`); bit 3: also decrypt the whole body as a wire value),
//! the rest = the body.
#![no_main]

use inipay_core::billing::{
    BillingKeyForm, BillingKeyRequest, BillingKeyResult, BillkeyIv, decrypt_field,
};
use inipay_core::time::Timestamp;
use inipay_core::types::Amount;
use inipay_fuzz::{charset, check_error, ini_bill_tst, split_control, touch_debug};
use libfuzzer_sys::fuzz_target;
use secrecy::SecretString;
use std::sync::OnceLock;

/// The form of PROTOCOL.md 3.7 (order `ORDERID1234`), plain or encrypted.
fn form(encrypted: bool) -> &'static BillingKeyForm {
    static PLAIN: OnceLock<BillingKeyForm> = OnceLock::new();
    static ENCRYPTED: OnceLock<BillingKeyForm> = OnceLock::new();
    let cell = if encrypted { &ENCRYPTED } else { &PLAIN };
    cell.get_or_init(|| {
        BillingKeyRequest::card("ORDERID1234", Amount::won(1000))
            .goods("월정액")
            .buyer_name("홍길동")
            .return_url("https://shop.example.com/bill/return")
            .encrypted(encrypted)
            .build()
            .expect("billing request")
            .sign(
                ini_bill_tst(),
                Timestamp::from_unix_millis(1_375_949_979_000),
            )
            .expect("signed billing form")
    })
}

fn inilite_key() -> &'static SecretString {
    static K: OnceLock<SecretString> = OnceLock::new();
    K.get_or_init(|| {
        SecretString::from(inipay_core::config::test_keys::INIBILLTST_INILITE_KEY.to_owned())
    })
}

fuzz_target!(|data: &[u8]| {
    let (control, body) = split_control(data);
    let iv = if control & 2 == 0 {
        BillkeyIv::Zero
    } else {
        BillkeyIv::KeyPrefix
    };
    let form = form(control & 4 != 0);
    if control & 8 != 0 {
        let wire = String::from_utf8_lossy(body);
        if let Err(e) = decrypt_field("billkey", &wire, inilite_key(), iv) {
            check_error(&e);
        }
    }
    let result = match BillingKeyResult::parse(body, charset(control)) {
        Ok(r) => r,
        Err(e) => {
            check_error(&e);
            return;
        }
    };
    touch_debug(&result);
    touch_debug(result.result());
    if let Err(e) = result.verify(form) {
        check_error(&e);
    }
    if let BillingKeyResult::Issued(issued) = &result {
        let merchant = ini_bill_tst();
        if let Err(e) = issued.billkey(merchant, form, iv) {
            check_error(&e);
        }
        if let Err(e) = issued.card_password_prefix(merchant, iv) {
            check_error(&e);
        }
    }
});
