//! The current time. `LOEP_NOW` (RFC 3339, e.g. `2027-03-01T12:00:00Z`) sets it, so that
//! retention and project periods can be tested and replayed.

use chrono::{DateTime, SecondsFormat, Utc};

pub fn now_utc() -> DateTime<Utc> {
    std::env::var("LOEP_NOW")
        .ok()
        .and_then(|s| DateTime::parse_from_rfc3339(&s).ok())
        .map(|d| d.with_timezone(&Utc))
        .unwrap_or_else(Utc::now)
}

/// Now, as RFC 3339 with microseconds.
pub fn now() -> String {
    now_utc().to_rfc3339_opts(SecondsFormat::Micros, true)
}

/// Today as days since 1970-01-01.
pub fn today() -> i32 {
    now_utc().timestamp().div_euclid(86_400) as i32
}
