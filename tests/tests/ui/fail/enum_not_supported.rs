use inipay_core::Order;

#[derive(Order)]
#[inipay(methods(card))]
enum Shop {
    A,
}

fn main() {}
