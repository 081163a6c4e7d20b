use inipay_core::merchant;
use inipay_core::spec::MerchantSpec;

static SHOP: MerchantSpec = merchant! {
    mid: "INIpayTest",
    mode: production,
};

fn main() {}
