//! Amounts in won.

use super::{FieldError, FieldErrorKind};
use std::fmt;

/// An amount of money in Korean won (원): a whole number, never a float.
///
/// On the wire it is a string of ASCII digits without separators
/// (PROTOCOL.md 0 "General conventions", 2.2). Parsing accepts exactly that
/// form: a sign, a comma, a decimal point, an exponent or a space anywhere is
/// an error (INICIS answers MX3001), and so is a leading zero (`012000`;
/// `0` itself is fine).
///
/// ```
/// use inipay_core::types::Amount;
/// let a = Amount::won(50_000);
/// assert_eq!(a.to_wire(), "50000");
/// assert_eq!(Amount::parse("P_AMT", "1,000").unwrap_err().to_string(),
///            "P_AMT: must contain ASCII digits only");
/// assert_eq!(Amount::parse("P_AMT", "012000").unwrap_err().to_string(),
///            "P_AMT: must not start with a zero");
/// assert!(Amount::parse("P_AMT", " 12000").is_err());
/// assert_eq!(Amount::parse("P_AMT", "0")?, Amount::ZERO);
/// assert_eq!(a.checked_sub(Amount::won(20_000)), Some(Amount::won(30_000)));
/// # Ok::<(), inipay_core::types::FieldError>(())
/// ```
#[derive(Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Default)]
pub struct Amount(u64);

impl Amount {
    /// Zero won.
    pub const ZERO: Amount = Amount(0);
    /// The most digits any INICIS amount field accepts that we send
    /// (`price` 12 bytes in billing; P_AMT is 8 or 64 depending on the
    /// manual, checked by the mobile builder).
    pub const MAX_DIGITS: usize = 12;

    /// An amount of `won`.
    pub const fn won(won: u64) -> Amount {
        Amount(won)
    }

    /// The number of won.
    pub const fn get(self) -> u64 {
        self.0
    }

    /// Whether the amount is zero.
    pub const fn is_zero(self) -> bool {
        self.0 == 0
    }

    /// The wire form: decimal digits, no separators.
    pub fn to_wire(self) -> String {
        self.0.to_string()
    }

    /// The number of decimal digits of the wire form.
    pub fn digits(self) -> usize {
        let mut n = self.0;
        let mut d = 1;
        while n >= 10 {
            n /= 10;
            d += 1;
        }
        d
    }

    /// Parses a wire amount received in `field`: ASCII digits only, nothing
    /// trimmed, no leading zero except for `0` itself. The error names the
    /// field and the rule, never the value.
    pub fn parse(field: &'static str, text: &str) -> Result<Amount, FieldError> {
        if text.is_empty() {
            return Err(FieldError::new(field, FieldErrorKind::Missing));
        }
        if !text.bytes().all(|b| b.is_ascii_digit()) {
            return Err(FieldError::new(field, FieldErrorKind::NotDigits));
        }
        if text.len() > 1 && text.starts_with('0') {
            return Err(FieldError::new(field, FieldErrorKind::LeadingZero));
        }
        text.parse::<u64>().map(Amount).map_err(|_| {
            FieldError::new(
                field,
                FieldErrorKind::OutOfRange {
                    min: 0,
                    max: u64::MAX,
                },
            )
        })
    }

    /// `self - other`, or `None` when it would go below zero.
    pub fn checked_sub(self, other: Amount) -> Option<Amount> {
        self.0.checked_sub(other.0).map(Amount)
    }

    /// `self + other`, or `None` on overflow.
    pub fn checked_add(self, other: Amount) -> Option<Amount> {
        self.0.checked_add(other.0).map(Amount)
    }
}

impl fmt::Debug for Amount {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}원", self.0)
    }
}

impl fmt::Display for Amount {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        // 1,234,567원: grouping for people, never for the wire.
        let s = self.0.to_string();
        let mut out = String::with_capacity(s.len() + s.len() / 3 + 3);
        for (i, c) in s.chars().enumerate() {
            if i > 0 && (s.len() - i).is_multiple_of(3) {
                out.push(',');
            }
            out.push(c);
        }
        write!(f, "{out}원")
    }
}

impl From<u32> for Amount {
    fn from(won: u32) -> Amount {
        Amount(u64::from(won))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parse_digits_only() {
        assert_eq!(Amount::parse("P_AMT", "1000").unwrap(), Amount::won(1000));
        assert_eq!(Amount::parse("P_AMT", "12000").unwrap(), Amount::won(12000));
        assert_eq!(Amount::parse("P_AMT", "0").unwrap(), Amount::ZERO);
        for bad in ["012000", "00", "0000000001"] {
            assert_eq!(
                Amount::parse("P_AMT", bad).unwrap_err().kind,
                FieldErrorKind::LeadingZero,
                "{bad}"
            );
        }
        for bad in [
            "-1", "1.0", "1 000", "1,000", "+5", "１０", " 12000", "12000 ", "+12000", "1e3", "\t1",
        ] {
            assert_eq!(
                Amount::parse("P_AMT", bad).unwrap_err().kind,
                FieldErrorKind::NotDigits,
                "{bad}"
            );
        }
        assert_eq!(
            Amount::parse("P_AMT", "").unwrap_err().kind,
            FieldErrorKind::Missing
        );
        assert!(Amount::parse("P_AMT", "99999999999999999999999").is_err());
    }

    #[test]
    fn display_groups_thousands() {
        assert_eq!(Amount::won(1234567).to_string(), "1,234,567원");
        assert_eq!(Amount::won(100).to_string(), "100원");
        assert_eq!(Amount::won(0).digits(), 1);
        assert_eq!(Amount::won(99_999_999).digits(), 8);
    }
}
