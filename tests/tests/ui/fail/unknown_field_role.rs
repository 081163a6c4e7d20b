use inipay_core::Order;

#[derive(Order)]
#[inipay(methods(card))]
struct Shop {
    order_id: String,
    #[inipay(ammount)]
    total: u64,
    goods: String,
    buyer_name: String,
}

fn main() {}
