//! Wall-clock seconds and the two date formats GitHub speaks: ISO-8601 in JSON
//! (`expires_at`) and IMF-fixdate in the `Date` header (clock-skew correction).

use std::sync::atomic::{AtomicI64, Ordering};
use std::time::{SystemTime, UNIX_EPOCH};

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

/// Days since 1970-01-01 of a proleptic Gregorian date (H. Hinnant's algorithm).
fn days_from_civil(y: i64, m: i64, d: i64) -> i64 {
    let y = if m <= 2 { y - 1 } else { y };
    let era = y.div_euclid(400);
    let yoe = y - era * 400;
    let doy = (153 * (m + if m > 2 { -3 } else { 9 }) + 2) / 5 + d - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146_097 + doe - 719_468
}

fn civil_from_days(z: i64) -> (i64, i64, i64) {
    let z = z + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = doy - (153 * mp + 2) / 5 + 1;
    let m = if mp < 10 { mp + 3 } else { mp - 9 };
    (yoe + era * 400 + i64::from(m <= 2), m, d)
}

/// `2026-11-23T10:51:22Z` for a Unix time.
pub fn format_iso8601(t: i64) -> String {
    let (y, mo, d) = civil_from_days(t.div_euclid(86_400));
    let s = t.rem_euclid(86_400);
    format!(
        "{y:04}-{mo:02}-{d:02}T{:02}:{:02}:{:02}Z",
        s / 3600,
        s / 60 % 60,
        s % 60
    )
}

fn num(s: &str) -> Option<i64> {
    if s.is_empty() || !s.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    s.parse().ok()
}

fn seconds(y: i64, mo: i64, d: i64, h: i64, mi: i64, s: i64) -> Option<i64> {
    let valid = (1..=12).contains(&mo)
        && (1..=31).contains(&d)
        && (0..24).contains(&h)
        && (0..60).contains(&mi)
        && (0..=60).contains(&s);
    valid.then(|| days_from_civil(y, mo, d) * 86_400 + h * 3600 + mi * 60 + s)
}

/// Parses RFC 3339 / ISO-8601 date-times as GitHub writes them:
/// `YYYY-MM-DDTHH:MM:SS[.frac](Z|±HH:MM)`.
pub fn parse_iso8601(text: &str) -> Option<i64> {
    let text = text.trim();
    let (date, rest) = text.split_once(['T', 't', ' '])?;
    let mut dp = date.split('-');
    let (y, mo, d) = (num(dp.next()?)?, num(dp.next()?)?, num(dp.next()?)?);
    if dp.next().is_some() || rest.len() < 8 {
        return None;
    }
    let (clock, zone) = rest.split_at(8);
    let mut cp = clock.split(':');
    let (h, mi, s) = (num(cp.next()?)?, num(cp.next()?)?, num(cp.next()?)?);
    // Fractional seconds do not matter for expiry checks.
    let zone = zone
        .strip_prefix('.')
        .map_or(zone, |f| f.trim_start_matches(|c: char| c.is_ascii_digit()));
    let offset = match zone {
        "Z" | "z" => 0,
        _ => {
            let sign = match zone.as_bytes().first()? {
                b'+' => 1,
                b'-' => -1,
                _ => return None,
            };
            let (oh, om) = zone[1..].split_once(':')?;
            sign * (num(oh)? * 3600 + num(om)? * 60)
        }
    };
    Some(seconds(y, mo, d, h, mi, s)? - offset)
}

/// Parses an HTTP `Date` header in IMF-fixdate form: `Sun, 06 Nov 1994 08:49:37 GMT`.
pub fn parse_http_date(text: &str) -> Option<i64> {
    let mut parts = text.split_whitespace();
    let _weekday = parts.next()?;
    let d = num(parts.next()?)?;
    const MONTHS: [&str; 12] = [
        "Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec",
    ];
    let month = parts.next()?;
    let mo = MONTHS.iter().position(|m| m.eq_ignore_ascii_case(month))? as i64 + 1;
    let y = num(parts.next()?)?;
    let mut cp = parts.next()?.split(':');
    let (h, mi, s) = (num(cp.next()?)?, num(cp.next()?)?, num(cp.next()?)?);
    if parts.next()? != "GMT" {
        return None;
    }
    seconds(y, mo, d, h, mi, s)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn iso_round_trip() {
        for t in [0, 951_782_400, 1_795_000_000, 4_102_444_799] {
            assert_eq!(parse_iso8601(&format_iso8601(t)), Some(t));
        }
        assert_eq!(format_iso8601(1_700_000_000), "2023-11-14T22:13:20Z");
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
    }
}
