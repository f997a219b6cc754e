//! The current time, and the test hooks that move it or stop the process.
//!
//! In a test build (the `test-hooks` feature, switched on only by the CLI's dev-dependencies
//! so that `cargo test` has it and `cargo build --release` does not) `LOEP_NOW` (RFC 3339,
//! e.g. `2027-03-01T12:00:00Z`) sets the clock, so that retention and project periods can be
//! tested, and [`fault_point`] can abort the process at a named moment. A release binary
//! ignores both: nobody with a shell can backdate the processing log or the retention periods.
//! Code that needs another time in a unit test takes it as a parameter.

use chrono::{DateTime, SecondsFormat, Utc};

#[cfg(feature = "test-hooks")]
fn forged_now() -> Option<DateTime<Utc>> {
    std::env::var("LOEP_NOW")
        .ok()
        .and_then(|s| DateTime::parse_from_rfc3339(&s).ok())
        .map(|d| d.with_timezone(&Utc))
}

#[cfg(not(feature = "test-hooks"))]
fn forged_now() -> Option<DateTime<Utc>> {
    None
}

pub fn now_utc() -> DateTime<Utc> {
    forged_now().unwrap_or_else(Utc::now)
}

/// Now, as RFC 3339 with microseconds.
pub fn now() -> String {
    now_utc().to_rfc3339_opts(SecondsFormat::Micros, true)
}

/// Today as days since 1970-01-01.
pub fn today() -> i32 {
    now_utc().timestamp().div_euclid(86_400) as i32
}

/// Test hook: with `LOEP_FAULT=<name>` a test build aborts the process here, as a power cut
/// would, so that tests can show what an interrupted command leaves behind. A release build
/// compiles this to nothing.
#[inline]
pub fn fault_point(name: &str) {
    #[cfg(feature = "test-hooks")]
    if std::env::var("LOEP_FAULT").is_ok_and(|v| v == name) {
        std::process::abort();
    }
    #[cfg(not(feature = "test-hooks"))]
    let _ = name;
}

/// Whether this build honours the test hooks (printed by `loep --version` checks in CI).
pub const TEST_HOOKS: bool = cfg!(feature = "test-hooks");

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_clock_runs() {
        let a = now_utc();
        let b = now_utc();
        assert!(b >= a);
        assert!(now().ends_with('Z'));
    }

    /// Without the feature the environment cannot move the clock.
    #[cfg(not(feature = "test-hooks"))]
    #[test]
    fn loep_now_is_ignored_without_test_hooks() {
        // SAFETY: this test alone reads LOEP_NOW in this process's store tests.
        unsafe { std::env::set_var("LOEP_NOW", "2020-01-01T00:00:00Z") };
        assert!(now_utc().timestamp() > 1_700_000_000);
        unsafe { std::env::remove_var("LOEP_NOW") };
    }
}
