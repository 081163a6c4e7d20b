//! Typed `P_RESERVED` options (PROTOCOL.md 2.2.1).
//!
//! `P_RESERVED` is an `&`-joined option list, the only field where `&` and `=`
//! may appear inside a value. Each known option is a typed field here; options
//! we do not model go in [`Reserved::extra`].
//!
//! ```
//! use inipay_core::mobile::{Method, Reserved};
//! let r = Reserved::recommended();
//! assert_eq!(
//!     r.render(&Method::Card, true).unwrap(),
//!     "twotrs_isp=Y&block_isp=Y&twotrs_isp_noti=N&apprun_check=Y&centerCd=Y&amt_hash=Y"
//! );
//! ```

use super::Method;
use crate::types::{FieldError, FieldErrorKind};

/// Phone carriers for `hpp_corp` / `hpp_default_corp`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Carrier {
    /// SK Telecom (`SKT`).
    Skt,
    /// KT (`KTF`).
    Kt,
    /// LG U+ (`LGT`).
    Lgu,
}

impl Carrier {
    /// The INICIS code.
    pub fn code(self) -> &'static str {
        match self {
            Carrier::Skt => "SKT",
            Carrier::Kt => "KTF",
            Carrier::Lgu => "LGT",
        }
    }
}

/// `P_RESERVED` options.
///
/// [`Reserved::recommended`] is what a modern integration sends: every card
/// and bank payment in the two-transaction flow, `centerCd=Y` (which the
/// manual marks required) and app-run checks.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Reserved {
    /// Card: `twotrs_isp=Y&block_isp=Y&twotrs_isp_noti=N` (ISP in 2trs; "must be
    /// sent for card"). Without it ISP completes in the 1trs flow.
    pub twotrs_isp: bool,
    /// Bank transfer in 2trs (`twotrs_bank=Y`). Without it, bank transfer is
    /// 1trs (result on `P_NOTI_URL`).
    pub twotrs_bank: bool,
    /// `apprun_check=Y`: launch ISP/bank apps via intent and check
    /// installation. Not together with `app_scheme`.
    pub apprun_check: bool,
    /// `app_scheme=...`: return to this app after the ISP/bank app (iOS).
    pub app_scheme: Option<String>,
    /// `iosapp=Y`: iOS app bank transfer (with `app_scheme`).
    pub ios_app: bool,
    /// `centerCd=Y`: return `idc_name` with the auth result.
    pub center_cd: bool,
    /// `below1000=Y`: allow card payments below 1,000 won.
    pub below_1000: bool,
    /// `vbank_receipt=Y`: cash-receipt UI for virtual accounts.
    pub vbank_receipt: bool,
    /// `bank_receipt=Y|N`: cash-receipt UI for bank transfer.
    pub bank_receipt: Option<bool>,
    /// `cp_yn=Y`: allow card points.
    pub card_points: bool,
    /// `useescrow=Y`: escrow window (escrow MIDs only).
    pub escrow: bool,
    /// `ismart_use_sign=Y`: iOS certificate signing for card amounts from 300,000 won.
    pub ismart_use_sign: bool,
    /// `d_card=CC&d_quota=MM`: open a card company's window directly.
    pub direct_card: Option<(String, String)>,
    /// `hpp_corp=SKT:KTF:LGT`: carriers offered for phone payment.
    pub hpp_corps: Vec<Carrier>,
    /// `hpp_default_corp=...`: the preselected carrier.
    pub hpp_default_corp: Option<Carrier>,
    /// `hpp_nofix=Y`: let the buyer change a prefilled phone number.
    pub hpp_nofix: bool,
    /// `hpp_bill=Y`: phone billing-key issuance (P_HPP_METHOD 4 or 5).
    pub hpp_bill: bool,
    /// Options not modelled above, emitted as `key=value` in order.
    pub extra: Vec<(String, String)>,
}

impl Default for Reserved {
    fn default() -> Reserved {
        Reserved::recommended()
    }
}

impl Reserved {
    /// The recommended set: 2trs for card and bank, `apprun_check`, `centerCd`.
    pub fn recommended() -> Reserved {
        Reserved {
            twotrs_isp: true,
            twotrs_bank: true,
            apprun_check: true,
            app_scheme: None,
            ios_app: false,
            center_cd: true,
            below_1000: false,
            vbank_receipt: false,
            bank_receipt: None,
            card_points: false,
            escrow: false,
            ismart_use_sign: false,
            direct_card: None,
            hpp_corps: Vec::new(),
            hpp_default_corp: None,
            hpp_nofix: false,
            hpp_bill: false,
            extra: Vec::new(),
        }
    }

    /// Whether `method` runs in the two-transaction flow with these options
    /// (PROTOCOL.md 2.1). A 1trs payment's result arrives on `P_NOTI_URL`.
    pub fn is_two_transaction(&self, method: &Method) -> bool {
        match method {
            Method::Card => self.twotrs_isp,
            Method::Bank => self.twotrs_bank,
            _ => true,
        }
    }

    /// Checks for contradictions (PROTOCOL.md 2.2.1).
    pub fn validate(&self, method: &Method) -> Result<(), FieldError> {
        const F: &str = "P_RESERVED";
        if self.apprun_check && self.app_scheme.is_some() {
            return Err(FieldError::new(
                F,
                FieldErrorKind::Format("either apprun_check or app_scheme, not both"),
            ));
        }
        if self.ios_app && self.app_scheme.is_none() {
            return Err(FieldError::new(
                F,
                FieldErrorKind::Format("iosapp=Y together with app_scheme"),
            ));
        }
        if let Some(s) = &self.app_scheme
            && (!s.contains("://") || s.contains(['&', ' ']) || !s.is_ascii())
        {
            return Err(FieldError::new(
                F,
                FieldErrorKind::Format("an app scheme like myapp://"),
            ));
        }
        if self.hpp_bill
            && let Method::Mobile(p) = method
            && !p.is_billing()
        {
            return Err(FieldError::new(
                F,
                FieldErrorKind::Format("hpp_bill=Y with P_HPP_METHOD 4 or 5"),
            ));
        }
        if let Some(d) = self.hpp_default_corp
            && !self.hpp_corps.is_empty()
            && !self.hpp_corps.contains(&d)
        {
            return Err(FieldError::new(
                F,
                FieldErrorKind::Format("hpp_default_corp one of hpp_corp"),
            ));
        }
        if let Some((card, quota)) = &self.direct_card {
            let two_digits = |s: &str| s.len() == 2 && s.bytes().all(|b| b.is_ascii_digit());
            if !two_digits(card) || !two_digits(quota) {
                return Err(FieldError::new(
                    F,
                    FieldErrorKind::Format("d_card and d_quota as two digits"),
                ));
            }
        }
        for (k, v) in &self.extra {
            let bad = |s: &str| s.contains(['&', '=', '"', '\n', '\r']) || !s.is_ascii();
            if k.is_empty() || bad(k) || bad(v) {
                return Err(FieldError::new(
                    F,
                    FieldErrorKind::Format("extra options as plain ASCII key=value"),
                ));
            }
        }
        Ok(())
    }

    /// Renders the option list for `method`; `amt_hash` adds `amt_hash=Y`.
    ///
    /// Card-only options are emitted for cards, bank-only ones for bank
    /// transfer, phone ones for phone payments.
    pub fn render(&self, method: &Method, amt_hash: bool) -> Result<String, FieldError> {
        self.validate(method)?;
        let mut opts: Vec<String> = Vec::new();
        let y = |k: &str| format!("{k}=Y");
        match method {
            Method::Card => {
                if self.twotrs_isp {
                    opts.extend(
                        ["twotrs_isp=Y", "block_isp=Y", "twotrs_isp_noti=N"].map(String::from),
                    );
                }
                if self.below_1000 {
                    opts.push(y("below1000"));
                }
                if self.card_points {
                    opts.push(y("cp_yn"));
                }
                if self.ismart_use_sign {
                    opts.push(y("ismart_use_sign"));
                }
                if let Some((c, q)) = &self.direct_card {
                    opts.push(format!("d_card={c}"));
                    opts.push(format!("d_quota={q}"));
                }
            }
            Method::Bank => {
                if self.twotrs_bank {
                    opts.push(y("twotrs_bank"));
                }
                if let Some(b) = self.bank_receipt {
                    opts.push(format!("bank_receipt={}", if b { "Y" } else { "N" }));
                }
            }
            Method::Vbank => {
                if self.vbank_receipt {
                    opts.push(y("vbank_receipt"));
                }
            }
            Method::Mobile(_) => {
                if !self.hpp_corps.is_empty() {
                    let list: Vec<&str> = self.hpp_corps.iter().map(|c| c.code()).collect();
                    opts.push(format!("hpp_corp={}", list.join(":")));
                }
                if let Some(c) = self.hpp_default_corp {
                    opts.push(format!("hpp_default_corp={}", c.code()));
                }
                if self.hpp_nofix {
                    opts.push(y("hpp_nofix"));
                }
                if self.hpp_bill {
                    opts.push(y("hpp_bill"));
                }
            }
            Method::Culture | Method::HappyMoney | Method::SmartCulture => {}
        }
        if self.apprun_check {
            opts.push(y("apprun_check"));
        }
        if let Some(s) = &self.app_scheme {
            opts.push(format!("app_scheme={s}"));
        }
        if self.ios_app {
            opts.push(y("iosapp"));
        }
        if self.escrow {
            opts.push(y("useescrow"));
        }
        if self.center_cd {
            opts.push(y("centerCd"));
        }
        if amt_hash {
            opts.push(y("amt_hash"));
        }
        for (k, v) in &self.extra {
            opts.push(format!("{k}={v}"));
        }
        Ok(opts.join("&"))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::mobile::HppMethod;

    #[test]
    fn bank_and_phone_render() {
        let r = Reserved::recommended();
        assert_eq!(
            r.render(&Method::Bank, false).unwrap(),
            "twotrs_bank=Y&apprun_check=Y&centerCd=Y"
        );
        let mut p = Reserved::recommended();
        p.hpp_corps = vec![Carrier::Skt, Carrier::Kt];
        p.hpp_default_corp = Some(Carrier::Kt);
        assert_eq!(
            p.render(&Method::Mobile(HppMethod::Physical), false)
                .unwrap(),
            "hpp_corp=SKT:KTF&hpp_default_corp=KTF&apprun_check=Y&centerCd=Y"
        );
    }

    #[test]
    fn contradictions_are_rejected() {
        let mut r = Reserved::recommended();
        r.app_scheme = Some("myapp://".into());
        assert!(
            r.validate(&Method::Card).is_err(),
            "apprun_check with app_scheme"
        );
        r.apprun_check = false;
        assert!(r.validate(&Method::Card).is_ok());
        let mut h = Reserved::recommended();
        h.hpp_bill = true;
        assert!(h.validate(&Method::Mobile(HppMethod::Content)).is_err());
        assert!(
            h.validate(&Method::Mobile(HppMethod::BillingContent))
                .is_ok()
        );
        let mut e = Reserved::recommended();
        e.extra.push(("a&b".into(), "Y".into()));
        assert!(e.validate(&Method::Card).is_err());
    }
}
