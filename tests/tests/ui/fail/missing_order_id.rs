use inipay_core::Order;

#[derive(Order)]
#[inipay(methods(card))]
struct Shop {
    amount: u64,
    goods: String,
    buyer_name: String,
}

fn main() {}
