use inipay_core::Order;

#[derive(Order)]
#[inipay(methods(phone(physcial)))]
struct Shop {
    order_id: String,
    amount: u64,
    goods: String,
    buyer_name: String,
}

fn main() {}
