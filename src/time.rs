//! Wall-clock seconds and the two date formats GitHub speaks: ISO-8601 in JSON
//! (`expires_at`) and IMF-fixdate in the `Date` header (clock-skew correction).

use std::sync::atomic::{AtomicI64, Ordering};
use std::time::{SystemTime, UNIX_EPOCH};

use time::format_description::well_known::Rfc3339;
use time::{OffsetDateTime, PrimitiveDateTime};

/// Seconds since the Unix epoch by this machine's clock.
pub fn now() -> i64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| d.as_secs() as i64)
}

/// "Now" by GitHub's clock: this machine's clock plus the offset measured from
/// GitHub's `Date` when it refused a JWT's times. The JWT, the summary and the
/// post stage's expiry check all ask it.
#[derive(Debug, Default)]
pub struct GithubClock {
    // Atomic: requests for several owners run on several threads.
    offset: AtomicI64,
}

impl GithubClock {
    /// A clock already corrected by `offset` seconds (as main saved it for post).
    pub fn with_offset(offset: i64) -> GithubClock {
        GithubClock {
            offset: AtomicI64::new(offset),
        }
    }

    /// Seconds since the Unix epoch by GitHub's clock.
    pub fn now(&self) -> i64 {
        now() + self.offset()
    }

    /// Seconds to add to this machine's clock to get GitHub's.
    pub fn offset(&self) -> i64 {
        self.offset.load(Ordering::Relaxed)
    }

    /// Takes GitHub's `Date` (Unix seconds) as the time now.
    pub fn set_from(&self, github_now: i64) {
        self.offset.store(github_now - now(), Ordering::Relaxed);
    }
}

/// `2026-11-23T10:51:22Z` for a Unix time; `None` outside the years 0000 to 9999
/// (the time crate's range: a server's number past it is an error, not a wrapped date).
pub fn format_iso8601(t: i64) -> Option<String> {
    let at = OffsetDateTime::from_unix_timestamp(t).ok()?;
    (0..=9999).contains(&at.year()).then(|| {
        format!(
            "{:04}-{:02}-{:02}T{:02}:{:02}:{:02}Z",
            at.year(),
            u8::from(at.month()),
            at.day(),
            at.hour(),
            at.minute(),
            at.second()
        )
    })
}

/// Parses an RFC 3339 date-time as GitHub writes `expires_at`
/// (`YYYY-MM-DDTHH:MM:SS[.frac](Z|±HH:MM)`) through the time crate, which
/// checks every field (no Feb 31, no hour 24) and never slices text.
pub fn parse_iso8601(text: &str) -> Option<i64> {
    let at = OffsetDateTime::parse(text.trim(), &Rfc3339).ok()?;
    Some(at.unix_timestamp())
}

/// Parses an HTTP `Date` in IMF-fixdate form (RFC 9110 5.6.7), the form servers
/// must send: `Sun, 06 Nov 1994 08:49:37 GMT`. The year has four digits, the
/// weekday must match the date.
pub fn parse_http_date(text: &str) -> Option<i64> {
    let format = time::macros::format_description!(
        "[weekday repr:short], [day] [month repr:short] [year] [hour]:[minute]:[second] GMT"
    );
    let text = text.trim();
    let at = PrimitiveDateTime::parse(text, &format).ok()?;
    // The time crate reads the weekday but does not hold the date to it.
    let weekday = at.weekday().to_string();
    (text.get(..3) == weekday.get(..3)).then(|| at.assume_utc().unix_timestamp())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn iso_round_trip() {
        for t in [
            0,
            951_782_400,
            1_795_000_000,
            4_102_444_799,
            253_402_300_799,
        ] {
            assert_eq!(parse_iso8601(&format_iso8601(t).unwrap()), Some(t));
        }
        assert_eq!(
            format_iso8601(1_700_000_000).as_deref(),
            Some("2023-11-14T22:13:20Z")
        );
        // Past year 9999, or far before 0000: no date, never a wrapped one.
        for t in [253_402_300_800, i64::MAX, i64::MIN, -62_167_219_201] {
            assert_eq!(format_iso8601(t), None, "{t}");
        }
    }

    #[test]
    fn iso_with_offset_and_fraction() {
        let z = parse_iso8601("2016-07-11T22:14:10Z").unwrap();
        assert_eq!(parse_iso8601("2016-07-11T23:14:10+01:00"), Some(z));
        assert_eq!(parse_iso8601("2016-07-11T22:14:10.123Z"), Some(z));
        assert_eq!(parse_iso8601("2016-07-11"), None);
        assert_eq!(parse_iso8601("2016-13-11T22:14:10Z"), None);
        assert_eq!(parse_iso8601("soon"), None);
    }

    #[test]
    fn impossible_dates_are_refused() {
        for bad in [
            "2026-02-31T00:00:00Z",
            "2026-02-29T00:00:00Z",
            "2026-04-31T00:00:00Z",
            "2026-01-01T24:00:00Z",
            "2026-01-01T00:60:00Z",
            "2026-01-01T00:00:00",
            "99999999999999-01-01T00:00:00Z",
            // A multi-byte character where a byte-offset slice would fall.
            "2026-11-2\u{e9}T10:51:22Z",
            "2026-11-23T\u{e9}0:51:22Z",
            "2026-11-23T10:51:\u{1f600}Z",
        ] {
            assert_eq!(parse_iso8601(bad), None, "{bad}");
        }
        assert!(parse_iso8601("2024-02-29T00:00:00Z").is_some());
    }

    #[test]
    fn github_clock_adds_its_offset() {
        let clock = GithubClock::default();
        assert!((now()..=now() + 1).contains(&clock.now()));
        clock.set_from(now() - 300);
        assert!((-301..=-299).contains(&clock.offset()));
        assert!((now() - 301..=now() - 299).contains(&clock.now()));
        assert_eq!(GithubClock::with_offset(7).offset(), 7);
    }

    #[test]
    fn http_date() {
        assert_eq!(
            parse_http_date("Sun, 06 Nov 1994 08:49:37 GMT"),
            Some(784_111_777)
        );
        assert_eq!(parse_http_date("Sun, 06 Nov 1994 08:49:37 PST"), None);
        assert_eq!(parse_http_date("yesterday"), None);
        for bad in [
            "Sun, 31 Feb 1994 08:49:37 GMT",
            "Mon, 06 Nov 1994 08:49:37 GMT",
            "Sun, 06 Nov 99999999999999 08:49:37 GMT",
            "Sun, 06 Nov 1994 25:49:37 GMT",
            "Sun, 06 N\u{f6}v 1994 08:49:37 GMT",
        ] {
            assert_eq!(parse_http_date(bad), None, "{bad}");
        }
    }
}
