//! The shop's HTML: Korean with English beside it, one inline stylesheet, no
//! external assets, no JavaScript.

use super::catalog::{PRODUCTS, Product, won};
use super::journal::{Attempt, PaidDetails};
use super::orders::ShopOrder;
use inipay_core::flow::refund_method;
use inipay_core::iniapi::PayMethod;
use inipay_core::ledger::{Payment, PaymentState};
use inipay_core::mobile::{GiftCard, KstDateTime, PayType, VbankAccount};
use inipay_core::outcome::{Outcome, ResultCode};
use inipay_core::types::mask_tail;

/// Who is looking at an order page.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum Access {
    /// Holds the order's secret link: sees everything.
    Owner,
    /// Knows only the order id: sees the state, the buyer's initial and the
    /// last four digits of a virtual account; no TID, no payment methods.
    Visitor,
}

/// All but the last four characters as `*` (an account number for a
/// visitor).
///
/// ```
/// use inipay_examples::shop::pages::mask_account;
/// assert_eq!(mask_account("56211101573948"), "**********3948");
/// assert_eq!(mask_account("123"), "***");
/// ```
pub fn mask_account(number: &str) -> String {
    let n = number.chars().count();
    if n <= 4 {
        return "*".repeat(n);
    }
    number
        .chars()
        .enumerate()
        .map(|(i, c)| if i < n - 4 { '*' } else { c })
        .collect()
}

const STYLE: &str = r#"
*{box-sizing:border-box}
body{margin:0;font-family:system-ui,-apple-system,"Apple SD Gothic Neo","Noto Sans KR","Malgun Gothic",sans-serif;background:#f5f6f8;color:#1d2330;line-height:1.5}
header{background:#fff;border-bottom:1px solid #e3e6eb}
header .bar{max-width:46rem;margin:0 auto;padding:.9rem 1.2rem;display:flex;flex-wrap:wrap;align-items:center;justify-content:space-between;gap:.4rem 1rem}
header a.brand{font-weight:700;font-size:1.15rem;color:#1d2330;text-decoration:none}
header a.brand span{color:#e4002b}
header nav a{color:#4a5568;font-size:.9rem;text-decoration:none;margin-left:1rem}
main{max-width:46rem;margin:0 auto;padding:1.2rem}
h1{font-size:1.4rem;margin:.4rem 0 1rem}
h1 small,h2 small,.en{color:#6b7280;font-weight:400}
.notice{background:#fff8e1;border:1px solid #f3d98b;border-radius:.5rem;padding:.6rem .9rem;font-size:.9rem;margin-bottom:1.2rem}
.grid{display:grid;grid-template-columns:repeat(auto-fill,minmax(13rem,1fr));gap:1rem}
.card{background:#fff;border:1px solid #e3e6eb;border-radius:.75rem;padding:1rem 1.1rem;display:flex;flex-direction:column}
.card .price{margin-top:auto}
.card h2{font-size:1.05rem;margin:0 0 .2rem}
.card p{margin:.2rem 0 .8rem;color:#4a5568;font-size:.88rem}
.price{font-size:1.2rem;font-weight:700;margin:.3rem 0 .6rem}
label{display:block;font-size:.85rem;color:#4a5568;margin-bottom:.6rem}
input[type=text]{width:100%;padding:.45rem .55rem;border:1px solid #cfd5dd;border-radius:.4rem;font-size:.95rem;margin-top:.2rem}
.btn{display:inline-block;border:0;border-radius:.5rem;background:#e4002b;color:#fff;padding:.6rem 1rem;font-size:.95rem;text-decoration:none;cursor:pointer;text-align:center}
.btn.secondary{background:#fff;color:#1d2330;border:1px solid #cfd5dd}
.card .btn{width:100%}
table{width:100%;border-collapse:collapse;background:#fff;border:1px solid #e3e6eb;border-radius:.75rem;overflow:hidden;margin-bottom:1.2rem}
th,td{text-align:left;padding:.6rem .9rem;border-bottom:1px solid #eef0f3;font-size:.93rem;vertical-align:top;overflow-wrap:anywhere;word-break:break-word}
th{width:38%;color:#4a5568;font-weight:500;background:#fafbfc}
tr:last-child th,tr:last-child td{border-bottom:0}
.methods{display:grid;grid-template-columns:repeat(auto-fill,minmax(12.5rem,1fr));gap:.7rem;margin-bottom:1.2rem}
.methods a{display:block;background:#fff;border:1px solid #e3e6eb;border-radius:.6rem;padding:.8rem 1rem;color:#1d2330;text-decoration:none}
.methods a:hover{border-color:#e4002b}
.methods b{display:block}
.methods span{font-size:.85rem;color:#6b7280}
.status{border-radius:.75rem;padding:1rem 1.1rem;margin-bottom:1.2rem;border:1px solid}
.status h2{margin:0 0 .3rem;font-size:1.2rem}
.status p{margin:.2rem 0}
.ok{background:#ecfdf3;border-color:#a6e3bf}
.wait{background:#eff6ff;border-color:#b6d4fe}
.bad{background:#fef2f2;border-color:#f5b5b5}
.actions{display:flex;flex-wrap:wrap;gap:.6rem}
.mono{font-family:ui-monospace,SFMono-Regular,Menlo,monospace;font-size:.88rem;overflow-wrap:anywhere;word-break:break-all}
.status,.notice,p,h1,h2{overflow-wrap:anywhere}
.table{overflow-x:auto;max-width:100%}
.gateway{font-size:.85rem;color:#4a5568}
@media (max-width:560px){header nav a{margin:0 1rem 0 0;display:inline-block}h1{font-size:1.25rem}main{padding:1rem .8rem}th,td{padding:.5rem .6rem}th{width:34%}}
footer{max-width:46rem;margin:1.5rem auto;padding:0 1.2rem;color:#8a94a6;font-size:.8rem}
"#;

/// Escapes text for HTML content and attribute values.
///
/// ```
/// use inipay_examples::shop::pages::esc;
/// assert_eq!(esc("<a href=\"x\">&'"), "&lt;a href=&quot;x&quot;&gt;&amp;&#39;");
/// ```
pub fn esc(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c => out.push(c),
        }
    }
    out
}

/// Links every page shows.
#[derive(Debug, Clone)]
pub struct Chrome {
    /// The sandbox dashboard URL.
    pub dashboard: String,
    /// Where the INICIS routes are mounted (`/inicis`).
    pub mount: String,
}

fn layout(chrome: &Chrome, title: &str, body: &str) -> String {
    format!(
        "<!DOCTYPE html>\n<html lang=\"ko\">\n<head>\n<meta charset=\"utf-8\">\n\
         <meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n\
         <title>{title} · inipay 데모샵</title>\n<style>{STYLE}</style>\n</head>\n<body>\n\
         <header><div class=\"bar\"><a class=\"brand\" href=\"/\">inipay <span>데모샵</span> \
         <small class=\"en\">demo shop</small></a><nav><a href=\"/\">상품 (Products)</a>\
         <a href=\"/reconciliation\">대사 (Reconciliation)</a>\
         <a href=\"{dash}\" target=\"_blank\" rel=\"noopener\">샌드박스 대시보드 (Sandbox dashboard)</a></nav></div></header>\n\
         <main>\n{body}\n</main>\n<footer>테스트 모드: 결제는 로컬 INICIS 샌드박스에서만 일어나며 실제 돈은 오가지 않습니다. \
         (Test mode: payments go to a local INICIS sandbox; no real money moves.)</footer>\n</body>\n</html>\n",
        title = esc(title),
        dash = esc(&chrome.dashboard),
    )
}

/// The product list.
pub fn home(chrome: &Chrome) -> String {
    let mut cards = String::new();
    for p in PRODUCTS {
        cards.push_str(&format!(
            "<div class=\"card\"><h2>{ko} <small>{en}</small></h2><p>{blurb}</p>\
             <div class=\"price\">{price}</div>\
             <form method=\"post\" action=\"/orders\"><input type=\"hidden\" name=\"product\" value=\"{id}\">\
             <label>구매자 이름 (Buyer name)<input type=\"text\" name=\"buyer\" value=\"홍길동\" maxlength=\"30\" required></label>\
             <button class=\"btn\" type=\"submit\">주문하기 (Order)</button></form></div>",
            ko = esc(p.name_ko),
            en = esc(p.name_en),
            blurb = esc(p.blurb),
            price = won(p.price),
            id = esc(p.id),
        ));
    }
    layout(
        chrome,
        "상품 (Products)",
        &format!(
            "<h1>상품 <small>Products</small></h1>\
             <div class=\"notice\">카드, 계좌이체, 가상계좌, 휴대폰, 상품권(문화상품권·해피머니·스마트문상)으로 결제해 보세요. \
             (Try card, bank transfer, virtual account, phone bill or a gift card: Culture Land, Happy Money or Smart Culture.)</div>\
             <div class=\"grid\">{cards}</div>"
        ),
    )
}

/// The payment methods offered, all seven of INIpay Mobile (`P_INI_PAYMENT`):
/// (code, Korean, English). The order type offers the same
/// ([`ShopOrder`]'s `Order::METHODS`).
pub const METHODS: &[(&str, &str, &str)] = &[
    ("CARD", "신용카드", "Credit card"),
    ("BANK", "실시간 계좌이체", "Bank transfer"),
    ("VBANK", "가상계좌", "Virtual account"),
    ("MOBILE", "휴대폰 결제", "Phone bill"),
    ("CULTURE", "문화상품권", "Culture Land gift card"),
    ("HPMN", "해피머니", "Happy Money gift card"),
    ("DGCL", "스마트문상", "Smart Culture gift card"),
];

/// The Korean and English name of a method code from [`METHODS`], else
/// the code itself.
fn method_name(code: &str) -> String {
    METHODS
        .iter()
        .find(|(c, _, _)| *c == code)
        .map(|(_, ko, en)| format!("{ko} ({en})"))
        .unwrap_or_else(|| code.to_owned())
}

fn order_table(
    order_id: &str,
    order: Option<&ShopOrder>,
    payment: Option<&Payment>,
    access: Access,
) -> String {
    let mut rows = format!(
        "<tr><th>주문번호 (Order)</th><td class=\"mono\">{}</td></tr>",
        esc(order_id)
    );
    if let Some(o) = order {
        let buyer = match access {
            Access::Owner => o.buyer.as_str().to_owned(),
            Access::Visitor => mask_tail(o.buyer.as_str(), 1),
        };
        rows.push_str(&format!(
            "<tr><th>상품 (Product)</th><td>{} <span class=\"en\">({})</span></td></tr>\
             <tr><th>구매자 (Buyer)</th><td>{}</td></tr>",
            esc(o.product.name_ko),
            esc(o.product.name_en),
            esc(&buyer)
        ));
    }
    let amount = payment.map(|p| p.amount).or(order.map(|o| o.product.price));
    if let Some(a) = amount {
        rows.push_str(&format!(
            "<tr><th>금액 (Amount)</th><td><b>{}</b></td></tr>",
            won(a)
        ));
    }
    if let Some(p) = payment.filter(|p| !p.refunded.is_zero()) {
        rows.push_str(&format!(
            "<tr><th>환불액 (Refunded)</th><td>{}</td></tr>",
            won(p.refunded)
        ));
    }
    if let Some(tid) = payment
        .and_then(|p| p.tid.as_ref())
        .filter(|_| access == Access::Owner)
    {
        rows.push_str(&format!(
            "<tr><th>거래번호 (TID)</th><td class=\"mono\">{}</td></tr>",
            esc(tid.as_str())
        ));
    }
    format!("<table>{rows}</table>")
}

/// The order page: the order and the payment methods (for the holder of
/// the secret link; a visitor sees the masked order only).
pub fn order(chrome: &Chrome, order: &ShopOrder, access: Access) -> String {
    if access == Access::Visitor {
        return layout(
            chrome,
            "주문 (Order)",
            &format!(
                "<h1>주문 <small>Order</small></h1>{table}\
                 <div class=\"notice\">주문 내용과 결제는 주문할 때 받은 링크에서 볼 수 있습니다. \
                 (The details and payment are on the link you got when you placed the order.)</div>",
                table = order_table(&order.id, Some(order), None, access),
            ),
        );
    }
    let mut methods = String::new();
    for (code, ko, en) in METHODS {
        methods.push_str(&format!(
            "<a href=\"{mount}/checkout/{id}?method={code}\"><b>{ko}</b><span>{en}</span></a>",
            mount = esc(&chrome.mount),
            id = esc(&order.id),
        ));
    }
    layout(
        chrome,
        "주문 (Order)",
        &format!(
            "<h1>주문 확인 <small>Your order</small></h1>{table}\
             <h2>결제 수단 선택 <small>Choose a payment method</small></h2>\
             <div class=\"methods\">{methods}</div>\
             <p class=\"en\">결제창은 로컬 샌드박스가 띄웁니다. (The payment window is served by the local sandbox.)</p>",
            table = order_table(&order.id, Some(order), None, access),
        ),
    )
}

fn deadline(d: &KstDateTime) -> String {
    let (date, time) = (d.date(), d.time());
    format!(
        "{}-{}-{} {}:{}:{} KST",
        &date[..4],
        &date[4..6],
        &date[6..],
        &time[..2],
        &time[2..4],
        &time[4..]
    )
}

fn account_table(a: &VbankAccount, amount: &str, access: Access) -> String {
    let opt = |v: Option<&str>| esc(v.unwrap_or("-"));
    let bank = match (&a.bank_name, &a.bank_code) {
        (Some(n), Some(c)) => format!("{} ({})", esc(n), esc(c)),
        (Some(n), None) => esc(n),
        (None, c) => opt(c.as_deref()),
    };
    format!(
        "<table><tr><th>은행 (Bank)</th><td>{bank}</td></tr>\
         <tr><th>계좌번호 (Account)</th><td class=\"mono\">{acct}</td></tr>\
         <tr><th>예금주 (Holder)</th><td>{holder}</td></tr>\
         <tr><th>입금액 (Amount)</th><td><b>{amount}</b></td></tr>\
         <tr><th>입금기한 (Deadline)</th><td>{deadline}</td></tr></table>",
        acct = esc(&match (a.account_number.as_ref(), access) {
            (Some(n), Access::Owner) => n.expose().to_owned(),
            (Some(n), Access::Visitor) => mask_account(n.expose()),
            (None, _) => "-".to_owned(),
        }),
        holder = opt(a.holder_name.as_deref()),
        deadline = a
            .deadline
            .as_ref()
            .map(deadline)
            .unwrap_or_else(|| "-".into()),
    )
}

/// What a result page shows.
#[derive(Debug, Clone, Copy)]
pub struct View<'a> {
    /// The order id from the URL.
    pub order_id: &'a str,
    /// The order, when the shop still has it.
    pub order: Option<&'a ShopOrder>,
    /// What the ledger records.
    pub payment: &'a Payment,
    /// The virtual account issued for it, if any.
    pub account: Option<&'a VbankAccount>,
    /// How the latest attempt ended, from the journal
    /// ([`latest_attempt`](super::journal::latest_attempt)).
    pub attempt: &'a Attempt,
    /// Who is looking.
    pub access: Access,
}

/// The headline of a result page: CSS class, title in Korean and English,
/// one sentence in Korean and in English.
type Headline = (
    &'static str,
    &'static str,
    &'static str,
    &'static str,
    &'static str,
);

/// The headline for a payment that did not go through, by what the journal
/// says of its latest attempt: the stage it ended at and the result code's
/// class ([`Outcome`]), never the message text.
fn failure_headline(state: PaymentState, attempt: &Attempt) -> Option<Headline> {
    if !matches!(state, PaymentState::Failed | PaymentState::Declined) {
        return None;
    }
    let cancelled = (
        "bad",
        "결제 취소",
        "Cancelled",
        "결제를 취소하셨습니다. 청구된 금액은 없습니다.",
        "You cancelled the payment. Nothing was charged.",
    );
    let declined = (
        "bad",
        "결제 거절",
        "Declined",
        "카드사 또는 은행이 결제를 거절했습니다. 청구된 금액은 없습니다.",
        "The card company or bank declined. Nothing was charged.",
    );
    let gateway_error = (
        "bad",
        "결제 오류",
        "Payment error",
        "INICIS에서 오류가 나 결제가 승인되지 않았습니다. 청구된 금액은 없습니다. 잠시 후 다시 시도해 주세요.",
        "INICIS reported an error and did not approve the payment. Nothing was charged. Please try again shortly.",
    );
    Some(match attempt {
        // PROTOCOL.md 2.9: `01` is both a cancel and a failure.
        Attempt::NotAuthenticated(r) if r.outcome == Outcome::UserCancel => cancelled,
        Attempt::NotAuthenticated(_) => (
            "bad",
            "취소 또는 인증 실패",
            "Cancelled or not authenticated",
            "결제가 취소되었거나 인증되지 않았습니다. INICIS는 두 경우를 같은 코드로 알려 주어 어느 쪽인지 알 수 없습니다. 청구된 금액은 없습니다.",
            "The payment was cancelled in the payment window or authentication did not complete; INICIS reports both with the same code, so we cannot tell which. Nothing was charged.",
        ),
        Attempt::NotApproved(r) => match r.outcome {
            Outcome::Declined => declined,
            Outcome::UserCancel => cancelled,
            Outcome::GatewayError => gateway_error,
            _ => (
                "bad",
                "승인되지 않음",
                "Not approved",
                "인증은 되었지만 결제가 승인되지 않았습니다. INICIS의 결과 코드로는 카드사·은행의 거절인지 다른 실패인지 알 수 없어, INICIS가 보낸 메시지를 아래에 그대로 보여 드립니다. 청구된 금액은 없습니다.",
                "You authenticated, but the payment was not approved. INICIS's result code does not tell a refusal by the card company or bank from another failure, so its message is shown below as sent. Nothing was charged.",
            ),
        },
        Attempt::NoApprovalReply => (
            "bad",
            "결제 오류",
            "Payment error",
            "INICIS에 승인을 요청하지 못해 결제가 진행되지 않았습니다. 청구된 금액은 없습니다. 잠시 후 다시 시도해 주세요.",
            "The approval could not be requested from INICIS, so the payment did not go ahead. Nothing was charged. Please try again shortly.",
        ),
        _ if state == PaymentState::Declined => declined,
        _ => return None,
    })
}

fn state_headline(state: PaymentState) -> Headline {
    match state {
        PaymentState::Approved => (
            "ok",
            "결제 완료",
            "Paid",
            "결제가 승인되었습니다. 주문을 준비하겠습니다.",
            "Your payment was approved; we are preparing your order.",
        ),
        PaymentState::VbankDeposited => (
            "ok",
            "입금 확인",
            "Deposit received",
            "가상계좌 입금이 확인되었습니다. 주문을 준비하겠습니다.",
            "Your deposit arrived; we are preparing your order.",
        ),
        PaymentState::VbankIssued => (
            "wait",
            "입금 대기",
            "Awaiting deposit",
            "아래 가상계좌로 기한 안에 입금해 주세요. 입금되면 이 페이지에 표시됩니다.",
            "Please transfer the amount to the account below before the deadline; this page shows it once it arrives.",
        ),
        PaymentState::Created | PaymentState::Authenticated => (
            "wait",
            "처리 중",
            "Processing",
            "결제가 아직 끝나지 않았습니다.",
            "The payment is not finished yet.",
        ),
        PaymentState::CancelledByUser => (
            "bad",
            "결제 취소",
            "Cancelled",
            "결제를 취소하셨거나 인증이 완료되지 않았습니다. 청구된 금액은 없습니다.",
            "You cancelled or authentication did not complete. Nothing was charged.",
        ),
        PaymentState::Declined => (
            "bad",
            "결제 거절",
            "Declined",
            "카드사 또는 은행이 결제를 거절했습니다. 청구된 금액은 없습니다.",
            "The card company or bank declined. Nothing was charged.",
        ),
        PaymentState::NetCancelled => (
            "bad",
            "결제 자동 취소",
            "Payment undone",
            "승인 결과를 확인할 수 없어 결제를 자동으로 취소했습니다. 청구된 금액은 없습니다.",
            "The approval could not be verified, so it was cancelled automatically. Nothing was charged.",
        ),
        PaymentState::VbankExpired => (
            "bad",
            "입금 기한 만료",
            "Deadline passed",
            "가상계좌 입금 기한이 지났습니다.",
            "The virtual account expired without a deposit.",
        ),
        PaymentState::Refunded => (
            "wait",
            "환불 완료",
            "Refunded",
            "결제가 취소되어 전액 환불되었습니다.",
            "The payment was cancelled and refunded in full.",
        ),
        PaymentState::PartiallyRefunded => (
            "wait",
            "부분 환불",
            "Partly refunded",
            "결제 금액 중 일부가 환불되었습니다. 환불액은 아래에 있습니다.",
            "Part of the payment was refunded; the refunded amount is below.",
        ),
        // No journal to tell more: INICIS does not say whether the buyer
        // cancelled or the issuer refused (PROTOCOL.md 2.9).
        _ => (
            "bad",
            "결제 미완료",
            "Not completed",
            "결제가 취소되었거나 승인되지 않았습니다. 청구된 금액은 없습니다.",
            "The payment was cancelled or not approved. Nothing was charged.",
        ),
    }
}

/// INICIS's answer to a failed attempt, as received: code, finer code and
/// message (shown, never interpreted).
fn gateway_rows(attempt: &Attempt) -> String {
    let r: &ResultCode = match attempt {
        Attempt::NotAuthenticated(r) | Attempt::NotApproved(r) => r,
        _ => return String::new(),
    };
    let stage = match attempt {
        Attempt::NotAuthenticated(_) => "인증 (authentication)",
        _ => "승인 (approval)",
    };
    let detail = r
        .detail
        .as_deref()
        .map(|d| format!(" / {}", esc(d)))
        .unwrap_or_default();
    let message: String = r.message.chars().take(200).collect();
    format!(
        "<tr><th>INICIS 결과 (Gateway result)</th><td><span class=\"mono\" data-code=\"{code}\">{stage} · 코드 (code) {code}{detail}</span>\
         <div class=\"gateway\" data-gateway-message>{message}</div></td></tr>",
        code = esc(&r.code),
        message = esc(&message),
    )
}

/// The receipt page INICIS keeps for a transaction (PROTOCOL.md 1.1,
/// `iniweb.inicis.com`).
///
/// ```
/// use inipay_examples::shop::pages::receipt_url;
/// assert_eq!(
///     receipt_url("INIMX_CARDINIpayTest20241030120339525932"),
///     "https://iniweb.inicis.com/DefaultWebApp/mall/cr/cm/mCmReceipt_head.jsp?noTid=INIMX_CARDINIpayTest20241030120339525932&noMethod=1"
/// );
/// ```
pub fn receipt_url(tid: &str) -> String {
    format!(
        "https://iniweb.inicis.com/DefaultWebApp/mall/cr/cm/mCmReceipt_head.jsp?noTid={tid}&noMethod=1"
    )
}

/// How the buyer paid (method, card company or bank, installments,
/// approval number and time) and INICIS's receipt link. No card, phone or
/// account number.
fn paid_rows(d: &PaidDetails, payment: &Payment) -> String {
    let mut rows = String::new();
    let mut row = |th: &str, td: String| {
        rows.push_str(&format!("<tr><th>{th}</th><td>{td}</td></tr>"));
    };
    if let Some(t) = &d.pay_type {
        row("결제 수단 (Method)", esc(&method_name(t.as_str())));
    }
    if let Some(name) = &d.institution {
        let th = match d.pay_type {
            Some(PayType::Card) => "카드사 (Card company)",
            _ => "은행 (Bank)",
        };
        row(th, esc(name));
    }
    if let Some(m) = d.installment_months {
        let free = if d.interest_free {
            " 무이자 (interest-free)"
        } else {
            ""
        };
        row(
            "할부 (Installments)",
            if m == 0 {
                "일시불 (lump sum)".to_owned()
            } else {
                format!("{m}개월 ({m} months){free}")
            },
        );
    }
    if let Some(c) = &d.carrier {
        row("통신사 (Carrier)", esc(c));
    }
    if let Some(g) = d.gift_card {
        let code = match g {
            GiftCard::Culture => "CULTURE",
            GiftCard::HappyMoney => "HPMN",
            GiftCard::SmartCulture => "DGCL",
        };
        row("상품권 (Gift card)", esc(&method_name(code)));
    }
    if let Some(n) = &d.auth_no {
        row(
            "승인번호 (Approval no.)",
            format!("<span class=\"mono\">{}</span>", esc(n)),
        );
    }
    if let Some(at) = &d.approved_at {
        let th = match d.pay_type {
            Some(PayType::Vbank) => "계좌 발급 시각 (Account issued at)",
            _ => "승인 시각 (Approved at)",
        };
        row(th, deadline(at));
    }
    if let Some(tid) = &payment.tid {
        row(
            "영수증 (Receipt)",
            format!(
                "<a class=\"mono\" href=\"{url}\" target=\"_blank\" rel=\"noopener\">{url}</a>\
                 <div class=\"gateway\">INICIS 영수증 페이지입니다. 테스트 거래는 INICIS에 없어 열리지 않습니다. \
                 (INICIS's receipt page; sandbox transactions are not known there.)</div>",
                url = esc(&receipt_url(tid.as_str()))
            ),
        );
    }
    if rows.is_empty() {
        return rows;
    }
    format!(
        "<h2>결제 정보 <small>Payment details</small></h2><table data-paid-details>{rows}</table>"
    )
}

/// The result page: what the ledger says about the order, in the buyer's
/// words, with the journal's details for the holder of the secret link.
pub fn result(chrome: &Chrome, view: &View<'_>) -> String {
    let View {
        order_id,
        order,
        payment,
        account,
        attempt,
        access,
    } = *view;
    let (class, ko, en, text_ko, text_en) =
        failure_headline(payment.state, attempt).unwrap_or_else(|| state_headline(payment.state));
    let mut body = format!(
        "<h1>주문 결과 <small>Order status</small></h1>\
         <div class=\"status {class}\" data-state=\"{state}\"><h2>{ko} <small>({en})</small></h2>\
         <p>{text_ko}</p><p class=\"en\">{text_en}</p></div>",
        state = payment.state.as_str(),
    );
    if payment.state == PaymentState::VbankIssued {
        match account {
            Some(a) => body.push_str(&account_table(a, &won(payment.amount), access)),
            None => body.push_str(
                "<p class=\"en\">계좌 정보는 발급 직후에만 표시됩니다. (The account is shown right after issuance only.)</p>",
            ),
        }
        body.push_str(&format!(
            "<div class=\"notice\">테스트: <a href=\"{dash}\" target=\"_blank\" rel=\"noopener\">샌드박스 대시보드</a>에서 \
             이 거래의 <b>입금통보 (deposit)</b> 버튼을 누른 뒤 새로고침하세요. \
             (Test: press the deposit button for this transaction on the \
             <a href=\"{dash}\" target=\"_blank\" rel=\"noopener\">sandbox dashboard</a>, then refresh.)</div>\
             <div class=\"actions\" style=\"margin-bottom:1.2rem\"><a class=\"btn secondary\" href=\"\">새로고침 (Refresh)</a></div>",
            dash = esc(&chrome.dashboard)
        ));
    }
    let mut table = order_table(order_id, order, Some(payment), access);
    if access == Access::Owner {
        // The gateway's words for a failed attempt, inside the order table.
        let rows = gateway_rows(attempt);
        if !rows.is_empty()
            && !payment.state.is_paid()
            && payment.state != PaymentState::VbankIssued
            && let Some(open) = table.strip_suffix("</table>")
        {
            table = format!("{open}{rows}</table>");
        }
    }
    body.push_str(&table);
    if access == Access::Owner
        && matches!(
            payment.state,
            PaymentState::Approved
                | PaymentState::VbankDeposited
                | PaymentState::Refunded
                | PaymentState::PartiallyRefunded
        )
        && let Attempt::Approved(d) = attempt
    {
        body.push_str(&paid_rows(d, payment));
    }
    let offer = match access {
        Access::Owner => RefundOffer::of(payment),
        Access::Visitor => RefundOffer::Nothing,
    };
    match offer {
        RefundOffer::VirtualAccount => body.push_str(
            "<div class=\"notice\">가상계좌 결제는 입금하신 분의 은행 계좌로 환불되므로 여기서 취소할 수 없습니다. \
             환불받을 계좌를 알려 주시면 처리해 드립니다. (A virtual-account payment is refunded to your own bank \
             account, so it cannot be cancelled here; contact us with the account to refund to.)</div>",
        ),
        RefundOffer::ByHand => body.push_str(
            "<div class=\"notice\">이 결제 수단은 여기서 취소할 수 없습니다. 고객센터로 문의해 주세요. \
             (This payment method cannot be cancelled here; please contact us.)</div>",
        ),
        RefundOffer::Nothing | RefundOffer::Button => {}
    }
    let mut actions =
        String::from("<a class=\"btn secondary\" href=\"/\">계속 쇼핑하기 (Continue shopping)</a>");
    if offer == RefundOffer::Button {
        actions.push_str(&refund_form(order_id));
    }
    if let Some(o) = order
        && access == Access::Owner
        && !payment.state.is_paid()
        && payment.state != PaymentState::VbankIssued
        && payment.state != PaymentState::Created
    {
        actions.push_str(&reorder_form(o.product, o.buyer.as_str()));
    }
    body.push_str(&format!("<div class=\"actions\">{actions}</div>"));
    layout(chrome, &format!("{ko} ({en})"), &body)
}

/// What the result page offers the holder of the order's secret to get
/// the money back (환불).
///
/// ```
/// use inipay_core::ledger::{Payment, PaymentState, ResultPath};
/// use inipay_core::time::Timestamp;
/// use inipay_core::types::{Amount, Mid, OrderId, Tid};
/// use inipay_examples::shop::pages::RefundOffer;
///
/// let at = Timestamp::from_unix_millis(0);
/// let mut p = Payment {
///     order_id: OrderId::new("DEMO-1")?,
///     mid: Mid::new("INIpayTest")?,
///     amount: Amount::won(12_000),
///     state: PaymentState::Approved,
///     tid: Some(Tid::new("INIMX_CARDINIpayTest20240101120000123456")?),
///     auth_tid: None,
///     refunded: Amount::ZERO,
///     net_cancel_failures: 0,
///     acknowledged_at: None,
///     created_at: at,
///     updated_at: at,
///     result_path: ResultPath::default(),
///     vbank_deadline: None,
/// };
/// assert_eq!(RefundOffer::of(&p), RefundOffer::Button);
/// p.state = PaymentState::Refunded;
/// assert_eq!(RefundOffer::of(&p), RefundOffer::Nothing);
/// // A deposited virtual account is paid back to the buyer's account.
/// p.state = PaymentState::VbankDeposited;
/// p.tid = Some(Tid::new("INIMX_VBNKINIpayTest20240101120000123456")?);
/// assert_eq!(RefundOffer::of(&p), RefundOffer::VirtualAccount);
/// // A gift card's TID does not name its refund method.
/// p.state = PaymentState::Approved;
/// p.tid = Some(Tid::new("INIMX_CULTINIpayTest20240101120000123456")?);
/// assert_eq!(RefundOffer::of(&p), RefundOffer::ByHand);
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum RefundOffer {
    /// Nothing to refund: not paid, or refunded already.
    Nothing,
    /// The "결제 취소 (Cancel payment)" button: a full refund (전체취소)
    /// through INIAPI (card, bank transfer, phone bill).
    Button,
    /// A deposited virtual account (가상계좌): INICIS pays it back to the
    /// buyer's own bank account, which this demo does not collect; the page
    /// explains instead of offering the button.
    VirtualAccount,
    /// The refund `paymethod` cannot be read from the approval TID (gift
    /// cards): the page says to contact the shop.
    ByHand,
}

impl RefundOffer {
    /// The offer for a payment: by its state, then by the method its
    /// approval TID names ([`refund_method`]).
    pub fn of(payment: &Payment) -> RefundOffer {
        if !payment.state.is_paid() {
            return RefundOffer::Nothing;
        }
        match payment.tid.as_ref().and_then(refund_method) {
            Some(PayMethod::Vacct | PayMethod::GVacct) => RefundOffer::VirtualAccount,
            Some(_) => RefundOffer::Button,
            None => RefundOffer::ByHand,
        }
    }
}

/// The refund button: posts to `/orders/{id}/refund`, where the order's
/// secret cookie (scoped to `/orders/{id}`) comes along; a `SameSite=Lax`
/// cookie is not sent with another site's POST, so no other page can press
/// it for the buyer.
fn refund_form(order_id: &str) -> String {
    format!(
        "<form method=\"post\" action=\"/orders/{}/refund\">\
         <button class=\"btn secondary\" type=\"submit\">결제 취소 (Cancel payment)</button></form>",
        esc(order_id)
    )
}

fn reorder_form(p: &Product, buyer: &str) -> String {
    format!(
        "<form method=\"post\" action=\"/orders\"><input type=\"hidden\" name=\"product\" value=\"{}\">\
         <input type=\"hidden\" name=\"buyer\" value=\"{}\">\
         <button class=\"btn\" type=\"submit\">다시 주문하기 (Order again)</button></form>",
        esc(p.id),
        esc(buyer)
    )
}

/// A short error page.
pub fn problem(chrome: &Chrome, ko: &str, en: &str, detail: &str) -> String {
    layout(
        chrome,
        ko,
        &format!(
            "<div class=\"status bad\"><h2>{} <small>({})</small></h2><p>{}</p></div>\
             <a class=\"btn secondary\" href=\"/\">상품 목록 (Products)</a>",
            esc(ko),
            esc(en),
            esc(detail)
        ),
    )
}

/// How a page answering a refund request looks.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum Tone {
    /// Not settled yet (확인 중): blue.
    Wait,
    /// Refused or failed; nothing was refunded: red.
    Bad,
}

/// The answer to a refund request that did not end in a recorded refund
/// (a recorded one redirects to the order page): the status box and a link
/// back to the order.
pub fn refund_answer(
    chrome: &Chrome,
    order_id: &str,
    tone: Tone,
    ko: &str,
    en: &str,
    detail: &str,
) -> String {
    let class = match tone {
        Tone::Wait => "wait",
        Tone::Bad => "bad",
    };
    layout(
        chrome,
        &format!("{ko} ({en})"),
        &format!(
            "<h1>결제 취소 <small>Cancel payment</small></h1>\
             <div class=\"status {class}\" data-refund=\"{class}\"><h2>{} <small>({})</small></h2><p>{}</p></div>\
             <div class=\"actions\"><a class=\"btn secondary\" href=\"/orders/{}\">주문으로 돌아가기 (Back to the order)</a></div>",
            esc(ko),
            esc(en),
            esc(detail),
            esc(order_id)
        ),
    )
}

/// The reconciliation report (대사): what needs a person, from
/// `Flow::report`. Order ids, states and amounts only.
pub fn reconciliation(chrome: &Chrome, r: &inipay_core::ledger::Reconciliation) -> String {
    fn payments(title: &str, list: &[inipay_core::ledger::Payment]) -> String {
        let mut rows = String::new();
        for p in list {
            rows.push_str(&format!(
                "<tr><td><a href=\"/orders/{id}\">{id}</a></td><td>{state}</td><td>{amount}원</td>\
                 <td>{failures}</td></tr>",
                id = esc(p.order_id.as_str()),
                state = esc(p.state.as_str()),
                amount = p.amount.get(),
                failures = p.net_cancel_failures,
            ));
        }
        section(
            title,
            list.len(),
            "<th>주문 (Order)</th><th>상태 (State)</th><th>금액 (Amount)</th><th>망취소 실패 (Failed net cancels)</th>",
            &rows,
        )
    }
    fn section(title: &str, n: usize, head: &str, rows: &str) -> String {
        if n == 0 {
            return format!("<h3>{} <small>0</small></h3>", esc(title));
        }
        format!(
            "<h3>{} <small>{n}</small></h3><div class=\"table\"><table><thead><tr>{head}</tr></thead>\
             <tbody>{rows}</tbody></table></div>",
            esc(title)
        )
    }
    let mut events = String::new();
    for e in &r.undelivered {
        events.push_str(&format!(
            "<tr><td>{id}</td><td>{order}</td><td>{kind}</td><td>{attempts}</td><td>{error}</td></tr>",
            id = esc(e.id.as_str()),
            order = esc(e.order_id.as_ref().map(|o| o.as_str()).unwrap_or("-")),
            kind = esc(e.kind.as_str()),
            attempts = e.attempts,
            error = esc(e.last_error.as_deref().unwrap_or("")),
        ));
    }
    let mut parked = String::new();
    for u in &r.unconfirmed {
        parked.push_str(&format!(
            "<tr><td>{}</td><td>{}</td></tr>",
            esc(u.order_id.as_str()),
            esc(u.event.kind())
        ));
    }
    let body = [
        "<h2>대사 <small>(Reconciliation)</small></h2><p>확인이 필요한 결제 \
         (What needs a person). 배경 작업이 재전송·망취소 재시도·가상계좌 만료를 처리합니다 \
         (the background task redelivers events, retries net cancels and expires virtual accounts).</p>"
            .to_owned(),
        section(
            "전달되지 않은 이벤트 (Undelivered events)",
            r.undelivered.len(),
            "<th>ID</th><th>주문 (Order)</th><th>종류 (Kind)</th><th>시도 (Attempts)</th><th>마지막 오류 (Last error)</th>",
            &events,
        ),
        payments("망취소 실패 (Failed net cancels)", &r.failed_net_cancels),
        payments("승인 결과 미상 (Approval outcome unknown)", &r.stuck_authenticated),
        payments("입금기한 지난 가상계좌 (Overdue virtual accounts)", &r.overdue_vbanks),
        payments("앱 미확인 결제 (Paid, not acknowledged)", &r.unacknowledged),
        section(
            "확인 대기 노티 (Notifications awaiting confirmation)",
            r.unconfirmed.len(),
            "<th>주문 (Order)</th><th>이벤트 (Event)</th>",
            &parked,
        ),
    ]
    .concat();
    layout(chrome, "대사", &body)
}
