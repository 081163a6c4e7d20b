//! The products on sale.

use inipay_core::types::Amount;

/// A product.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Product {
    /// Stable id used in forms.
    pub id: &'static str,
    /// Korean name (sent to INICIS as `P_GOODS`).
    pub name_ko: &'static str,
    /// English name shown beside it.
    pub name_en: &'static str,
    /// Price in won.
    pub price: Amount,
    /// One line of description (Korean / English).
    pub blurb: &'static str,
}

/// Everything the shop sells.
pub const PRODUCTS: &[Product] = &[
    Product {
        id: "tea",
        name_ko: "제주 녹차",
        name_en: "Jeju green tea",
        price: Amount::won(12_000),
        blurb: "유기농 잎차 50g · Organic loose-leaf tea, 50 g",
    },
    Product {
        id: "notebook",
        name_ko: "한지 노트",
        name_en: "Hanji notebook",
        price: Amount::won(8_500),
        blurb: "전통 한지 96쪽 · 96 pages of traditional paper",
    },
    Product {
        id: "mug",
        name_ko: "분청 머그잔",
        name_en: "Buncheong mug",
        price: Amount::won(56_000),
        blurb: "수제 도자기, 할부 가능 · Handmade stoneware, installments offered",
    },
];

/// The product with this id.
///
/// ```
/// use inipay_examples::shop::catalog::product;
/// assert_eq!(product("mug").map(|p| p.price.get()), Some(56_000));
/// assert!(product("nope").is_none());
/// ```
pub fn product(id: &str) -> Option<&'static Product> {
    PRODUCTS.iter().find(|p| p.id == id)
}

/// `12,000원`.
///
/// ```
/// use inipay_core::types::Amount;
/// assert_eq!(inipay_examples::shop::catalog::won(Amount::won(1_234_567)), "1,234,567원");
/// ```
pub fn won(amount: Amount) -> String {
    let digits = amount.get().to_string();
    let mut out = String::new();
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            out.push(',');
        }
        out.push(c);
    }
    out.push('원');
    out
}
