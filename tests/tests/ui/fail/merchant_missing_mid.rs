use inipay_core::merchant;
use inipay_core::spec::MerchantSpec;

static SHOP: MerchantSpec = merchant! {
    mode: production,
    keys: { mobile_hash_key: env("SHOP_HASH_KEY") },
};

fn main() {}
