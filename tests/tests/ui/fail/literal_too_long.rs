use inipay_core::Order;

#[derive(Order)]
#[inipay(methods(card), goods = "가나다라마바사아자차카타파하가나다라마바사아자차카타파하가나다라마바사아자차카타파")]
struct Shop {
    order_id: String,
    amount: u64,
    buyer_name: String,
}

fn main() {}
