//! "No message ever contains the key or a token", as a property: a real key's
//! armour and body damaged many ways, and token-shaped strings, put into every
//! input in turn; no output of main or post may hold 16 characters of either.

use std::collections::{BTreeMap, HashSet};

use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use testkit::bin;
use testkit::rng::Rng;
use testkit::runner::{Run, Step, declared_inputs};
use testkit::{APP_KEY_PEM, Fault, MockGithub, Scenario};

/// The length of a run of secret text that counts as a leak.
const RUN: usize = 16;

const BEGIN: &str = "-----BEGIN RSA PRIVATE KEY-----";
const END: &str = "-----END RSA PRIVATE KEY-----";

/// One way a copy-paste or a secret store damages a PEM file.
fn mutate(pem: &str, how: usize, rng: &mut Rng) -> (String, String) {
    let lines: Vec<&str> = pem.trim_end().lines().collect();
    if lines.len() < 3 && (9..=15).contains(&how) {
        // Line-level damage needs lines: an earlier mutation joined them.
        return ("(no lines to damage)".into(), pem.to_string());
    }
    let join = |l: &[&str]| l.join("\n") + "\n";
    let body_at = 1 + rng.below(lines.len().saturating_sub(2).max(1));
    match how {
        0 => ("as is".into(), pem.to_string()),
        1..=6 => {
            let broken = [
                "-----BEGIN RSA PRIVATE KEY---0-",
                "-----BEGIN RSA PRIVATE KEYa----",
                "-----BEGIN RSA PRIVATE KEY----",
                "-----BEGIN RSA PRIVATE KEY",
                "-----BEGIN RSA PRIVATE KEY------",
                "-----BEGIN rsa private key-----",
            ][how - 1];
            (
                format!("BEGIN line {broken:?}"),
                pem.replacen(BEGIN, broken, 1),
            )
        }
        7 => (
            "END line broken".into(),
            pem.replacen(END, "-----END RSA PRIVATE KEY-", 1),
        ),
        8 => (
            "label runs on into the body".into(),
            pem.replacen(&format!("{BEGIN}\n"), BEGIN, 1),
        ),
        9 => ("BEGIN line missing".into(), join(&lines[1..])),
        10 => ("END line missing".into(), join(&lines[..lines.len() - 1])),
        11 => (
            "both armour lines missing".into(),
            join(&lines[1..lines.len() - 1]),
        ),
        12 => ("BEGIN line doubled".into(), format!("{BEGIN}\n{pem}")),
        13 => ("END line doubled".into(), format!("{pem}{END}\n")),
        14 => {
            let mut l = lines.clone();
            l.insert(body_at, lines[body_at]);
            ("a body line doubled".into(), join(&l))
        }
        15 => {
            let mut l = lines.clone();
            l.remove(body_at);
            ("a body line missing".into(), join(&l))
        }
        16 => {
            let mut text: Vec<char> = pem.chars().collect();
            for _ in 0..1 + rng.below(3) {
                let stray = ['!', '#', '%', '*', ':', '@', '~', ' ', '"', '\\', '-'][rng.below(11)];
                let at = rng.below(text.len());
                text.insert(at, stray);
            }
            ("stray characters".into(), text.into_iter().collect())
        }
        17 => ("CRLF".into(), pem.replace('\n', "\r\n")),
        18 => (
            "escaped newlines".into(),
            pem.trim_end().replace('\n', "\\n"),
        ),
        19 => (
            "newlines became spaces".into(),
            pem.trim_end().replace('\n', " "),
        ),
        20 => ("quoted".into(), format!("\"{}\"", pem.trim_end())),
        21 => (
            "label changed".into(),
            pem.replace("RSA PRIVATE KEY", "RSA PRIVATE KEY2"),
        ),
        22 => (
            "a certificate label".into(),
            pem.replace("RSA PRIVATE KEY", "CERTIFICATE"),
        ),
        _ => unreachable!(),
    }
}

const MUTATIONS: usize = 23;

/// The damaged keys: each mutation alone, its base64, and random pairs.
fn damaged_keys(rng: &mut Rng) -> Vec<(String, String)> {
    let mut out = Vec::new();
    for how in 0..MUTATIONS {
        let (what, text) = mutate(APP_KEY_PEM, how, rng);
        out.push((format!("base64 of ({what})"), STANDARD.encode(&text)));
        out.push((what, text));
    }
    for _ in 0..12 {
        let (a, b) = (rng.below(MUTATIONS), rng.below(MUTATIONS));
        let (wa, ta) = mutate(APP_KEY_PEM, a, rng);
        let (wb, tb) = mutate(&ta, b, rng);
        out.push((format!("{wa}, then {wb}"), tb));
    }
    out
}

/// Token-shaped strings: the classic form and GitHub's 2026 form (`ghs_<app id>_<JWT>`).
fn tokens(rng: &mut Rng) -> Vec<String> {
    let header = STANDARD.encode(br#"{"alg":"RS256","kid":"property-test"}"#);
    vec![
        format!("ghs_{}", rng.alnum(36)),
        format!(
            "ghs_12345_{}.{}.{}",
            header.trim_end_matches('='),
            rng.alnum(120),
            rng.alnum(342)
        ),
    ]
}

/// Every run of [`RUN`] bytes of `secret` (of each line, so that armour breaks
/// cannot hide a run).
fn runs(secret: &str, into: &mut HashSet<Vec<u8>>) {
    let compact: String = secret.split_whitespace().collect();
    for w in compact.as_bytes().windows(RUN) {
        into.insert(w.to_vec());
    }
}

/// Where in `run` a secret's run shows, if anywhere (never the text itself).
fn leak(run: &Run, secrets: &HashSet<Vec<u8>>) -> Option<String> {
    let without_token = |m: &BTreeMap<String, String>| {
        m.iter()
            .filter(|(k, _)| k.as_str() != "token")
            .map(|(k, v)| format!("{k}={v}\n"))
            .collect::<String>()
    };
    // `::add-mask::` lines are read by the runner and never logged.
    let stdout: String = run
        .stdout
        .lines()
        .filter(|l| !l.starts_with("::add-mask::"))
        .map(|l| format!("{l}\n"))
        .collect();
    let streams = [
        ("stdout", stdout),
        ("stderr", run.stderr.clone()),
        ("outputs", without_token(&run.outputs)),
        ("state", without_token(&run.state)),
    ];
    for (name, text) in streams {
        for (n, line) in text.lines().enumerate() {
            if line.as_bytes().windows(RUN).any(|w| secrets.contains(w)) {
                return Some(format!("{name} line {}", n + 1));
            }
        }
    }
    None
}

#[test]
fn no_output_holds_the_key_or_a_token() {
    // Post revokes a token the mock never minted: accept it, so no retry waits.
    let gh = MockGithub::builder(Scenario::standard())
        .fault(
            Fault::on("DELETE", "/installation/token")
                .status(204)
                .body(""),
        )
        .start();
    let mut rng = Rng(0x5eed_1234_abcd_ef01);
    let mut values = damaged_keys(&mut rng);
    let tokens = tokens(&mut rng);
    let mut secrets = HashSet::new();
    let body: String = APP_KEY_PEM
        .lines()
        .filter(|l| !l.starts_with("-----"))
        .collect();
    runs(&body, &mut secrets);
    for (i, t) in tokens.iter().enumerate() {
        runs(t, &mut secrets);
        values.push((format!("token shape {i}"), t.clone()));
    }
    let inputs: Vec<String> = declared_inputs(&gh.url())
        .into_iter()
        .map(|(name, _)| name)
        .collect();
    // What the post stage reads; its state holds a token that is not under test.
    let post_reads = ["skip-token-revoke", "github-api-url", "ca-certificates"];
    let post_state = BTreeMap::from([
        ("token".to_string(), "posttoken".to_string()),
        ("expires_at".to_string(), "2999-01-01T00:00:00Z".to_string()),
    ]);

    let jobs: Vec<(&str, &(String, String))> = inputs
        .iter()
        .flat_map(|input| values.iter().map(move |v| (input.as_str(), v)))
        .collect();
    let failures: Vec<String> = std::thread::scope(|s| {
        let workers: Vec<_> = jobs
            .chunks(jobs.len().div_ceil(2))
            .map(|chunk| {
                let (gh, secrets, post_state) = (&gh, &secrets, &post_state);
                s.spawn(move || {
                    let mut found = Vec::new();
                    for (input, (what, value)) in chunk {
                        let mut step = Step::new(bin!(), &gh.url());
                        step.input(input, value);
                        if let Some(w) = leak(&step.main(), secrets) {
                            found.push(format!("main, {what} as `{input}`: {w}"));
                        }
                        if post_reads.contains(input)
                            && let Some(w) = leak(&step.post_with_state(post_state), secrets)
                        {
                            found.push(format!("post, {what} as `{input}`: {w}"));
                        }
                    }
                    found
                })
            })
            .collect();
        workers
            .into_iter()
            .flat_map(|w| w.join().unwrap())
            .collect()
    });
    assert!(
        failures.is_empty(),
        "{} of {} runs show secret text:\n{}",
        failures.len(),
        jobs.len(),
        failures.join("\n")
    );
}
