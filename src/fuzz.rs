//! Bounded property tests for the readers of untrusted wire text: dates,
//! `Retry-After` and rate-limit headers, `Location`, bodies, proxy variables,
//! service URLs and GitHub's JSON answers. Each target feeds its reader
//! generated and mutated inputs from a fixed seed and checks that it never
//! panics and that what it accepts holds its promise.
//!
//! Run longer: `FUZZ_ITERATIONS=1000000 cargo test --release --lib fuzz::`
//! (`FUZZ_SEED=N` for another sequence). A failure prints the seed and the input.

use std::time::Duration;

use crate::github::Readings;
use crate::transport::{Reader, Response};
use crate::url::ServiceUrl;
use crate::wire::{self, NotA, Target};

/// SplitMix64: a tiny, well-known generator, enough to spread inputs.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    fn below(&mut self, n: usize) -> usize {
        (self.next() % n.max(1) as u64) as usize
    }

    fn pick<'a, T>(&mut self, items: &'a [T]) -> &'a T {
        &items[self.below(items.len())]
    }
}

/// Pieces hostile text is made of: digits, delimiters of dates, URLs and
/// headers, multi-byte and line-breaking characters, controls, huge numbers.
const PIECES: &[&str] = &[
    "0",
    "1",
    "9",
    "12",
    "31",
    "60",
    "99",
    "2026",
    "99999999999999",
    "9223372036854775807",
    "18446744073709551616",
    "-",
    "+",
    ":",
    "T",
    "t",
    "Z",
    "z",
    ".",
    ",",
    " ",
    "  ",
    "\t",
    "/",
    "//",
    "?",
    "#",
    "@",
    "%",
    "%2F",
    "%zz",
    "[",
    "]",
    "::1",
    "[::1]",
    "http://",
    "https://",
    "ftp://",
    "127.0.0.1",
    "127.0.0.2",
    "api.github.com",
    "GMT",
    "UTC",
    "Sun",
    "Nov",
    "Feb",
    "é",
    "😀",
    "\u{664}",
    "\u{2028}",
    "\r",
    "\n",
    "\0",
    "\u{1b}",
    "##[",
    "::",
    "\"",
    "{",
    "}",
    "[]",
    "null",
    "true",
];

/// A string of 0 to 12 pieces.
fn junk(rng: &mut Rng) -> String {
    (0..rng.below(13)).map(|_| *rng.pick(PIECES)).collect()
}

/// `seed` with one to three edits: a piece inserted, a character removed or replaced.
fn mutate(rng: &mut Rng, seed: &str) -> String {
    let mut chars: Vec<String> = seed.chars().map(String::from).collect();
    for _ in 0..=rng.below(3) {
        let at = rng.below(chars.len() + 1);
        match rng.below(3) {
            0 => chars.insert(at, (*rng.pick(PIECES)).to_string()),
            1 if at < chars.len() => {
                chars.remove(at);
            }
            _ if at < chars.len() => chars[at] = (*rng.pick(PIECES)).to_string(),
            _ => chars.push((*rng.pick(PIECES)).to_string()),
        }
    }
    chars.concat()
}

/// Either junk or a mutation of one of `seeds`.
fn input(rng: &mut Rng, seeds: &[&str]) -> String {
    if rng.below(4) == 0 {
        junk(rng)
    } else {
        let seed = seeds[rng.below(seeds.len())];
        mutate(rng, seed)
    }
}

/// Runs `check` on `FUZZ_ITERATIONS` (default `default`) inputs from `FUZZ_SEED`.
fn run(name: &str, default: u64, mut check: impl FnMut(&mut Rng) -> Result<(), String>) {
    let env = |k: &str, d: u64| {
        std::env::var(k)
            .ok()
            .and_then(|v| v.parse().ok())
            .unwrap_or(d)
    };
    let (iterations, seed) = (env("FUZZ_ITERATIONS", default), env("FUZZ_SEED", 0x5EED));
    let mut rng = Rng(seed
        ^ name
            .bytes()
            .fold(0u64, |h, b| h.wrapping_mul(31).wrapping_add(u64::from(b))));
    let started = std::time::Instant::now();
    for i in 0..iterations {
        if let Err(e) = check(&mut rng) {
            panic!("{name}: iteration {i} (FUZZ_SEED={seed}): {e}");
        }
    }
    if std::env::var_os("FUZZ_REPORT").is_some() {
        println!(
            "fuzz {name}: {iterations} executions in {:.2} s",
            started.elapsed().as_secs_f64()
        );
    }
}

const DATES: &[&str] = &[
    "2026-11-23T10:51:22Z",
    "2016-07-11T23:14:10+01:00",
    "2016-07-11T22:14:10.123Z",
    "2024-02-29T00:00:00-12:00",
    "9999-12-31T23:59:59Z",
];
const HTTP_DATES: &[&str] = &[
    "Sun, 06 Nov 1994 08:49:37 GMT",
    "Thu, 03 Dec 2026 21:00:00 GMT",
    "Fri, 31 Dec 9999 23:59:59 GMT",
];

#[test]
fn rfc3339_dates() {
    run("rfc3339", 20_000, |rng| {
        let text = input(rng, DATES);
        let Some(t) = crate::time::parse_iso8601(&text) else {
            return Ok(());
        };
        // Whatever is accepted is a date the program can write again, the same instant.
        let again = crate::time::format_iso8601(t).ok_or(format!("{text:?}: {t} unwritable"))?;
        let back = crate::time::parse_iso8601(&again);
        (back == Some(t))
            .then_some(())
            .ok_or(format!("{text:?} -> {again}"))
    });
}

#[test]
fn http_dates() {
    run("http-date", 20_000, |rng| {
        let text = input(rng, HTTP_DATES);
        match crate::time::parse_http_date(&text) {
            Some(t) if crate::time::format_iso8601(t).is_none() => {
                Err(format!("{text:?}: {t} out of range"))
            }
            _ => Ok(()),
        }
    });
}

/// An answer with `n` headers drawn from the retry-related ones.
fn answer(rng: &mut Rng) -> Response {
    const NAMES: &[&str] = &[
        "Retry-After",
        "Date",
        "x-ratelimit-remaining",
        "x-ratelimit-reset",
        "Location",
    ];
    const VALUES: &[&str] = &[
        "0",
        "3",
        "60",
        "9223372036854775807",
        "Sun, 06 Nov 1994 08:49:37 GMT",
        "/repositories/1/installation",
    ];
    let headers: Vec<(String, String)> = (0..rng.below(6))
        .map(|_| {
            let name = (*rng.pick(NAMES)).to_string();
            (name, input(rng, VALUES))
        })
        .collect();
    let statuses = [200, 301, 403, 429, 500, 503];
    let body = if rng.below(2) == 0 {
        r#"{"message":"You have exceeded a secondary rate limit."}"#.to_string()
    } else {
        junk(rng)
    };
    let pairs: Vec<(&str, &str)> = headers
        .iter()
        .map(|(n, v)| (n.as_str(), v.as_str()))
        .collect();
    Response::new(*rng.pick(&statuses), &pairs, &body)
}

#[test]
fn retry_and_rate_limit_headers() {
    run("retry-headers", 20_000, |rng| {
        let resp = answer(rng);
        let _ = resp.date();
        if let Some(wait) = resp.retry_after() {
            let v = resp.header("retry-after").unwrap_or_default().trim();
            // Not digits: an HTTP date, so no more than years 0000-9999 ahead.
            let ten_thousand_years = Duration::from_secs(10_000 * 366 * 86_400);
            if crate::transport::seconds(v).is_none() && wait > ten_thousand_years {
                return Err(format!("{v:?} -> {wait:?}"));
            }
        }
        let reading = Readings.read(&resp);
        // Whatever was asked, the retry decision neither panics nor waits past the cap.
        for attempt in 1..=crate::retry::MAX_ATTEMPTS {
            let outcome = crate::retry::Outcome::Answer {
                status: resp.status,
                limit: reading.limit,
                asked: reading.asked,
            };
            let decision = crate::retry::decide(outcome, attempt, Duration::from_secs(120), 0.5);
            if let crate::retry::Decision::Retry { wait, .. } = decision
                && wait > crate::retry::MAX_WAIT * 2
            {
                return Err(format!("waits {wait:?}"));
            }
        }
        Ok(())
    });
}

#[test]
fn location_headers() {
    let bases = [
        ServiceUrl::parse("https://api.github.com").unwrap(),
        ServiceUrl::parse("https://ghe.example.com:8443/api/v3").unwrap(),
        ServiceUrl::parse("http://[::1]:8080").unwrap(),
    ];
    const LOCATIONS: &[&str] = &[
        "https://api.github.com/repositories/42/installation",
        "/repositories/42/installation",
        "//api.github.com/x",
        "installation?x=1#f",
        "http://127.0.0.2:9/steal?token=x",
        "https://ghe.example.com:8443/api/v3/repositories/1/installation",
        "http://[::1]:8080/x",
    ];
    run("location", 20_000, |rng| {
        let base = &bases[rng.below(bases.len())];
        let current = base.join("/repos/a/b/installation");
        let location = input(rng, LOCATIONS);
        match wire::resolve(base, &current, &location) {
            Ok(Target::Same(url)) => {
                // Followed only where the connecting parser sees the same origin.
                let uri: ureq::http::Uri =
                    url.parse().map_err(|_| format!("{url:?} unparsable"))?;
                let host = uri.host().unwrap_or_default().trim_matches(['[', ']']);
                let port = uri
                    .port_u16()
                    .unwrap_or(if base.is_https() { 443 } else { 80 });
                let same = host.eq_ignore_ascii_case(base.host())
                    && port == base.port()
                    && url.starts_with(&base.origin());
                same.then_some(())
                    .ok_or(format!("{location:?} -> {url:?} leaves {}", base.origin()))
            }
            Ok(Target::Other(to)) => {
                let rest = to.split_once("://").map_or("", |(_, r)| r);
                (!rest.contains(['/', '?', '@', '#']))
                    .then_some(())
                    .ok_or(format!("{location:?} shows {to:?}"))
            }
            Err(NotA::Redirect) => Ok(()),
            Err(other) => Err(format!("{location:?}: {other:?}")),
        }
    });
}

#[test]
fn bodies() {
    run("body", 20_000, |rng| {
        let bytes: Vec<u8> = (0..rng.below(24)).map(|_| rng.next() as u8).collect();
        let codings = [None, Some("identity"), Some("gzip"), Some(" "), Some("br")];
        let coding = *rng.pick(&codings);
        let plain = coding.is_none_or(|c| c.trim().is_empty() || c.trim() == "identity");
        match wire::text(coding, bytes.clone()) {
            Ok(text) if plain && text.as_bytes() == bytes => Ok(()),
            Err(NotA::Plain) if !plain => Ok(()),
            Err(NotA::Text) if plain && std::str::from_utf8(&bytes).is_err() => Ok(()),
            other => Err(format!("{coding:?} {bytes:?}: {other:?}")),
        }
    });
}

#[test]
fn proxy_variables() {
    const PROXIES: &[&str] = &[
        "http://alice:PASS@proxy:3128",
        "PASS@proxy:3128",
        "http://u:PASS@[::1]:3128/",
        "https://PASS:x@p",
    ];
    let target = ServiceUrl::parse("https://api.github.com").unwrap();
    run("proxy", 10_000, |rng| {
        // The password is marked so that any piece of it that leaks is found.
        let pass = format!("Qx{}Qx", junk(rng));
        let value = input(rng, PROXIES).replace("PASS", &pass);
        if !value.contains('@') {
            // No user info left: the marked text is a host, and may be shown.
            return Ok(());
        }
        let env = |k: &str| (k == "HTTPS_PROXY").then(|| value.clone());
        let choice = match crate::net::proxy_from(&target, env) {
            Ok(Some(choice)) => choice,
            Ok(None) => return Err(format!("{value:?} ignored")),
            // A refusal quotes nothing of the value.
            Err(e) if e.to_string().contains("Qx") => return Err(format!("{value:?}: {e}")),
            Err(_) => return Ok(()),
        };
        // Accepted: the user info, as the connecting parser splits it, is never shown,
        // and the host shown is the one it connects to.
        let trimmed = value.trim();
        let url = match trimmed.contains("://") {
            true => trimmed.to_string(),
            false => format!("http://{trimmed}"),
        };
        let uri: ureq::http::Uri = url.parse().map_err(|_| format!("{value:?} accepted"))?;
        let authority = uri.authority().map_or("", |a| a.as_str());
        let hostport = authority.rsplit_once('@').map_or(authority, |(_, hp)| hp);
        let scheme = uri.scheme_str().unwrap_or_default();
        (choice
            .shown
            .eq_ignore_ascii_case(&format!("{scheme}://{hostport}")))
        .then_some(())
        .ok_or(format!("{value:?} shows {:?}", choice.shown))
    });
}

#[test]
fn no_proxy_lists() {
    const LISTS: &[&str] = &[
        "localhost,.example.com",
        "*",
        "[::1]:8080,10.0.0.1",
        "*.corp:443",
    ];
    run("no-proxy", 20_000, |rng| {
        let list = input(rng, LISTS);
        let host = input(rng, &["api.example.com", "::1", "corp", "10.0.0.1"]);
        // No panic on any list; the empty list never bypasses.
        let _ = crate::net::bypassed(&list, &host, rng.below(65_536) as u16);
        (!crate::net::bypassed("", &host, 443))
            .then_some(())
            .ok_or(format!("{host:?} bypassed by nothing"))
    });
}

#[test]
fn service_urls() {
    const URLS: &[&str] = &[
        "https://api.github.com",
        "https://GHE.example.com:8443/api/v3/",
        "http://[::1]:8080",
        "http://127.0.0.1:9/x?y",
        "https://kms.us-east-1.amazonaws.com/",
    ];
    run("service-url", 20_000, |rng| {
        let text = input(rng, URLS);
        let Ok(url) = ServiceUrl::parse(&text) else {
            return Ok(());
        };
        // What is validated is what connects: the same host and port for ureq's parser.
        let joined = url.join("/app");
        let uri: ureq::http::Uri = joined
            .parse()
            .map_err(|_| format!("{text:?} -> {joined:?} unparsable"))?;
        let host = uri.host().unwrap_or_default().trim_matches(['[', ']']);
        let port = uri
            .port_u16()
            .unwrap_or(if url.is_https() { 443 } else { 80 });
        (host.eq_ignore_ascii_case(url.host()) && port == url.port())
            .then_some(())
            .ok_or(format!(
                "{text:?}: checked {}:{}, connects {host}:{port}",
                url.host(),
                url.port()
            ))
    });
}

#[test]
fn github_json_answers() {
    const ANSWERS: &[&str] = &[
        r#"{"id":1,"slug":"a","owner":{"login":"o"}}"#,
        r#"{"token":"ghs_x","expires_at":"2026-11-23T10:51:22Z","permissions":{"contents":"read"},"repository_selection":"selected","repositories":[{"name":"r"}]}"#,
        r#"{"id":7,"app_slug":"a","account":{"login":"acme","type":"Organization"},"repository_selection":"all","permissions":{"issues":"write"}}"#,
        r#"{"message":"Bad credentials","documentation_url":"x"}"#,
    ];
    let call = crate::transport::Call {
        purpose: None,
        method: crate::transport::Method::Get,
        path: "/x".into(),
    };
    run("github-json", 20_000, |rng| {
        let body = input(rng, ANSWERS);
        let resp = Response::new(200, &[], &body);
        let _ = resp.json::<crate::github::App>(&call);
        let _ = resp.json::<crate::installation::Installation>(&call);
        let _ = crate::github::message(&resp);
        if let Ok(token) = resp.json::<crate::token::Token>(&call) {
            let _ = crate::time::parse_iso8601(&token.expires_at);
        }
        Ok(())
    });
}
