use inipay_core::Order;

#[derive(Order)]
#[inipay(methods(card), goods = "선물 세트 🎁")]
struct Shop {
    order_id: String,
    amount: u64,
    buyer_name: String,
}

fn main() {}
