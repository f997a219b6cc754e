//! The login throttle per client address: each login attempt takes a token from its
//! address's bucket ([`BURST`] tokens, one back every [`REFILL_SECONDS`] seconds) before
//! anything is checked, and gets it back unless it was a wrong guess; an address with an empty
//! bucket is answered "wait". So a team behind one address (a town hall's NAT, or loep's TLS
//! proxy) is not slowed by its own logins, a guesser gets ten tries a minute instead of fifty a
//! second, and a browser known to the account it logs in to is never kept waiting. The
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

    /// The bucket an address counts in: an IPv6 address by its /64 (one subscriber's
    /// network), so that walking through one's own addresses gains nothing.
    fn bucket_of(client: IpAddr) -> IpAddr {
        match client {
            IpAddr::V4(_) => client,
            // An IPv4 client of a dual-stack listener is its IPv4 address.
            IpAddr::V6(v6) if v6.to_ipv4_mapped().is_some() => IpAddr::V4(
                v6.to_ipv4_mapped()
                    .unwrap_or(std::net::Ipv4Addr::UNSPECIFIED),
            ),
            IpAddr::V6(v6) => {
                let s = v6.segments();
                IpAddr::V6(std::net::Ipv6Addr::new(s[0], s[1], s[2], s[3], 0, 0, 0, 0))
            }
        }
    }

    /// Takes a token for one login attempt from `client` before anything is checked (so
    /// that attempts side by side cannot all pass): `Err` with how long to wait when its
    /// bucket is empty. An attempt that was no wrong guess gives its token back ([`refund`]).
    pub fn take(&self, client: IpAddr) -> Result<(), Duration> {
        self.take_at(client, Instant::now())
    }

    fn take_at(&self, client: IpAddr, now: Instant) -> Result<(), Duration> {
        let Ok(mut buckets) = self.buckets.lock() else {
            return Ok(());
        };
        if buckets.len() >= KEPT {
            buckets.retain(|_, (t, s)| Self::level(*t, *s, now) < BURST);
        }
        let (tokens, since) = buckets
            .entry(Self::bucket_of(client))
            .or_insert((BURST, now));
        let level = Self::level(*tokens, *since, now);
        if level < 1.0 {
            return Err(Duration::from_secs_f64((1.0 - level) * REFILL_SECONDS));
        }
        *tokens = level - 1.0;
        *since = now;
        Ok(())
    }

    /// Gives back the token of an attempt that logged in, or failed for another reason than
    /// a wrong guess.
    pub fn refund(&self, client: IpAddr) {
        if let Ok(mut buckets) = self.buckets.lock()
            && let Some((tokens, _)) = buckets.get_mut(&Self::bucket_of(client))
        {
            *tokens = (*tokens + 1.0).min(BURST);
        }
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
            assert_eq!(r.take_at(a, t), Ok(()));
        }
        let w = r.take_at(a, t).expect_err("the eleventh waits");
        assert!((5.9..=6.0).contains(&w.as_secs_f64()), "{w:?}");
        // Another address is not slowed.
        assert_eq!(r.take_at(b, t), Ok(()));
        // After six seconds one more try, then waiting again.
        let later = t + Duration::from_secs(6);
        assert_eq!(r.take_at(a, later), Ok(()));
        assert!(r.take_at(a, later).is_err());
        // A login that succeeded gives its token back.
        r.refund(a);
        assert_eq!(r.take_at(a, later), Ok(()));
        // Ten minutes later the bucket holds ten again at most.
        let much_later = later + Duration::from_secs(600);
        for _ in 0..10 {
            assert_eq!(r.take_at(a, much_later), Ok(()));
        }
        assert!(r.take_at(a, much_later).is_err());
    }

    #[test]
    fn an_ipv6_network_is_one_address() {
        let r = Inlogrem::default();
        let t = Instant::now();
        for i in 0..10 {
            let a: IpAddr = format!("2001:db8:1:2::{i:x}").parse().unwrap();
            assert_eq!(r.take_at(a, t), Ok(()));
        }
        let other: IpAddr = "2001:db8:1:2:ffff::1".parse().unwrap();
        assert!(r.take_at(other, t).is_err());
        let elsewhere: IpAddr = "2001:db8:1:3::1".parse().unwrap();
        assert_eq!(r.take_at(elsewhere, t), Ok(()));
        // IPv4 clients of a dual-stack listener are each their own address.
        for i in 0..10 {
            let a: IpAddr = "::ffff:192.0.2.7".parse().unwrap();
            assert_eq!(r.take_at(a, t), Ok(()), "{i}");
        }
        let other_v4: IpAddr = "::ffff:192.0.2.8".parse().unwrap();
        assert_eq!(r.take_at(other_v4, t), Ok(()));
    }
}
