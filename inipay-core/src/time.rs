//! Timestamps in the formats INICIS expects. No clock is read here: the
//! caller passes the instant, so every builder is deterministic and testable.
//!
//! Mobile WEB uses milliseconds since the Unix epoch (13 digits); inilite,
//! inilitepay and INIAPI use Korean local time `YYYYMMDDhhmmss` (PROTOCOL.md 0).
//!
//! ```
//! use inipay_core::time::Timestamp;
//! let t = Timestamp::from_unix_millis(1_704_078_000_000);
//! assert_eq!(t.millis_string(), "1704078000000");
//! assert_eq!(t.kst_compact(), "20240101120000");
//! ```

use std::time::{SystemTime, UNIX_EPOCH};

/// An instant, in milliseconds since the Unix epoch.
///
/// ```
/// use inipay_core::time::Timestamp;
///
/// let t = Timestamp::from_unix_millis(1_704_078_000_000);
/// assert_eq!(t.millis_string(), "1704078000000"); // P_TIMESTAMP
/// assert_eq!(t.kst_compact(), "20240101120000"); // INIAPI timestamp, KST
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Timestamp(u64);

/// Korea Standard Time offset (UTC+9, no daylight saving).
const KST_OFFSET_SECS: i64 = 9 * 3600;

impl Timestamp {
    /// From milliseconds since the Unix epoch.
    pub const fn from_unix_millis(ms: u64) -> Timestamp {
        Timestamp(ms)
    }

    /// From a `SystemTime` (instants before 1970 clamp to the epoch).
    pub fn from_system_time(t: SystemTime) -> Timestamp {
        let ms = t
            .duration_since(UNIX_EPOCH)
            .map(|d| u64::try_from(d.as_millis()).unwrap_or(u64::MAX))
            .unwrap_or(0);
        Timestamp(ms)
    }

    /// Reads the system clock. The one place the crate reads a clock; protocol
    /// builders take a `Timestamp` instead.
    pub fn now() -> Timestamp {
        Timestamp::from_system_time(SystemTime::now())
    }

    /// Milliseconds since the epoch.
    pub const fn unix_millis(self) -> u64 {
        self.0
    }

    /// `P_TIMESTAMP`: milliseconds as decimal digits.
    pub fn millis_string(self) -> String {
        self.0.to_string()
    }

    /// Korean local time as `YYYYMMDDhhmmss`.
    pub fn kst_compact(self) -> String {
        let (y, mo, d, h, mi, s) = self.kst_parts();
        format!("{y:04}{mo:02}{d:02}{h:02}{mi:02}{s:02}")
    }

    /// Korean local date as `YYYYMMDD`.
    pub fn kst_date(self) -> String {
        let (y, mo, d, ..) = self.kst_parts();
        format!("{y:04}{mo:02}{d:02}")
    }

    /// Korean local time as `hhmmss`.
    pub fn kst_time(self) -> String {
        let (.., h, mi, s) = self.kst_parts();
        format!("{h:02}{mi:02}{s:02}")
    }

    /// (year, month, day, hour, minute, second) in KST.
    pub fn kst_parts(self) -> (i64, u32, u32, u32, u32, u32) {
        let secs = i64::try_from(self.0 / 1000).unwrap_or(i64::MAX / 2) + KST_OFFSET_SECS;
        let days = secs.div_euclid(86_400);
        let rem = secs.rem_euclid(86_400);
        let (y, m, d) = civil_from_days(days);
        let rem = u32::try_from(rem).unwrap_or(0);
        (y, m, d, rem / 3600, (rem % 3600) / 60, rem % 60)
    }

    /// The instant of a Korean local date and time (`kst_parts` inverted);
    /// times before 1970 are the epoch.
    ///
    /// ```
    /// use inipay_core::time::Timestamp;
    /// let t = Timestamp::from_kst(2016, 5, 5, 9, 30, 12);
    /// assert_eq!(t.kst_compact(), "20160505093012");
    /// ```
    pub fn from_kst(
        year: i64,
        month: u32,
        day: u32,
        hour: u32,
        minute: u32,
        second: u32,
    ) -> Timestamp {
        let days = days_from_civil(year, month, day);
        let secs =
            days * 86_400 + i64::from(hour) * 3600 + i64::from(minute) * 60 + i64::from(second)
                - KST_OFFSET_SECS;
        Timestamp(u64::try_from(secs).unwrap_or(0).saturating_mul(1000))
    }

    /// This instant plus `secs` seconds.
    pub fn plus_secs(self, secs: u64) -> Timestamp {
        Timestamp(self.0.saturating_add(secs.saturating_mul(1000)))
    }
}

/// Howard Hinnant's civil-to-days algorithm (proleptic Gregorian).
fn days_from_civil(y: i64, m: u32, d: u32) -> i64 {
    let y = if m <= 2 { y - 1 } else { y };
    let era = y.div_euclid(400);
    let yoe = y.rem_euclid(400);
    let m = i64::from(m);
    let doy = (153 * (if m > 2 { m - 3 } else { m + 9 }) + 2) / 5 + i64::from(d) - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146_097 + doe - 719_468
}

/// Howard Hinnant's days-to-civil algorithm (proleptic Gregorian).
fn civil_from_days(z: i64) -> (i64, u32, u32) {
    let z = z + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097);
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let y = yoe + era * 400;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = doy - (153 * mp + 2) / 5 + 1;
    let m = if mp < 10 { mp + 3 } else { mp - 9 };
    let y = if m <= 2 { y + 1 } else { y };
    (
        y,
        u32::try_from(m).unwrap_or(1),
        u32::try_from(d).unwrap_or(1),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn kst_formats() {
        let t = Timestamp::from_unix_millis(1_640_061_760_611);
        assert_eq!(t.kst_compact(), "20211221134240");
        assert_eq!(t.kst_date(), "20211221");
        assert_eq!(t.kst_time(), "134240");
        // Midnight crossing: 2023-12-31T15:00:00Z is 2024-01-01 00:00 KST.
        assert_eq!(
            Timestamp::from_unix_millis(1_704_034_800_000).kst_compact(),
            "20240101000000"
        );
        // Leap day.
        assert_eq!(
            Timestamp::from_unix_millis(1_709_164_800_000).kst_date(),
            "20240229"
        );
    }
}
