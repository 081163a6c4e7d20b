use inipay_core::BillingOrder;

// 27 Hangul syllables: 54 EUC-KR bytes but 81 UTF-8 bytes, over the
// 80-byte goodname in the default unit.
#[derive(BillingOrder)]
#[inipay(billing = card, goods = "가나다라마바사아자차카타파하가나다라마바사아자차카타파")]
struct Plan {
    order_id: String,
    amount: u64,
    buyer_name: String,
}

fn main() {}
