use inipay_core::merchant;
use inipay_core::spec::MerchantSpec;

static SHOP: MerchantSpec = merchant! {
    mid: "MYSHOP0001",
    mode: production,
    defaults: { merchant_name: "🎁 선물가게", charset: latin1, currency: krw },
};

fn main() {}
