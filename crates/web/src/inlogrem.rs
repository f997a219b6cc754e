//! The login throttle per client address: each failed login from an address takes a token
//! from its bucket ([`BURST`] tokens, one back every [`REFILL_SECONDS`] seconds); an address
//! with an empty bucket is answered "wait" before its password is even checked. Successful
//! logins take nothing, so a team behind one address (a town hall's NAT) is not slowed by
//! its own logins, and a guesser gets ten tries a minute instead of fifty a second. The
//! account's own lock ([`loep_app::session`]) stops guessing one account from many
//! addresses; this stops one address from guessing many accounts.

use std::collections::HashMap;
use std::net::IpAddr;
use std::sync::Mutex;
use std::time::{Duration, Instant};

/// Failed logins an address may have at once.
pub const BURST: f64 = 10.0;
/// One more failed login allowed every this many seconds.
pub const REFILL_SECONDS: f64 = 6.0;
/// Addresses at most kept; beyond it, those with full buckets are forgotten.
const KEPT: usize = 10_000;

#[derive(Default)]
pub struct Inlogrem {
    buckets: Mutex<HashMap<IpAddr, (f64, Instant)>>,
}

impl Inlogrem {
    fn level(tokens: f64, since: Instant, now: Instant) -> f64 {
        (tokens + now.duration_since(since).as_secs_f64() / REFILL_SECONDS).min(BURST)
    }

    /// `None` when `client` may try to log in now; otherwise how long it must wait.
    pub fn wait(&self, client: IpAddr) -> Option<Duration> {
        self.wait_at(client, Instant::now())
    }

    fn wait_at(&self, client: IpAddr, now: Instant) -> Option<Duration> {
        let buckets = self.buckets.lock().ok()?;
        let (tokens, since) = buckets.get(&client)?;
        let level = Self::level(*tokens, *since, now);
        (level < 1.0).then(|| Duration::from_secs_f64((1.0 - level) * REFILL_SECONDS))
    }

    /// Counts a failed login from `client`.
    pub fn failed(&self, client: IpAddr) {
        self.failed_at(client, Instant::now());
    }

    fn failed_at(&self, client: IpAddr, now: Instant) {
        let Ok(mut buckets) = self.buckets.lock() else {
            return;
        };
        if buckets.len() >= KEPT {
            buckets.retain(|_, (t, s)| Self::level(*t, *s, now) < BURST);
        }
        let (tokens, since) = buckets.entry(client).or_insert((BURST, now));
        *tokens = (Self::level(*tokens, *since, now) - 1.0).max(0.0);
        *since = now;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ten_failures_then_one_every_six_seconds_per_address() {
        let r = Inlogrem::default();
        let (a, b): (IpAddr, IpAddr) = ("192.0.2.1".parse().unwrap(), "192.0.2.2".parse().unwrap());
        let t = Instant::now();
        for _ in 0..10 {
            assert_eq!(r.wait_at(a, t), None);
            r.failed_at(a, t);
        }
        let w = r.wait_at(a, t).expect("the eleventh waits");
        assert!((5.9..=6.0).contains(&w.as_secs_f64()), "{w:?}");
        // Another address is not slowed.
        assert_eq!(r.wait_at(b, t), None);
        // After six seconds one more try, then waiting again.
        let later = t + Duration::from_secs(6);
        assert_eq!(r.wait_at(a, later), None);
        r.failed_at(a, later);
        assert!(r.wait_at(a, later).is_some());
        // A minute later the bucket holds ten again at most.
        let much_later = later + Duration::from_secs(600);
        for _ in 0..10 {
            assert_eq!(r.wait_at(a, much_later), None);
            r.failed_at(a, much_later);
        }
        assert!(r.wait_at(a, much_later).is_some());
    }
}
