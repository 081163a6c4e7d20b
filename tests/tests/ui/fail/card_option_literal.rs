use inipay_core::Order;

#[derive(Order)]
#[inipay(methods(card), card_option = "selcode=14 & isp")]
struct Shop {
    order_id: String,
    amount: u64,
    goods: String,
    buyer_name: String,
}

fn main() {}
