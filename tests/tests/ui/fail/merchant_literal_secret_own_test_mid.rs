use inipay_core::merchant;
use inipay_core::spec::MerchantSpec;

static SHOP: MerchantSpec = merchant! {
    mid: "MYSHOP0001",
    mode: test,
    endpoints: sandbox("http://127.0.0.1:8081"),
    keys: { mobile_hash_key: "0123456789ABCDEF" },
};

fn main() {}
