//! Every key of `merchant! { ... }`.

use inipay_core::config::Mode;
use inipay_core::merchant;
use inipay_core::spec::{EndpointSpec, MerchantSpec};

static PRODUCTION: MerchantSpec = merchant! {
    mid: "MYSHOP0001",
    mode: production,
    endpoints: production,
    keys: {
        mobile_hash_key: env("SHOP_HASH_KEY"),
        inilite_key: env("SHOP_INILITE_KEY"),
        iniapi_key: env("SHOP_INIAPI_KEY"),
        iniapi_iv: env("SHOP_INIAPI_IV"),
        sign_key: env("SHOP_SIGN_KEY"),
    },
    methods: [card, bank, vbank, phone(physical), culture, happy_money, smart_culture],
    defaults: { merchant_name: "내 상점", charset: euc_kr },
    crate: "::inipay_core",
};

static SANDBOX_FROM_ENV: MerchantSpec = merchant! {
    mode: test,
    mid: "MYSHOP0001",
    endpoints: sandbox(env("INIPAY_SANDBOX_URL")),
    keys: { mobile_hash_key: env("SHOP_HASH_KEY") },
    methods: [phone(content)],
    defaults: { charset: utf8 },
};

static STAGING: MerchantSpec = merchant! {
    mid: "INIBillTst",
    mode: test,
    endpoints: inicis_staging,
    keys: { inilite_key: "b09LVzhuTGZVaEY1WmJoQnZzdXpRdz09" },
};

fn main() {
    assert_eq!(PRODUCTION.mode(), Mode::Production);
    assert_eq!(PRODUCTION.keys().len(), 5);
    assert_eq!(PRODUCTION.methods().len(), 7);
    assert_eq!(SANDBOX_FROM_ENV.endpoints(), EndpointSpec::SandboxFromEnv("INIPAY_SANDBOX_URL"));
    assert_eq!(STAGING.endpoints(), EndpointSpec::InicisStaging);
}
