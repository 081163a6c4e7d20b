//! The protocol work of one request, each beside the bare primitive it is
//! built on (issue 12: "signing + rendering <= 3x one SHA-512 of the same
//! form; parsing an approval <= 3x decoding its bytes"):
//!
//! | work | beside |
//! |---|---|
//! | build + sign + render a card request (`PaymentRequest` -> `PaymentForm` -> HTML page) | SHA-512 of the same form's fields |
//! | parse an EUC-KR approval reply (PROTOCOL.md 2.5 capture) | EUC-KR decoding of its bytes |
//! | parse a deposit notification (PROTOCOL.md 2.6 capture) | EUC-KR decoding of its bytes |
//! | decrypt an encrypted billing key (PROTOCOL.md A4) | bare AES-256-CBC of the same 48 bytes |
//!
//! A plain timing harness (no new dependency): each pair is measured in
//! alternating rounds, and the median of the rounds' ns/op is printed with
//! the ratio. Run: `cargo bench -p inipay-core --bench protocol`
//! (`BENCH_ROUNDS`, default 7; `BENCH_ITERS`, default 20000).

use inipay_core::billing::{BillkeyIv, decrypt_field};
use inipay_core::config::{Endpoints, Merchant, test_keys};
use inipay_core::encoding::Charset;
use inipay_core::mobile::{
    ApprovalReply, HtmlOptions, Method, NotiOptions, Notification, PaymentRequest, html,
};
use inipay_core::time::Timestamp;
use inipay_core::types::Amount;
use secrecy::SecretString;
use sha2::{Digest, Sha512};
use std::hint::black_box;
use std::time::Instant;

fn env(name: &str, default: u64) -> u64 {
    std::env::var(name)
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(default)
}

/// ns per call of `f`, over `iters` calls.
fn per_op(iters: u64, mut f: impl FnMut()) -> f64 {
    let t = Instant::now();
    for _ in 0..iters {
        f();
    }
    t.elapsed().as_nanos() as f64 / iters as f64
}

fn median(mut v: Vec<f64>) -> f64 {
    v.sort_by(f64::total_cmp);
    v[v.len() / 2]
}

/// Measures `work` and `bare` in alternating rounds; prints both medians
/// and their ratio.
fn pair(name: &str, rounds: u64, iters: u64, mut work: impl FnMut(), mut bare: impl FnMut()) {
    per_op(iters / 10 + 1, &mut work);
    per_op(iters / 10 + 1, &mut bare);
    let (mut w, mut b) = (Vec::new(), Vec::new());
    for _ in 0..rounds {
        w.push(per_op(iters, &mut work));
        b.push(per_op(iters, &mut bare));
    }
    let (w, b) = (median(w), median(b));
    println!("{name}: {w:.0} ns/op vs bare {b:.0} ns/op: {:.2}x", w / b);
}

fn main() {
    let rounds = env("BENCH_ROUNDS", 7);
    let iters = env("BENCH_ITERS", 20_000);
    let merchant = Merchant::test(
        "INIpayTest",
        test_keys::inipay_test(),
        Endpoints::sandbox("http://127.0.0.1:8081").expect("sandbox endpoints"),
    )
    .expect("test merchant");
    let now = Timestamp::from_unix_millis(1_704_078_000_000);
    let options = HtmlOptions::default();

    // 1. Build + sign + render vs SHA-512 of the signed form's fields.
    let build = || {
        PaymentRequest::builder(Method::Card, "ORD20240101120000001", Amount::won(1_000))
            .goods("테스트상품")
            .buyer_name("홍길동")
            .next_url("https://shop.example.com/inicis/next?oid=ORD20240101120000001")
            .noti_url("https://shop.example.com/inicis/noti")
            .build()
            .expect("request")
    };
    let form = build().sign(&merchant, now).expect("signed");
    let form_bytes: Vec<u8> = form
        .fields()
        .iter()
        .flat_map(|(k, v)| [k.as_bytes(), b"=", v.as_bytes(), b"&"].concat())
        .collect();
    pair(
        "build + sign + render a card request",
        rounds,
        iters,
        || {
            let form = build().sign(&merchant, black_box(now)).expect("signed");
            black_box(html::page(&form, &options));
        },
        || {
            black_box(Sha512::digest(black_box(&form_bytes)));
        },
    );

    // 2. Parse an EUC-KR approval reply vs decoding its bytes.
    let approval = &include_bytes!("../../fuzz/corpus/approval_reply/isp_card_euckr")[1..];
    pair(
        "parse an EUC-KR approval reply (ISP card)",
        rounds,
        iters,
        || {
            black_box(ApprovalReply::parse(black_box(approval), Charset::EucKr).expect("parses"));
        },
        || {
            black_box(Charset::EucKr.decode(black_box(approval)).expect("decodes"));
        },
    );

    // 3. Parse a deposit notification vs decoding its bytes.
    let noti = &include_bytes!("../../fuzz/corpus/notification/vbank_deposit_euckr")[1..];
    let noti_options = NotiOptions::default();
    pair(
        "parse a deposit notification",
        rounds,
        iters,
        || {
            black_box(Notification::parse(black_box(noti), &noti_options).expect("parses"));
        },
        || {
            black_box(Charset::EucKr.decode(black_box(noti)).expect("decodes"));
        },
    );

    // 4. Decrypt a billing key (PROTOCOL.md A4, zero IV) vs bare AES-CBC.
    let wire = "V6LdAjEUr5zcaqNlP2a+/JV3h2QV4mzh2CiqJFV8fvYAiPgFQ5DxtsrHMCXWWRJX";
    let key = SecretString::from(test_keys::INIBILLTST_INILITE_KEY.to_owned());
    let raw = base64_decode(wire);
    let key_bytes: [u8; 32] = test_keys::INIBILLTST_INILITE_KEY
        .as_bytes()
        .try_into()
        .expect("32 bytes");
    pair(
        "decrypt an encrypted billing key",
        rounds,
        iters,
        || {
            black_box(
                decrypt_field("billkey", black_box(wire), &key, BillkeyIv::Zero).expect("decrypts"),
            );
        },
        || {
            use aes::cipher::{BlockModeDecrypt, KeyIvInit};
            let mut buf = raw.clone();
            let dec = cbc::Decryptor::<aes::Aes256>::new(&key_bytes.into(), &[0u8; 16].into());
            black_box(
                dec.decrypt_padded::<aes::cipher::block_padding::Pkcs7>(&mut buf)
                    .expect("decrypts")
                    .len(),
            );
        },
    );
}

fn base64_decode(s: &str) -> Vec<u8> {
    use base64::Engine as _;
    base64::engine::general_purpose::STANDARD
        .decode(s)
        .expect("base64")
}
