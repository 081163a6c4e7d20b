//! INIAPI (PROTOCOL.md 4-5): billing charges, refunds, partial refunds and
//! inquiry over the sandbox state, shared by the v1 (form) and v2 (JSON)
//! front ends.

pub mod v1;
pub mod v2;

use crate::faults::HttpFaults;
use crate::server::{self, Shared};
use crate::state::{CancelRecord, Method, Origin, State as Mem, Txn, TxnStatus};
use axum::http::StatusCode;
use axum::response::Response;
use serde::ser::{Serialize, SerializeMap, Serializer};

/// An ordered JSON object with string values (INIAPI replies use strings).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Reply(pub Vec<(&'static str, String)>);

impl Serialize for Reply {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let mut m = s.serialize_map(Some(self.0.len()))?;
        for (k, v) in &self.0 {
            m.serialize_entry(k, v)?;
        }
        m.end()
    }
}

impl Reply {
    /// A failure reply.
    pub fn fail(code: &str, msg: &str) -> Reply {
        Reply(vec![("resultCode", code.into()), ("resultMsg", msg.into())])
    }

    /// Value of a field.
    pub fn get(&self, k: &str) -> Option<&str> {
        self.0
            .iter()
            .find(|(n, _)| *n == k)
            .map(|(_, v)| v.as_str())
    }
}

pub(crate) fn json(reply: &Reply) -> Response {
    server::respond(
        StatusCode::OK,
        "application/json;charset=UTF-8",
        serde_json::to_vec(reply).unwrap_or_default(),
    )
}

/// Parameter error (`ER0102`, PROTOCOL.md 4.2).
pub(crate) fn param_error(field: &str) -> Reply {
    Reply::fail(
        "01",
        &format!("[ER0102][파라미터 값 오류|{field} (bad or missing parameter)]"),
    )
}

/// Hash mismatch.
pub(crate) fn hash_error() -> Reply {
    Reply::fail("01", "[ER0105][hashData 검증 실패 (hashData mismatch)]")
}

/// Unknown MID or no INIAPI key configured.
pub(crate) fn mid_error() -> Reply {
    Reply::fail("01", "[ER0101][등록되지 않은 상점 (unknown MID)]")
}

/// The refund paymethod a transaction needs (PROTOCOL.md 4.1).
pub fn expected_paymethod(t: &Txn) -> &'static str {
    match t.method {
        Method::Card => "Card",
        Method::Bank => "Acct",
        Method::Vbank if t.status == TxnStatus::VbankWaiting => "GVacct",
        Method::Vbank => "Vacct",
        Method::Mobile => "HPP",
        Method::Culture | Method::Hpmn | Method::Dgcl => "Voucher",
    }
}

pub(crate) fn split_ts(ts: &str) -> (String, String) {
    (ts[..8].to_owned(), ts[8..].to_owned())
}

fn already_cancelled() -> Reply {
    let mut r = Reply::fail("01", "기 취소 거래");
    r.0.push(("detailResultCode", "512626".into()));
    r
}

fn find<'a>(st: &'a mut Mem, mid: &str, tid: &str) -> Result<&'a mut Txn, Reply> {
    let id = st
        .txn_id_for(tid)
        .ok_or_else(|| Reply::fail("01", NO_SUCH_TXN))?;
    match st.txns.get_mut(&id) {
        Some(t) if t.mid == mid => Ok(t),
        _ => Err(Reply::fail("01", NO_SUCH_TXN)),
    }
}

/// A refund request after decoding.
#[derive(Debug, Clone)]
pub(crate) struct RefundReq<'a> {
    pub mid: &'a str,
    pub tid: &'a str,
    /// Paymethod to check against the transaction; `None` = not given (v2).
    pub paymethod: Option<&'a str>,
    /// Whether the vacct variant (refund account given) was used.
    pub vacct: bool,
    /// Partial: (price, confirmPrice).
    pub partial: Option<(u64, u64)>,
}

/// Full or partial refund (PROTOCOL.md 4.3, 4.4).
pub(crate) fn refund(sh: &Shared, st: &mut Mem, r: &RefundReq<'_>) -> Reply {
    let now = sh.clock.kst_timestamp();
    let strict = sh.cfg.strict_paymethod;
    let check_confirm = sh.cfg.check_confirm_price;
    let new_tid_prefix;
    {
        let t = match find(st, r.mid, r.tid) {
            Ok(t) => t,
            Err(e) => return e,
        };
        if matches!(t.status, TxnStatus::Cancelled | TxnStatus::NetCancelled) {
            return already_cancelled();
        }
        let want = expected_paymethod(t);
        if strict
            && let Some(pm) = r.paymethod
            && pm != want
        {
            return Reply::fail(
                "01",
                &format!("[결제수단 불일치] paymethod must be {want} for this transaction"),
            );
        }
        if r.vacct != (want == "Vacct") {
            return Reply::fail(
                "01",
                "[결제수단 불일치] refund account only for deposited virtual accounts",
            );
        }
        new_tid_prefix = t.tid.chars().take(10).collect::<String>();
        let (date, time) = split_ts(&now);
        match r.partial {
            None => {
                // An issued cash receipt is cancelled with the payment.
                let cshr_cancel = if t.cash_receipt.as_ref().is_some_and(|c| c.issued()) {
                    sh.digits(9)
                } else {
                    String::new()
                };
                t.cancels.push(CancelRecord {
                    tid: t.tid.clone(),
                    price: t.remaining,
                    remains: 0,
                    at: now.clone(),
                });
                t.remaining = 0;
                t.status = TxnStatus::Cancelled;
                return Reply(vec![
                    ("resultCode", "00".into()),
                    ("resultMsg", "정상처리되었습니다.".into()),
                    ("cancelDate", date),
                    ("cancelTime", time),
                    ("receiptInfo", String::new()),
                    ("cshrCancelNum", cshr_cancel),
                    ("detailResultCode", String::new()),
                ]);
            }
            Some((price, confirm)) => {
                if t.status == TxnStatus::VbankWaiting {
                    return Reply::fail(
                        "01",
                        "[부분취소 불가] 입금 전 가상계좌는 부분취소할 수 없습니다. (no partial cancel before deposit)",
                    );
                }
                if price == 0 || price > t.remaining {
                    return Reply::fail(
                        "01",
                        &format!(
                            "[부분취소 실패] 취소금액 오류 (price must be 1..={})",
                            t.remaining
                        ),
                    );
                }
                if check_confirm && confirm != t.remaining - price {
                    return Reply::fail(
                        "01",
                        "[부분취소 실패] 재승인 금액 불일치 (confirmPrice must equal remaining - price)",
                    );
                }
            }
        }
    }
    let Some((price, _)) = r.partial else {
        return Reply::default();
    };
    let new_tid = sh.tid(&new_tid_prefix, r.mid);
    let Ok(t) = find(st, r.mid, r.tid) else {
        return Reply::default();
    };
    t.remaining -= price;
    t.partial_cancels += 1;
    if t.remaining == 0 {
        t.status = TxnStatus::Cancelled;
    }
    t.cancels.push(CancelRecord {
        tid: new_tid.clone(),
        price,
        remains: t.remaining,
        at: now.clone(),
    });
    let orig = t.tid.clone();
    let (remains, cnt) = (t.remaining, t.partial_cancels);
    st.partial_tids.insert(new_tid.clone(), orig.clone());
    let (date, time) = split_ts(&now);
    Reply(vec![
        ("resultCode", "00".into()),
        ("resultMsg", "정상처리되었습니다.".into()),
        ("tid", new_tid),
        ("prtcTid", orig),
        ("prtcPrice", price.to_string()),
        ("prtcRemains", remains.to_string()),
        ("prtcCnt", cnt.to_string()),
        ("prtcType", "1".into()),
        ("prtcDate", date),
        ("prtcTime", time),
    ])
}

/// A billing charge after decoding.
#[derive(Debug, Clone)]
pub(crate) struct ChargeReq<'a> {
    pub mid: &'a str,
    pub paymethod: &'a str,
    pub moid: &'a str,
    pub price: &'a str,
    pub billkey: &'a str,
    pub goods: &'a str,
    pub buyer: &'a str,
    pub quota: &'a str,
}

/// Billing approval (PROTOCOL.md 4.2, 5.2).
pub(crate) fn charge(sh: &Shared, st: &mut Mem, r: &ChargeReq<'_>) -> Reply {
    let price: u64 = match r.price.parse() {
        Ok(p) if r.price.bytes().all(|b| b.is_ascii_digit()) => p,
        _ => return param_error("price"),
    };
    if price == 0 {
        return Reply::fail("01", "[1113][실시간빌링실패|요청금액 0원 이하]");
    }
    let not_registered = || {
        Reply::fail(
            "01",
            "[1195][실시간빌링실패|빌링 미등록 (billing key not registered)]",
        )
    };
    let Some(bk) = st.billkeys.get_mut(r.billkey) else {
        return not_registered();
    };
    if bk.mid != r.mid || bk.paymethod != r.paymethod {
        return not_registered();
    }
    if let Some(fixed) = bk.fixed_amount
        && fixed != price
    {
        return Reply::fail(
            "01",
            &format!(
                "[1196][휴대폰빌링실패|최초 결제금액과 동일해야 합니다 (phone billing must charge {fixed} won every time)]"
            ),
        );
    }
    bk.charges += 1;
    let hpp = r.paymethod == "HPP";
    let (code, masked) = (bk.code.clone(), bk.masked.clone());
    let now = sh.clock.kst_timestamp();
    let tid = sh.tid(if hpp { "INIAPIHPP_" } else { "INIAPICARD" }, r.mid);
    let auth_no = if hpp { String::new() } else { sh.digits(8) };
    let quota = if r.quota.is_empty() { "00" } else { r.quota };
    st.insert_txn(Txn {
        tid: tid.clone(),
        auth_tid: String::new(),
        mid: r.mid.into(),
        oid: r.moid.into(),
        method: if hpp { Method::Mobile } else { Method::Card },
        isp: false,
        origin: Origin::Billing,
        amount: price,
        remaining: price,
        partial_cancels: 0,
        status: TxnStatus::Approved,
        auth_dt: now.clone(),
        auth_no: auth_no.clone(),
        fn_code: code.clone(),
        card_masked: masked,
        quota: quota.into(),
        goods: r.goods.into(),
        buyer: r.buyer.into(),
        vbank: None,
        noti_url: String::new(),
        p_noti: String::new(),
        charset: crate::wire::Charset::Utf8,
        cancels: Vec::new(),
        cash_receipt: None,
        escrow: None,
    });
    let (date, time) = split_ts(&now);
    let mut out = vec![
        ("resultCode", "00".to_owned()),
        (
            "resultMsg",
            if hpp {
                "[휴대폰|빌링이 정상적으로 이루어졌습니다.]".to_owned()
            } else {
                "[신용카드|빌링이 정상적으로 이루어졌습니다.]".to_owned()
            },
        ),
        ("tid", tid),
        ("payDate", date),
        ("payTime", time),
    ];
    if hpp {
        out.push(("hppCorp", code));
    } else {
        out.extend([
            ("payAuthCode", auth_no),
            ("cardCode", code),
            ("checkFlg", "0".into()),
            ("payAuthQuota", quota.into()),
            ("prtcCode", "1".into()),
        ]);
    }
    out.push(("price", price.to_string()));
    Reply(out)
}

/// Cash receipt issued on its own (현금영수증 별도발행, PROTOCOL.md 5.7):
/// `price = supplyPrice + tax + servicePrice`, `issueType` `0` income
/// deduction or `1` expense proof, `issueNumber` `[ENC]` (AES-128-CBC with
/// the INIAPI key and IV) decrypting to 8-20 digits (phone, registration or
/// business number). The reply fields are (I): no capture is public.
pub(crate) fn receipt(
    sh: &Shared,
    st: &mut Mem,
    mid: &str,
    key: &str,
    iv: &str,
    g: &dyn Fn(&str) -> String,
) -> Reply {
    for n in [
        "price",
        "supplyPrice",
        "tax",
        "servicePrice",
        "issueType",
        "issueNumber",
        "goodName",
        "buyerName",
    ] {
        if g(n).is_empty() {
            return param_error(n);
        }
    }
    let num = |n: &'static str| -> Result<u64, Reply> {
        let v = g(n);
        if !v.bytes().all(|b| b.is_ascii_digit()) {
            return Err(param_error(n));
        }
        v.parse::<u64>().map_err(|_| param_error(n))
    };
    let (price, supply, tax, service) = match (
        num("price"),
        num("supplyPrice"),
        num("tax"),
        num("servicePrice"),
    ) {
        (Ok(a), Ok(b), Ok(c), Ok(d)) => (a, b, c, d),
        (Err(e), ..) | (_, Err(e), ..) | (_, _, Err(e), _) | (.., Err(e)) => return e,
    };
    if price == 0 || supply.checked_add(tax).and_then(|x| x.checked_add(service)) != Some(price) {
        return param_error("price (must equal supplyPrice + tax + servicePrice, above 0)");
    }
    let kind = g("issueType");
    if !matches!(kind.as_str(), "0" | "1") {
        return param_error("issueType (0 or 1)");
    }
    let number =
        match crate::wire::aes128_decrypt_b64(key.as_bytes(), iv.as_bytes(), &g("issueNumber")) {
            Ok(n) if (8..=20).contains(&n.len()) && n.bytes().all(|b| b.is_ascii_digit()) => n,
            _ => return param_error("issueNumber ([ENC] AES-128-CBC)"),
        };
    let now = sh.clock.kst_timestamp();
    let tid = sh.tid("INIAPIRCPT", mid);
    let auth_no = sh.digits(9);
    st.receipts.push(crate::state::IssuedReceipt {
        tid: tid.clone(),
        mid: mid.to_owned(),
        receipt: crate::state::CashReceipt {
            kind: kind.clone(),
            number,
            amount: price,
            supply,
            tax,
            service,
            issued_at: now.clone(),
            auth_no: auth_no.clone(),
        },
    });
    let (date, time) = split_ts(&now);
    Reply(vec![
        ("resultCode", "00".into()),
        ("resultMsg", "정상처리되었습니다.".into()),
        ("tid", tid),
        ("authNo", auth_no),
        ("authDate", date),
        ("authTime", time),
        ("price", price.to_string()),
        ("issueType", kind),
    ])
}

fn escrow_txn<'a>(st: &'a mut Mem, mid: &str, tid: &str) -> Result<&'a mut Txn, Reply> {
    let t = find(st, mid, tid)?;
    if t.escrow.is_none() {
        return Err(Reply::fail(
            "01",
            "[에스크로 거래 아님] 에스크로 결제가 아닙니다. (not an escrow payment)",
        ));
    }
    Ok(t)
}

/// Escrow delivery registration (`Dlv`, PROTOCOL.md 4.6).
pub(crate) fn escrow_delivery(
    sh: &Shared,
    st: &mut Mem,
    mid: &str,
    tid: &str,
    oid: &str,
    price: &str,
) -> Reply {
    let now = sh.clock.kst_timestamp();
    let t = match escrow_txn(st, mid, tid) {
        Ok(t) => t,
        Err(r) => return r,
    };
    if t.oid != oid || t.amount.to_string() != price {
        return Reply::fail(
            "01",
            "[배송등록 실패] 주문번호 또는 금액 불일치 (oid or price does not match the payment)",
        );
    }
    match (t.status, t.escrow) {
        (TxnStatus::Approved, Some(crate::state::Escrow::AwaitingDelivery)) => {}
        (TxnStatus::Approved, _) => {
            return Reply::fail(
                "01",
                "[배송등록 실패] 이미 배송등록된 거래 (delivery already registered)",
            );
        }
        _ => return already_cancelled(),
    }
    t.escrow = Some(crate::state::Escrow::Delivered);
    let (date, time) = split_ts(&now);
    Reply(vec![
        ("resultCode", "00".into()),
        ("resultMsg", "정상처리되었습니다.".into()),
        ("tid", t.tid.clone()),
        ("dlvDate", date),
        ("dlvTime", time),
    ])
}

/// Escrow refusal confirmation (`Dncf`, PROTOCOL.md 4.6): cancels the payment.
pub(crate) fn escrow_refusal(sh: &Shared, st: &mut Mem, mid: &str, tid: &str) -> Reply {
    let now = sh.clock.kst_timestamp();
    let t = match escrow_txn(st, mid, tid) {
        Ok(t) => t,
        Err(r) => return r,
    };
    if matches!(t.status, TxnStatus::Cancelled | TxnStatus::NetCancelled) {
        return already_cancelled();
    }
    if t.escrow != Some(crate::state::Escrow::Delivered) {
        return Reply::fail(
            "01",
            "[거절확인 실패] 배송등록 전 거래 (no delivery registered yet)",
        );
    }
    t.escrow = Some(crate::state::Escrow::RefusalConfirmed);
    t.cancels.push(CancelRecord {
        tid: t.tid.clone(),
        price: t.remaining,
        remains: 0,
        at: now.clone(),
    });
    t.remaining = 0;
    t.status = TxnStatus::Cancelled;
    let (date, time) = split_ts(&now);
    Reply(vec![
        ("resultCode", "00".into()),
        ("resultMsg", "정상처리되었습니다.".into()),
        ("tid", t.tid.clone()),
        ("cancelDate", date),
        ("cancelTime", time),
    ])
}

/// Inquiry status code (PROTOCOL.md 4.5): `0` approved (also after partial
/// refunds that leave something), `1` cancelled (full refund, refunds down to
/// zero, net-cancel, escrow refusal), and for virtual accounts `N` issued and
/// waiting, `Y` deposited, `C` cancelled before the deposit. A deposited
/// virtual account refunded in full reports `1` (the sandbox's choice: `C`
/// only means "before deposit"). The v2 `transactionStatus` uses the same
/// values (the sandbox's choice, PROTOCOL.md 8.13). `9` (no such
/// transaction) is [`STATUS_UNKNOWN`].
pub fn status_code(t: &Txn) -> &'static str {
    let deposited = t.vbank.as_ref().is_some_and(|v| v.deposited);
    match (t.method, t.status) {
        (Method::Vbank, TxnStatus::VbankWaiting) => "N",
        (Method::Vbank, TxnStatus::Approved) => "Y",
        (Method::Vbank, _) if !deposited => "C",
        (_, TxnStatus::Approved | TxnStatus::VbankWaiting) => "0",
        _ => "1",
    }
}

/// Inquiry status of an unknown transaction (PROTOCOL.md 4.5).
pub const STATUS_UNKNOWN: &str = "9";

/// Finds a transaction for an inquiry by TID or order id.
pub(crate) fn lookup<'a>(st: &'a Mem, mid: &str, tid: &str, oid: &str) -> Option<&'a Txn> {
    if !tid.is_empty() {
        let id = st.txn_id_for(tid)?;
        return st.txns.get(&id).filter(|t| t.mid == mid);
    }
    if !oid.is_empty() {
        return st.txns_by_oid(mid, oid).last().copied();
    }
    None
}

/// Paymethod name of a transaction in inquiry replies.
pub fn paymethod_name(t: &Txn) -> &'static str {
    match t.method {
        Method::Card => "Card",
        Method::Bank => "DirectBank",
        Method::Vbank => "VBank",
        Method::Mobile => "HPP",
        _ => "Voucher",
    }
}

/// A virtual account as an inquiry reports it.
#[derive(Debug, Clone)]
pub(crate) struct InquiredVacct {
    pub account: String,
    pub bank_code: String,
    pub holder: String,
    /// Deadline `YYYYMMDDhhmmss`.
    pub valid: String,
    /// `N` waiting, `Y` deposited, `C` cancelled before deposit.
    pub deposit_status: &'static str,
    /// Deposited amount (0 before the deposit).
    pub deposit_amount: u64,
    /// Deposit time `YYYYMMDDhhmmss`, empty before the deposit.
    pub deposited_at: String,
}

/// What an inquiry reports about a transaction, shared by the v1 and v2
/// renderings: the truth, then the inquiry faults applied to it.
#[derive(Debug, Clone)]
pub(crate) struct Inquired {
    pub tid: String,
    pub mid: String,
    pub oid: String,
    pub price: u64,
    pub remaining: u64,
    pub status: String,
    pub paymethod: &'static str,
    /// Approval time `YYYYMMDDhhmmss`.
    pub auth_dt: String,
    pub auth_no: String,
    pub goods: String,
    pub buyer: String,
    /// Partial cancels (each with its own TID).
    pub partials: Vec<CancelRecord>,
    pub vacct: Option<InquiredVacct>,
}

impl Inquired {
    fn of(t: &Txn) -> Inquired {
        let status = status_code(t);
        Inquired {
            tid: t.tid.clone(),
            mid: t.mid.clone(),
            oid: t.oid.clone(),
            price: t.amount,
            remaining: t.remaining,
            status: status.to_owned(),
            paymethod: paymethod_name(t),
            auth_dt: t.auth_dt.clone(),
            auth_no: t.auth_no.clone(),
            goods: t.goods.clone(),
            buyer: t.buyer.clone(),
            partials: t
                .cancels
                .iter()
                .filter(|c| c.tid != t.tid)
                .cloned()
                .collect(),
            vacct: t.vbank.as_ref().map(|v| InquiredVacct {
                account: v.account.clone(),
                bank_code: v.bank_code.clone(),
                holder: v.holder.clone(),
                valid: format!("{}{}", v.date, v.time),
                deposit_status: match (v.deposited, status) {
                    (true, _) => "Y",
                    (false, "N") => "N",
                    (false, _) => "C",
                },
                deposit_amount: if v.deposited { t.amount } else { 0 },
                deposited_at: v.deposited_at.clone(),
            }),
        }
    }

    /// Applies the disagreeing inquiry faults ([`crate::faults::Fault`]).
    fn tampered(mut self, f: &HttpFaults) -> Inquired {
        if let Some(s) = &f.inquiry_status {
            self.status = s.clone();
        }
        if f.tamper_amount {
            self.price += 1;
            if let Some(v) = self.vacct.as_mut().filter(|v| v.deposit_amount > 0) {
                v.deposit_amount += 1;
            }
        }
        if f.tamper_oid {
            self.oid.push('X');
        }
        if f.tamper_tid {
            self.tid = change_last(&self.tid);
        }
        if f.tamper_mid {
            self.mid = change_last(&self.mid);
        }
        self
    }
}

/// `s` with its last character replaced by another one of the same kind
/// (digit by digit, otherwise `X`/`Y`).
fn change_last(s: &str) -> String {
    let mut chars: Vec<char> = s.chars().collect();
    let new = match chars.pop() {
        Some(d @ '0'..='9') => char::from(b'0' + (d as u8 - b'0' + 1) % 10),
        Some('X') => 'Y',
        _ => 'X',
    };
    chars.push(new);
    chars.into_iter().collect()
}

/// Inquiry (PROTOCOL.md 4.5, 5.6) by TID (an approval or partial-cancel TID)
/// or, without one, the newest transaction of the order id; `Err(status)` for
/// no such transaction under this MID, with the status to report (`9`, or
/// the `InquiryStatus` fault's).
pub(crate) fn inquire(
    st: &Mem,
    mid: &str,
    tid: &str,
    oid: &str,
    faults: &HttpFaults,
) -> Result<Inquired, String> {
    match lookup(st, mid, tid, oid) {
        Some(t) => Ok(Inquired::of(t).tampered(faults)),
        None => Err(faults
            .inquiry_status
            .clone()
            .unwrap_or_else(|| STATUS_UNKNOWN.to_owned())),
    }
}

/// `resultMsg` of an inquiry for an unknown transaction.
pub(crate) const NO_SUCH_TXN: &str = "[거래 없음] 해당 거래가 없습니다. (no such transaction)";

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn change_last_keeps_the_layout() {
        assert_eq!(
            change_last("INIMX_CARDINIpayTest20240101120000000009"),
            "INIMX_CARDINIpayTest20240101120000000000"
        );
        assert_eq!(change_last("INIpayTest"), "INIpayTesX");
        assert_eq!(change_last("MIDX"), "MIDY");
        assert_eq!(change_last(""), "X");
    }
}
