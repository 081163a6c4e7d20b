use inipay_core::merchant;
use inipay_core::spec::MerchantSpec;

static SHOP: MerchantSpec = merchant! {
    mid: "MYSHOP0001",
    mode: production,
    keys: {
        mobile_hash_key: env("SHOP_HASH_KEY"),
        iniapi_key: "s3cr3t-in-source",
    },
};

fn main() {}
