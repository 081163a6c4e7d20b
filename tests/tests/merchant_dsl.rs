//! Run-time behaviour of `merchant!`: it yields the core `Merchant`, and a
//! missing environment variable is a typed error naming it.

use inipay_core::config::{ConfigError, Mode};
use inipay_core::merchant;
use inipay_core::mobile::{HppMethod, Method};
use inipay_core::spec::{KeySlot, MerchantSpec, SpecError};

static SHOP: MerchantSpec = merchant! {
    mid: "MYSHOP0001",
    mode: production,
    keys: {
        mobile_hash_key: env("SHOP_HASH_KEY"),
        iniapi_key: env("SHOP_INIAPI_KEY"),
    },
    methods: [card, phone(content)],
    defaults: { merchant_name: "내 상점", charset: utf8 },
};

fn env(vars: &'static [(&'static str, &'static str)]) -> impl Fn(&str) -> Option<String> {
    move |name| {
        vars.iter()
            .find(|(k, _)| *k == name)
            .map(|(_, v)| (*v).to_owned())
    }
}

#[test]
fn a_missing_variable_is_named() {
    let e = SHOP
        .load_with(env(&[(
            "SHOP_HASH_KEY",
            "0123456789ABCDEF0123456789ABCDEF",
        )]))
        .unwrap_err();
    assert_eq!(
        e,
        SpecError::MissingEnv {
            var: "SHOP_INIAPI_KEY",
            key: KeySlot::IniapiKey
        }
    );
    assert_eq!(
        e.to_string(),
        "environment variable SHOP_INIAPI_KEY (the INIAPI key) is not set"
    );
}

#[test]
fn loads_a_production_merchant() {
    let m = SHOP
        .load_with(env(&[
            ("SHOP_HASH_KEY", "0123456789ABCDEF0123456789ABCDEF"),
            ("SHOP_INIAPI_KEY", "abcdefghijklmnop"),
        ]))
        .unwrap();
    assert_eq!(m.mode(), Mode::Production);
    assert_eq!(m.mid().as_str(), "MYSHOP0001");
    assert!(m.mobile_hash_key().is_ok() && m.iniapi_key().is_ok());
    assert!(m.inilite_key().is_err());
    assert_eq!(
        SHOP.methods(),
        &[Method::Card, Method::Mobile(HppMethod::Content)]
    );
    assert_eq!(SHOP.merchant_name(), Some("내 상점"));
    // A published test key in a variable is still refused at run time.
    let e = SHOP
        .load_with(env(&[
            ("SHOP_HASH_KEY", "3CB8183A4BE283555ACC8363C0360223"),
            ("SHOP_INIAPI_KEY", "abcdefghijklmnop"),
        ]))
        .unwrap_err();
    assert!(matches!(
        e,
        SpecError::Config(ConfigError::TestKeyInProduction("mobile_hash_key"))
    ));
}

#[test]
fn public_test_mid_with_literal_keys() {
    let sandbox = merchant! {
        mid: "INIpayTest",
        mode: test,
        endpoints: sandbox(env("SANDBOX_URL")),
        keys: { mobile_hash_key: "3CB8183A4BE283555ACC8363C0360223" },
    };
    assert_eq!(
        sandbox.load_with(|_| None).unwrap_err(),
        SpecError::MissingSandboxUrl("SANDBOX_URL")
    );
    let m = sandbox
        .load_with(env(&[("SANDBOX_URL", "http://127.0.0.1:8081")]))
        .unwrap();
    assert_eq!(m.mode(), Mode::Test);
    assert_eq!(
        m.endpoints().mobile_payment,
        "http://127.0.0.1:8081/smart/payment/"
    );
}
