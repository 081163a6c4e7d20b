use inipay_core::Order;

#[derive(Order)]
#[inipay(methods(card), reserved(app_scheme = "myapp://"))]
struct Shop {
    order_id: String,
    amount: u64,
    goods: String,
    buyer_name: String,
}

fn main() {}
