use inipay_core::merchant;
use inipay_core::spec::MerchantSpec;

static SHOP: MerchantSpec = merchant! {
    mid: "MYSHOP0001",
    mode: production,
    keys: { iniapi_key: env("shop api key") },
};

fn main() {}
