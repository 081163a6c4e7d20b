//! The sandbox's sense of time: the system clock, or a manual clock that tests
//! move forward so notification retries need no sleeping.
//!
//! ```
//! use inipay_sandbox::clock::Clock;
//! use std::time::Duration;
//! let clock = Clock::manual(1_704_078_000_000); // 2024-01-01 12:00:00 KST
//! assert_eq!(clock.kst_timestamp(), "20240101120000");
//! clock.advance(Duration::from_secs(90));
//! assert_eq!(clock.kst_timestamp(), "20240101120130");
//! ```

use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, SystemTime, UNIX_EPOCH};
use tokio::sync::{Notify, watch};

/// A clock in milliseconds since the Unix epoch.
#[derive(Clone, Debug)]
pub struct Clock {
    inner: Arc<Inner>,
}

#[derive(Debug)]
struct Inner {
    /// `None` = system time; `Some` = manual millis.
    manual: Option<AtomicU64>,
    changed: Notify,
    /// Bumped on every manual move; any number of waiters (delay faults).
    ticks: watch::Sender<u64>,
}

impl Clock {
    /// The real system clock.
    pub fn system() -> Clock {
        Clock {
            inner: Arc::new(Inner {
                manual: None,
                changed: Notify::new(),
                ticks: watch::Sender::new(0),
            }),
        }
    }

    /// A clock that stands still at `start_millis` until [`Clock::advance`]
    /// or [`Clock::set_millis`] moves it.
    pub fn manual(start_millis: u64) -> Clock {
        Clock {
            inner: Arc::new(Inner {
                manual: Some(AtomicU64::new(start_millis)),
                changed: Notify::new(),
                ticks: watch::Sender::new(0),
            }),
        }
    }

    /// Whether this clock only moves when told to.
    pub fn is_manual(&self) -> bool {
        self.inner.manual.is_some()
    }

    /// Milliseconds since the Unix epoch.
    pub fn now_millis(&self) -> u64 {
        match &self.inner.manual {
            Some(m) => m.load(Ordering::SeqCst),
            None => SystemTime::now()
                .duration_since(UNIX_EPOCH)
                .map(|d| u64::try_from(d.as_millis()).unwrap_or(u64::MAX))
                .unwrap_or(0),
        }
    }

    /// Moves a manual clock forward (no effect on the system clock) and wakes
    /// the notification sender.
    pub fn advance(&self, by: Duration) {
        if let Some(m) = &self.inner.manual {
            let ms = u64::try_from(by.as_millis()).unwrap_or(u64::MAX);
            m.fetch_add(ms, Ordering::SeqCst);
            self.inner.changed.notify_one();
            self.inner.ticks.send_modify(|t| *t = t.wrapping_add(1));
        }
    }

    /// Sets a manual clock (no effect on the system clock).
    pub fn set_millis(&self, millis: u64) {
        if let Some(m) = &self.inner.manual {
            m.store(millis, Ordering::SeqCst);
            self.inner.changed.notify_one();
            self.inner.ticks.send_modify(|t| *t = t.wrapping_add(1));
        }
    }

    /// Resolves when a manual clock is moved.
    pub(crate) async fn changed(&self) {
        self.inner.changed.notified().await;
    }

    /// Waits `by` on this clock: a manual clock resolves only once it has
    /// been moved at least `by` forward (so a test decides when a delayed
    /// reply comes, without sleeping); the system clock sleeps for real, at
    /// most `real_cap`.
    pub async fn wait(&self, by: Duration, real_cap: Duration) {
        if self.inner.manual.is_none() {
            tokio::time::sleep(by.min(real_cap)).await;
            return;
        }
        let ms = u64::try_from(by.as_millis()).unwrap_or(u64::MAX);
        let until = self.now_millis().saturating_add(ms);
        let mut rx = self.inner.ticks.subscribe();
        while self.now_millis() < until {
            if rx.changed().await.is_err() {
                return;
            }
        }
    }

    /// Korean time `YYYYMMDDhhmmss` (PROTOCOL.md 7.2: KST for every such value).
    pub fn kst_timestamp(&self) -> String {
        kst_timestamp(self.now_millis())
    }
}

/// `YYYYMMDDhhmmss` in Korea Standard Time (UTC+9, no DST) of a Unix
/// millisecond instant.
pub fn kst_timestamp(millis: u64) -> String {
    let secs = millis / 1000 + 9 * 3600;
    let days = i64::try_from(secs / 86_400).unwrap_or(0);
    let rem = secs % 86_400;
    let (y, m, d) = civil_from_days(days);
    format!(
        "{y:04}{m:02}{d:02}{:02}{:02}{:02}",
        rem / 3600,
        rem % 3600 / 60,
        rem % 60
    )
}

/// Days since 1970-01-01 to (year, month, day), proleptic Gregorian
/// (H. Hinnant's algorithm).
fn civil_from_days(z: i64) -> (i64, u32, u32) {
    let z = z + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097);
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let y = yoe + era * 400;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = u32::try_from(doy - (153 * mp + 2) / 5 + 1).unwrap_or(1);
    let m = u32::try_from(if mp < 10 { mp + 3 } else { mp - 9 }).unwrap_or(1);
    (if m <= 2 { y + 1 } else { y }, m, d)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn kst_known_instants() {
        assert_eq!(kst_timestamp(0), "19700101090000");
        assert_eq!(kst_timestamp(1_704_078_000_000), "20240101120000");
        // 2024-02-29 23:59:59 KST (leap day) = 14:59:59 UTC.
        assert_eq!(kst_timestamp(1_709_218_799_000), "20240229235959");
        assert_eq!(kst_timestamp(1_709_218_800_000), "20240301000000");
    }

    #[test]
    fn manual_clock_moves_only_when_told() {
        let c = Clock::manual(5);
        assert_eq!(c.now_millis(), 5);
        c.advance(Duration::from_millis(10));
        assert_eq!(c.now_millis(), 15);
        c.set_millis(1);
        assert_eq!(c.now_millis(), 1);
        assert!(Clock::system().now_millis() > 1_700_000_000_000);
    }

    #[tokio::test]
    async fn manual_wait_resolves_only_when_the_clock_has_moved_far_enough() {
        let c = Clock::manual(0);
        let w = tokio::spawn({
            let c = c.clone();
            async move { c.wait(Duration::from_secs(600), Duration::ZERO).await }
        });
        tokio::task::yield_now().await;
        c.advance(Duration::from_secs(599));
        tokio::task::yield_now().await;
        assert!(!w.is_finished());
        c.advance(Duration::from_secs(1));
        w.await.unwrap();
        // The system clock sleeps for real, but never longer than the cap.
        Clock::system()
            .wait(Duration::from_secs(3600), Duration::from_millis(1))
            .await;
    }
}
