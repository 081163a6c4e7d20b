use inipay_core::Order;

#[derive(Order)]
#[inipay(methods(card))]
struct Shop(String, u64);

fn main() {}
