//! The sandbox's memory: payment sessions, transactions, billing keys,
//! notification jobs and attempts, injected faults (PROTOCOL.md 7.2).
//!
//! Everything lives in one [`State`] behind a mutex held only for short,
//! non-async sections, which keeps the approval hot path cheap.

use crate::faults::Faults;
use crate::wire::Charset;
use serde::Serialize;
use std::collections::HashMap;
use std::fmt;

/// Payment method of the mobile window (`P_INI_PAYMENT` / legacy path).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
pub enum Method {
    /// `CARD` (also ISP, app cards, easy-pay).
    Card,
    /// `BANK` real-time account transfer.
    Bank,
    /// `VBANK` virtual account.
    Vbank,
    /// `MOBILE` phone bill.
    Mobile,
    /// `CULTURE` 문화상품권 gift card.
    Culture,
    /// `HPMN` Happy Money gift card.
    Hpmn,
    /// `DGCL` 스마트문화상품권 (legacy path `/smart/dgcl/` only).
    Dgcl,
}

impl Method {
    /// From a `P_INI_PAYMENT` value (case-sensitive, as INICIS documents it).
    pub fn from_ini_payment(v: &str) -> Option<Method> {
        Some(match v {
            "CARD" => Method::Card,
            "BANK" => Method::Bank,
            "VBANK" => Method::Vbank,
            "MOBILE" => Method::Mobile,
            "CULTURE" => Method::Culture,
            "HPMN" => Method::Hpmn,
            _ => return None,
        })
    }

    /// From a legacy path segment (`wcard`, `bank`, ...; PROTOCOL.md 2.2).
    pub fn from_legacy_path(seg: &str) -> Option<Method> {
        Some(match seg {
            "wcard" => Method::Card,
            "bank" => Method::Bank,
            "vbank" => Method::Vbank,
            "mobile" => Method::Mobile,
            "culture" => Method::Culture,
            "hpmn" => Method::Hpmn,
            "dgcl" => Method::Dgcl,
            _ => return None,
        })
    }

    /// The `P_TYPE` of the approval.
    pub fn p_type(self) -> &'static str {
        match self {
            Method::Card => "CARD",
            Method::Bank => "BANK",
            Method::Vbank => "VBANK",
            Method::Mobile => "MOBILE",
            Method::Culture => "CULTURE",
            Method::Hpmn => "HPMN",
            Method::Dgcl => "DGCL",
        }
    }

    /// Approval TID prefix (PROTOCOL.md 2.5/7.2). `INIMX_DBNK`, `INIMX_CULT`,
    /// `INIMX_HPMN`, `INIMX_DGCL` are inferences (open question 9).
    pub fn tid_prefix(self, isp: bool) -> &'static str {
        match self {
            Method::Card if isp => "INIMX_ISP_",
            Method::Card => "INIMX_CARD",
            Method::Bank => "INIMX_DBNK",
            Method::Vbank => "INIMX_VBNK",
            Method::Mobile => "INIMX_HPP_",
            Method::Culture => "INIMX_CULT",
            Method::Hpmn => "INIMX_HPMN",
            Method::Dgcl => "INIMX_DGCL",
        }
    }

    /// Korean and English label for pages.
    pub fn label(self) -> &'static str {
        match self {
            Method::Card => "신용카드 (Credit card)",
            Method::Bank => "실시간 계좌이체 (Bank transfer)",
            Method::Vbank => "가상계좌 (Virtual account)",
            Method::Mobile => "휴대폰 결제 (Phone bill)",
            Method::Culture => "문화상품권 (Culture gift card)",
            Method::Hpmn => "해피머니 (Happy Money gift card)",
            Method::Dgcl => "스마트문화상품권 (Smart culture gift card)",
        }
    }
}

/// A validated mobile payment request (PROTOCOL.md 2.2).
#[derive(Clone, Serialize)]
pub struct PaymentRequest {
    /// Method.
    pub method: Method,
    /// `P_MID`.
    pub mid: String,
    /// `P_OID`.
    pub oid: String,
    /// `P_AMT` in won.
    pub amt: u64,
    /// `P_GOODS`.
    pub goods: String,
    /// `P_UNAME`.
    pub uname: String,
    /// `P_MNAME`.
    pub mname: String,
    /// `P_NEXT_URL`.
    pub next_url: String,
    /// `P_NOTI_URL`.
    pub noti_url: String,
    /// `P_RETURN_URL`.
    pub return_url: String,
    /// `P_NOTI` (merchant data echo).
    pub noti: String,
    /// Charset of results (`P_CHARSET`).
    pub charset: Charset,
    /// `P_HPP_METHOD`.
    pub hpp_method: String,
    /// `P_MOBILE`.
    pub mobile: String,
    /// `P_TAX` (VAT) when sent.
    pub tax: Option<u64>,
    /// `P_TAXFREE` (tax-free portion), 0 when not sent.
    pub taxfree: u64,
    /// `P_QUOTABASE` months offered from 50,000 won.
    pub quotabase: Vec<String>,
    /// `P_VBANK_DT` + `P_VBANK_TM`.
    pub vbank_deadline: Option<(String, String)>,
    /// `P_RESERVED` options, in order.
    pub reserved: Vec<(String, String)>,
    /// Whether `P_CHKFAKE` failed (amt_hash=Y): the window fails at once.
    pub chkfake_failed: bool,
}

impl PaymentRequest {
    /// Value of a `P_RESERVED` option.
    pub fn option(&self, name: &str) -> Option<&str> {
        self.reserved
            .iter()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.as_str())
    }

    /// Whether a `P_RESERVED` flag is `Y`.
    pub fn flag(&self, name: &str) -> bool {
        self.option(name) == Some("Y")
    }
}

/// Outcome of a test card number at approval.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub enum CardOutcome {
    /// Approved.
    Approve,
    /// Declined by the card company (승인거절).
    Decline,
    /// Insufficient funds / limit (잔액부족).
    InsufficientFunds,
}

impl CardOutcome {
    /// The documented test card numbers: `4000000000000002` declines,
    /// `4000000000009995` has insufficient funds, every other number approves.
    pub fn of_card_number(digits: &str) -> CardOutcome {
        match digits {
            "4000000000000002" => CardOutcome::Decline,
            "4000000000009995" => CardOutcome::InsufficientFunds,
            _ => CardOutcome::Approve,
        }
    }
}

/// What the tester chose in the payment window.
#[derive(Clone, Default, Serialize)]
pub struct Choice {
    /// Card company code (PROTOCOL.md 2.10), or bank code for BANK/VBANK.
    pub fn_code: String,
    /// Masked card number.
    pub card_masked: String,
    /// Installment months (`00` lump sum).
    pub quota: String,
    /// ISP authentication chosen (1trs unless `twotrs_isp=Y`).
    pub isp: bool,
    /// Carrier (`SKT`, `KTF`, `LGT`) for phone payments.
    pub carrier: String,
    /// Phone number for phone payments (kept digits-only).
    pub phone: String,
    /// Outcome at approval.
    pub outcome: Option<CardOutcome>,
    /// Cash receipt asked for in the window (BANK with `bank_receipt=Y`,
    /// VBANK with `vbank_receipt=Y`).
    pub cash_receipt: Option<CashReceipt>,
}

/// A cash receipt (현금영수증, PROTOCOL.md 2.5 "Cash receipt", 2.6, 5.7).
#[derive(Clone, Default, Serialize)]
pub struct CashReceipt {
    /// `0` income deduction (소득공제), `1` expense proof (지출증빙).
    pub kind: String,
    /// Identification number (phone, registration or business number).
    #[serde(skip)]
    pub number: String,
    /// Total = supply + tax + service.
    pub amount: u64,
    /// Supply value (공급가액).
    pub supply: u64,
    /// VAT (부가세).
    pub tax: u64,
    /// Service charge (봉사료).
    pub service: u64,
    /// Issue time `YYYYMMDDhhmmss`; empty until issued (VBANK: at deposit).
    pub issued_at: String,
    /// Approval number (9 digits); empty until issued.
    pub auth_no: String,
}

impl CashReceipt {
    /// Splits `amount` into (supply, VAT): `tax` when the merchant sent
    /// `P_TAX`, else 10% VAT included in the taxable part (`amount -
    /// taxfree`), rounded like `taxable - round(taxable / 1.1)`.
    ///
    /// ```
    /// use inipay_sandbox::state::CashReceipt;
    /// assert_eq!(CashReceipt::split(1000, None, 0), (909, 91));
    /// assert_eq!(CashReceipt::split(1000, None, 1000), (1000, 0));
    /// assert_eq!(CashReceipt::split(1000, Some(50), 0), (950, 50));
    /// ```
    pub fn split(amount: u64, tax: Option<u64>, taxfree: u64) -> (u64, u64) {
        let tax = tax.unwrap_or_else(|| {
            let taxable = amount.saturating_sub(taxfree);
            taxable - (taxable.saturating_mul(10).saturating_add(5) / 11).min(taxable)
        });
        let tax = tax.min(amount);
        (amount - tax, tax)
    }

    /// Whether it was issued (has an approval number).
    pub fn issued(&self) -> bool {
        !self.auth_no.is_empty()
    }
}

/// A cash receipt issued on its own through INIAPI v2 `/v2/pg/receipt`.
#[derive(Debug, Clone, Serialize)]
pub struct IssuedReceipt {
    /// TID of the issuance.
    pub tid: String,
    /// MID.
    pub mid: String,
    /// The receipt.
    pub receipt: CashReceipt,
}

/// Life of a payment-window session.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub enum SessionState {
    /// Window open.
    Pending,
    /// Authenticated; waiting for the merchant's approval call (2trs).
    Authenticated,
    /// Approved with this approval TID.
    Approved(String),
    /// Approval failed (declined card).
    Declined,
    /// Authentication failed or the user cancelled.
    Failed,
    /// Net-cancelled.
    NetCancelled,
}

/// One payment-window session, keyed by its auth TID (`INIMX_AUTH...`).
#[derive(Debug, Clone, Serialize)]
pub struct Session {
    /// Auth TID.
    pub auth_tid: String,
    /// The request.
    pub req: PaymentRequest,
    /// State.
    pub state: SessionState,
    /// Tester's choice (after completion).
    pub choice: Choice,
    /// Creation time (ms).
    pub created_ms: u64,
    /// The exact approval reply, replayed on repeat calls.
    #[serde(skip)]
    pub approval_reply: Option<std::sync::Arc<Vec<u8>>>,
}

/// Status of a transaction.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub enum TxnStatus {
    /// Approved, money captured (or VBANK deposited).
    Approved,
    /// VBANK account issued, no deposit yet.
    VbankWaiting,
    /// Fully cancelled / refunded.
    Cancelled,
    /// Net-cancelled right after approval.
    NetCancelled,
}

/// A virtual account.
#[derive(Clone, Serialize)]
pub struct VbankInfo {
    /// Account number.
    pub account: String,
    /// Bank code.
    pub bank_code: String,
    /// Deadline date `YYYYMMDD`.
    pub date: String,
    /// Deadline time `hhmmss`.
    pub time: String,
    /// Holder name.
    pub holder: String,
    /// Whether the deposit arrived.
    pub deposited: bool,
    /// Deposit time `YYYYMMDDhhmmss`; empty until the deposit.
    pub deposited_at: String,
}

/// One cancel or partial cancel applied to a transaction.
#[derive(Debug, Clone, Serialize)]
pub struct CancelRecord {
    /// TID of the cancel (new TID for partial cancels, the original for full).
    pub tid: String,
    /// Amount cancelled.
    pub price: u64,
    /// Amount remaining after it.
    pub remains: u64,
    /// `YYYYMMDDhhmmss`.
    pub at: String,
}

/// Where a transaction came from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub enum Origin {
    /// Mobile WEB window + approval.
    Mobile,
    /// INIAPI billing charge.
    Billing,
}

/// An approved transaction (what refunds and inquiries see).
#[derive(Clone, Serialize)]
pub struct Txn {
    /// Approval TID.
    pub tid: String,
    /// Auth TID for mobile transactions.
    pub auth_tid: String,
    /// MID.
    pub mid: String,
    /// Order id.
    pub oid: String,
    /// Method.
    pub method: Method,
    /// ISP card.
    pub isp: bool,
    /// Origin.
    pub origin: Origin,
    /// Approved amount.
    pub amount: u64,
    /// Amount not yet cancelled.
    pub remaining: u64,
    /// Number of partial cancels.
    pub partial_cancels: u32,
    /// Status.
    pub status: TxnStatus,
    /// Approval time `YYYYMMDDhhmmss`.
    pub auth_dt: String,
    /// Card approval number.
    pub auth_no: String,
    /// Card/bank code.
    pub fn_code: String,
    /// Masked card number.
    pub card_masked: String,
    /// Installments.
    pub quota: String,
    /// Goods name.
    pub goods: String,
    /// Buyer name.
    pub buyer: String,
    /// Virtual account.
    pub vbank: Option<VbankInfo>,
    /// P_NOTI_URL of the payment.
    pub noti_url: String,
    /// P_NOTI echo.
    pub p_noti: String,
    /// Charset of the payment's results.
    pub charset: Charset,
    /// Cancels applied.
    pub cancels: Vec<CancelRecord>,
    /// Cash receipt of a BANK/VBANK payment, when one was asked for.
    pub cash_receipt: Option<CashReceipt>,
    /// Escrow state of a payment made with `useescrow=Y` (PROTOCOL.md 4.6).
    pub escrow: Option<Escrow>,
}

/// Escrow (에스크로) life of a payment (PROTOCOL.md 4.6; the states are (I)).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub enum Escrow {
    /// Paid, waiting for the merchant's delivery registration (`Dlv`).
    AwaitingDelivery,
    /// Delivery registered; the buyer may confirm or refuse.
    Delivered,
    /// The buyer refused and the merchant confirmed the refusal (`Dncf`):
    /// the payment is cancelled.
    RefusalConfirmed,
}

/// A remembered billing key (PROTOCOL.md 3, 7.2).
#[derive(Clone, Serialize)]
pub struct Billkey {
    /// The 40-hex billkey (plain, even when it was delivered encrypted).
    #[serde(skip)]
    pub key: String,
    /// MID it belongs to.
    pub mid: String,
    /// The order id of the issuance (`orderid`, or the payment's `P_OID`).
    pub oid: String,
    /// `Card` or `HPP`.
    pub paymethod: &'static str,
    /// Card code or carrier.
    pub code: String,
    /// Masked card or phone number.
    pub masked: String,
    /// Phone billing: the amount every charge must equal (first charge).
    pub fixed_amount: Option<u64>,
    /// Number of charges made.
    pub charges: u32,
}

/// A billing-key issuance window session.
#[derive(Clone)]
pub struct BillSession {
    /// Which window.
    pub kind: BillKind,
    /// The decoded request fields, as sent.
    pub form: crate::wire::Form,
}

/// The billing window flavour.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub enum BillKind {
    /// `/inibill/inibill_card.jsp`.
    InibillCard,
    /// `/inibill/inibill_hpp.jsp`.
    InibillHpp,
    /// `/pay/card/billing` (inilitepay).
    Inilitepay,
}

/// One notification attempt, as recorded.
#[derive(Debug, Clone, Serialize)]
pub struct NotiAttempt {
    /// Job id.
    pub job: u64,
    /// TID notified.
    pub tid: String,
    /// `P_STATUS` of the noti.
    pub status: String,
    /// Target URL.
    pub url: String,
    /// 1-based attempt number of this job.
    pub attempt: u32,
    /// Clock time of the attempt (ms).
    pub at_ms: u64,
    /// HTTP status, if a response came.
    pub http_status: Option<u16>,
    /// First 200 bytes of the reply (lossy UTF-8).
    pub reply: String,
    /// Whether the reply was exactly `OK`.
    pub delivered: bool,
    /// Transport error, if any.
    pub error: Option<String>,
}

/// A notification waiting for (re)delivery.
#[derive(Clone, Serialize)]
pub struct NotiJob {
    /// Id.
    pub id: u64,
    /// TID.
    pub tid: String,
    /// `P_STATUS` in the body.
    pub status: String,
    /// Target URL.
    pub url: String,
    /// Exact form body bytes.
    #[serde(skip)]
    pub body: Vec<u8>,
    /// Charset of the body.
    pub charset: Charset,
    /// When it was first due (ms).
    pub first_ms: u64,
    /// When the next attempt is due (ms).
    pub next_ms: u64,
    /// Attempts so far.
    pub attempts: u32,
    /// Delivered (`OK` received) or given up.
    pub done: bool,
    /// Claimed source address header value.
    pub source_addr: Option<String>,
    /// Send once more even after `OK` (duplicate fault).
    pub duplicate: bool,
}

/// All mutable sandbox state.
#[derive(Debug, Default)]
pub struct State {
    /// Sessions by auth TID.
    pub sessions: HashMap<String, Session>,
    /// Transactions by approval TID.
    pub txns: HashMap<String, Txn>,
    /// Approval TIDs in creation order.
    pub txn_order: Vec<String>,
    /// Partial-cancel TID -> original TID.
    pub partial_tids: HashMap<String, String>,
    /// Billing keys by plain key.
    pub billkeys: HashMap<String, Billkey>,
    /// Billing windows by session id.
    pub bill_sessions: HashMap<String, BillSession>,
    /// Notification jobs.
    pub noti_jobs: Vec<NotiJob>,
    /// A job held back by the re-order fault, released after the next one.
    pub noti_held: Option<NotiJob>,
    /// Every attempt.
    pub noti_attempts: Vec<NotiAttempt>,
    /// Injected faults.
    pub faults: Faults,
    /// Cash receipts issued through `/v2/pg/receipt`.
    pub receipts: Vec<IssuedReceipt>,
}

impl State {
    /// The transaction a TID refers to: an approval TID or a partial-cancel
    /// TID of it.
    pub fn txn_id_for(&self, tid: &str) -> Option<String> {
        if self.txns.contains_key(tid) {
            return Some(tid.to_owned());
        }
        self.partial_tids.get(tid).cloned()
    }

    /// Adds a transaction.
    pub fn insert_txn(&mut self, t: Txn) {
        self.txn_order.push(t.tid.clone());
        self.txns.insert(t.tid.clone(), t);
    }

    /// Transactions with this order id, newest last.
    pub fn txns_by_oid(&self, mid: &str, oid: &str) -> Vec<&Txn> {
        self.txn_order
            .iter()
            .filter_map(|t| self.txns.get(t))
            .filter(|t| t.mid == mid && t.oid == oid)
            .collect()
    }
}

// Manual Debug impls: no buyer name, phone, account, billkey or body bytes in
// a Debug print (house rules); identifiers and amounts only.

impl fmt::Debug for PaymentRequest {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("PaymentRequest")
            .field("method", &self.method)
            .field("mid", &self.mid)
            .field("oid", &self.oid)
            .field("amt", &self.amt)
            .field("charset", &self.charset)
            .field("reserved", &self.reserved)
            .finish_non_exhaustive()
    }
}

impl fmt::Debug for Choice {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Choice")
            .field("fn_code", &self.fn_code)
            .field("card_masked", &self.card_masked)
            .field("quota", &self.quota)
            .field("isp", &self.isp)
            .field("carrier", &self.carrier)
            .field("outcome", &self.outcome)
            .finish_non_exhaustive()
    }
}

impl fmt::Debug for CashReceipt {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("CashReceipt")
            .field("kind", &self.kind)
            .field("amount", &self.amount)
            .field("supply", &self.supply)
            .field("tax", &self.tax)
            .field("issued", &self.issued())
            .finish_non_exhaustive()
    }
}

impl fmt::Debug for VbankInfo {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("VbankInfo")
            .field("bank_code", &self.bank_code)
            .field("date", &self.date)
            .field("time", &self.time)
            .field("deposited", &self.deposited)
            .finish_non_exhaustive()
    }
}

impl fmt::Debug for Txn {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Txn")
            .field("tid", &self.tid)
            .field("mid", &self.mid)
            .field("oid", &self.oid)
            .field("method", &self.method)
            .field("amount", &self.amount)
            .field("remaining", &self.remaining)
            .field("partial_cancels", &self.partial_cancels)
            .field("status", &self.status)
            .field("vbank", &self.vbank)
            .finish_non_exhaustive()
    }
}

impl fmt::Debug for Billkey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Billkey")
            .field("key", &"<redacted>")
            .field("mid", &self.mid)
            .field("oid", &self.oid)
            .field("paymethod", &self.paymethod)
            .field("fixed_amount", &self.fixed_amount)
            .field("charges", &self.charges)
            .finish_non_exhaustive()
    }
}

impl fmt::Debug for BillSession {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("BillSession")
            .field("kind", &self.kind)
            .finish_non_exhaustive()
    }
}

impl fmt::Debug for NotiJob {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("NotiJob")
            .field("id", &self.id)
            .field("tid", &self.tid)
            .field("status", &self.status)
            .field("url", &self.url)
            .field("attempts", &self.attempts)
            .field("next_ms", &self.next_ms)
            .field("done", &self.done)
            .finish_non_exhaustive()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    proptest::proptest! {
        #[test]
        fn cash_receipt_parts_always_add_up(amount in 0u64..=u64::MAX / 16, tax in proptest::option::of(0u64..=u64::MAX / 16), taxfree in 0u64..=u64::MAX / 16) {
            let (supply, vat) = CashReceipt::split(amount, tax, taxfree);
            proptest::prop_assert_eq!(supply + vat, amount);
            if tax.is_none() {
                // VAT is at most a tenth of the taxable part, rounded.
                proptest::prop_assert!(vat <= amount.saturating_sub(taxfree) / 10 + 1);
            }
        }
    }

    #[test]
    fn debug_hides_personal_data_and_billkeys() {
        let b = Billkey {
            key: "734f880246ece4ffdba841c1436399c9968d32cc".into(),
            mid: "INIBillTst".into(),
            oid: "BILL-1".into(),
            paymethod: "HPP",
            code: "SKT".into(),
            masked: "010****2222".into(),
            fixed_amount: Some(1000),
            charges: 0,
        };
        assert!(!format!("{b:?}").contains("734f88"));
        let c = Choice {
            phone: "01011112222".into(),
            ..Choice::default()
        };
        assert!(!format!("{c:?}").contains("01011112222"));
        let r = CashReceipt {
            number: "01099998888".into(),
            ..CashReceipt::default()
        };
        assert!(!format!("{r:?}").contains("01099998888"));
    }
}
