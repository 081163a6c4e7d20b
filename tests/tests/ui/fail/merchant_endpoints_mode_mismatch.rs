use inipay_core::merchant;
use inipay_core::spec::MerchantSpec;

static SHOP: MerchantSpec = merchant! {
    mid: "MYSHOP0001",
    mode: production,
    endpoints: sandbox("http://127.0.0.1:8081"),
};

static STAGING: MerchantSpec = merchant! {
    mid: "INIpayTest",
    mode: test,
    endpoints: sandbox("https://stgmobile.inicis.com"),
};

fn main() {}
