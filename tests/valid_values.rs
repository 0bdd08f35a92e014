//! "A valid value is never refused", as a property: generators of values that each
//! input's owner (GitHub, the key service) accepts — at the edges of their lengths,
//! CamelCase with digits, every AWS partition — each put into its input and run
//! through the real binary; every one must reach the request it names, not an
//! input error. Beside `tests/secrets.rs` (no value is ever echoed), which keeps
//! the other half of the rule.

use std::net::TcpListener;
use std::sync::atomic::AtomicBool;
use std::sync::{Arc, Mutex};

use testkit::bin;
use testkit::http::{self, Response};
use testkit::kms::CloudMock;
use testkit::rng::{ALNUM, Rng};
use testkit::runner::{Run, Step};
use testkit::{APP_KEY_PEM, MockGithub, Scenario};

/// CamelCase words with digits, `n` characters: the shape the old rule refused.
fn camel(rng: &mut Rng, n: usize) -> String {
    let mut s = String::new();
    while s.len() < n {
        let word = [
            "Repository",
            "Name",
            "Very",
            "Long",
            "Indeed",
            "Edition",
            "App",
            "Key",
        ];
        s.push_str(rng.pick(&word));
        s.push_str(&(rng.below(3000)).to_string());
    }
    s.truncate(n);
    s
}

const HEX: &str = "0123456789abcdef";

/// A request seen by [`Recorder`]: method, target, body.
type Seen = (String, String, String);

/// A loopback server that records every request and answers 400 with a JSON error:
/// enough to show that a value reached the key service it names.
struct Recorder {
    url: String,
    seen: Arc<Mutex<Vec<Seen>>>,
    stop: Arc<AtomicBool>,
}

impl Recorder {
    fn start() -> Recorder {
        let listener = TcpListener::bind("127.0.0.1:0").expect("bind");
        let url = format!("http://{}", listener.local_addr().unwrap());
        let seen = Arc::new(Mutex::new(Vec::new()));
        let stop = Arc::new(AtomicBool::new(false));
        let log = seen.clone();
        http::accept_loop("recorder", listener, stop.clone(), move |tcp| {
            let mut reader = std::io::BufReader::new(&tcp);
            while let Ok(Some(req)) = http::read_request(&mut reader) {
                let body = String::from_utf8_lossy(&req.body).into_owned();
                log.lock()
                    .unwrap()
                    .push((req.method.clone(), req.target.clone(), body));
                let mut resp = Response::new(400);
                resp.set_header("Content-Type", "application/json");
                resp.body =
                    br#"{"__type":"NotFoundException","message":"recorded","errors":["recorded"]}"#
                        .to_vec();
                if http::write_response(&mut &tcp, &resp, req.keep_alive()).is_err()
                    || !req.keep_alive()
                {
                    break;
                }
            }
        });
        Recorder { url, seen, stop }
    }

    fn seen(&self) -> Vec<Seen> {
        self.seen.lock().unwrap().clone()
    }
}

impl Drop for Recorder {
    fn drop(&mut self) {
        self.stop.store(true, std::sync::atomic::Ordering::SeqCst);
        let _ = std::net::TcpStream::connect(self.url.trim_start_matches("http://"));
    }
}

/// Runs `cases` (what, input, value) on two threads; each `check` says why a run did
/// not reach its request. Returns every miss.
fn run_all(
    cases: &[(String, String, String)],
    run: impl Fn(&str, &str) -> (Run, Option<String>) + Sync,
) -> Vec<String> {
    std::thread::scope(|s| {
        let workers: Vec<_> = cases
            .chunks(cases.len().div_ceil(2).max(1))
            .map(|chunk| {
                let run = &run;
                s.spawn(move || {
                    let mut misses = Vec::new();
                    for (what, input, value) in chunk {
                        let (result, miss) = run(input, value);
                        if let Some(why) = miss {
                            misses.push(format!(
                                "{what} as `{input}` ({value:?}): {why}\n{}",
                                result.errors().join("\n")
                            ));
                        }
                    }
                    misses
                })
            })
            .collect();
        workers
            .into_iter()
            .flat_map(|w| w.join().unwrap())
            .collect()
    })
}

fn assert_none(misses: Vec<String>, total: usize, what: &str) {
    assert!(
        misses.is_empty(),
        "{} of {total} {what}:\n{}",
        misses.len(),
        misses.join("\n")
    );
}

/// A login as GitHub serves them: letters, digits and hyphens anywhere (accounts from
/// before today's sign-up rule keep leading, trailing and doubled hyphens), 1–39
/// characters, and a managed user's `_shortcode`.
fn login(rng: &mut Rng, len: usize) -> String {
    let mut s = rng.of(&format!("{ALNUM}-"), len);
    if rng.below(4) == 0 {
        s.replace_range(..1, &rng.of(ALNUM, 1));
    }
    s
}

/// A repository name: 1–100 of `A-Za-z0-9._-`, not `.` or `..`.
fn repository(rng: &mut Rng, len: usize) -> String {
    let s = if rng.below(2) == 0 {
        camel(rng, len)
    } else {
        rng.of(&format!("{ALNUM}._-"), len)
    };
    if s == "." || s == ".." {
        "x".repeat(len)
    } else {
        s
    }
}

/// The edges first, then random lengths in `1..=max`.
fn lengths(rng: &mut Rng, max: usize, n: usize) -> Vec<usize> {
    let mut out = vec![1, 2, max - 1, max];
    out.extend((0..n).map(|_| 1 + rng.below(max)));
    out
}

/// GitHub's side: owner, repositories, enterprise, the app's ids, installation-id;
/// each case names the request that must carry the value.
fn github_cases(rng: &mut Rng) -> Vec<(String, String, String)> {
    let mut cases: Vec<(String, &str, String)> = Vec::new();
    for n in lengths(rng, 39, 20) {
        cases.push((format!("login of {n}"), "owner", login(rng, n)));
    }
    for legacy in ["-ACE-", "gil--", "0----0", "foo-"] {
        cases.push(("legacy login".into(), "owner", legacy.to_string()));
    }
    let managed = format!("{}_{}", login(rng, 20), rng.of(ALNUM, 6));
    cases.push(("managed user".into(), "owner", managed));
    for n in lengths(rng, 100, 30) {
        cases.push((
            format!("repository of {n}"),
            "repositories",
            repository(rng, n),
        ));
    }
    for given in [
        "MyRepositoryNameIsVeryLongIndeed2024Edition",
        ".github",
        "a.b-c_d",
    ] {
        cases.push(("repository".into(), "repositories", given.to_string()));
    }
    let list = (0..5)
        .map(|_| repository(rng, 30))
        .collect::<Vec<_>>()
        .join(",\n");
    cases.push(("a list of five".into(), "repositories", list));
    for n in lengths(rng, 100, 10) {
        let slug = rng.of("abcdefghijklmnopqrstuvwxyz0123456789-", n);
        cases.push((format!("enterprise slug of {n}"), "enterprise", slug));
    }
    for _ in 0..5 {
        let v1 = format!("Iv1.{}", rng.of(HEX, 16));
        let v23 = format!("Iv23li{}", rng.of(ALNUM, 14));
        cases.push(("client ID (Iv1.)".into(), "client-id", v1));
        cases.push(("client ID (Iv23)".into(), "client-id", v23));
        let id = (1 + rng.next_u64() % 99_999_999).to_string();
        cases.push(("app ID".into(), "app-id", id));
    }
    for id in ["1", "18446744073709551615", "2147483648"] {
        cases.push(("installation ID".into(), "installation-id", id.to_string()));
    }
    cases
        .into_iter()
        .map(|(what, input, value)| (what, input.to_string(), value))
        .collect()
}

/// Whether `run` sent the request `input: value` must reach.
fn github_reached(gh: &MockGithub, input: &str, value: &str) -> Option<String> {
    let requests = gh.requests();
    let first_repo = value.split([',', '\n']).next().unwrap_or("").trim();
    let hit = requests.iter().any(|r| match input {
        "owner" => r.path == format!("/users/{value}/installation"),
        "repositories" => {
            r.path == format!("/repos/acme/{first_repo}/installation")
                || (r.path.ends_with("/access_tokens") && r.body.contains(first_repo))
        }
        "enterprise" => r.path == format!("/enterprises/{value}/installation"),
        "client-id" | "app-id" => {
            matches!(&r.auth, testkit::Auth::Jwt { iss } if iss == value)
        }
        "installation-id" => r.path.starts_with(&format!("/app/installations/{value}")),
        _ => false,
    });
    (!hit).then(|| format!("no request carried it (saw {})", requests.len()))
}

#[test]
fn github_values_reach_github() {
    let gh = MockGithub::start(Scenario::standard());
    let cases = github_cases(&mut Rng(0x0017_5eed_0001));
    let misses = run_all(&cases, |input, value| {
        let mut step = Step::new(bin!(), &gh.url());
        if input == "app-id" {
            step.input("client-id", "");
        }
        step.input(input, value);
        let run = step.main();
        let miss = github_reached_in(&gh, &run, input, value);
        (run, miss)
    });
    assert_none(
        misses,
        cases.len(),
        "valid values did not reach their request",
    );
}

/// [`github_reached`] for one run: the mock is shared, so a value is looked for
/// among every request (each value is distinct).
fn github_reached_in(gh: &MockGithub, run: &Run, input: &str, value: &str) -> Option<String> {
    if run.code != 0 && run.code != 1 {
        return Some(format!("exit {}", run.code));
    }
    github_reached(gh, input, value)
}

const AWS_PARTITIONS: &[(&str, &str)] = &[
    ("aws", "us-east-1"),
    ("aws-cn", "cn-north-1"),
    ("aws-us-gov", "us-gov-west-1"),
    ("aws-iso", "us-iso-east-1"),
    ("aws-iso-b", "us-isob-east-1"),
    ("aws-iso-e", "eu-isoe-west-1"),
    ("aws-iso-f", "us-isof-south-1"),
    ("aws-eusc", "eusc-de-east-1"),
];

/// AWS KMS key references: key ids (and multi-Region `mrk-` ids), aliases of up to
/// 256 characters (`alias/` + letters, digits, `/_-`), key and alias ARNs in every
/// partition.
fn aws_keys(rng: &mut Rng) -> Vec<String> {
    let uuid = |rng: &mut Rng| {
        let p = |rng: &mut Rng, n| rng.of(HEX, n);
        format!(
            "{}-{}-{}-{}-{}",
            p(rng, 8),
            p(rng, 4),
            p(rng, 4),
            p(rng, 4),
            p(rng, 12)
        )
    };
    let mut keys = vec![uuid(rng), format!("mrk-{}", rng.of(HEX, 32))];
    let alias_chars = format!("{ALNUM}/_-");
    keys.push(format!("alias/{}", camel(rng, 40)));
    keys.push(format!("alias/{}", rng.of(&alias_chars, 250)));
    for (partition, region) in AWS_PARTITIONS {
        let account = rng.of("0123456789", 12);
        keys.push(format!(
            "arn:{partition}:kms:{region}:{account}:key/{}",
            uuid(rng)
        ));
        let n = 1 + rng.below(60);
        let alias = rng.of(&alias_chars, n);
        keys.push(format!(
            "arn:{partition}:kms:{region}:{account}:alias/{alias}"
        ));
    }
    keys
}

/// Google Cloud KMS key version names: project ids (6–30, lower-case, digits,
/// hyphens; domain-scoped `example.com:proj`; or the project number), locations,
/// key ring and key ids of 1–63 `[a-zA-Z0-9_-]`, numeric versions.
fn google_keys(rng: &mut Rng) -> Vec<String> {
    let id_chars = format!("{ALNUM}_-");
    let mut keys = vec![
        "projects/my-proj/locations/global/keyRings/github/cryptoKeys/app/cryptoKeyVersions/1"
            .to_string(),
    ];
    for i in 0..12 {
        let project = match i % 4 {
            0 => format!("a{}", rng.of("abcdefghijklmnopqrstuvwxyz0123456789-", 28)) + "z",
            1 => format!("example.com:{}", rng.of("abcdefghijklmnopqrstuvwxyz", 8)),
            2 => rng.of("0123456789", 12),
            _ => format!("p{}", rng.of("abcdefghijklmnopqrstuvwxyz0123456789", 5)),
        };
        let location = rng.pick(&["global", "us-east1", "europe-west4", "us", "nam-eur-asia1"]);
        let ring = if i % 3 == 0 {
            rng.of(&id_chars, 63)
        } else {
            {
                let n = 1 + rng.below(63);
                camel(rng, n)
            }
        };
        let n = 1 + rng.below(63);
        let key = rng.of(&id_chars, n);
        let version = 1 + rng.below(100_000);
        keys.push(format!(
            "projects/{project}/locations/{location}/keyRings/{ring}/cryptoKeys/{key}/cryptoKeyVersions/{version}"
        ));
    }
    keys
}

/// Azure Key Vault key names (1–127 of `0-9a-zA-Z-`) and 32-hex versions.
fn azure_keys(rng: &mut Rng) -> Vec<(String, String)> {
    let mut keys = vec![(
        "GitHubApp".to_string(),
        "0a1b2c3d4e5f60718293a4b5c6d7e8f9".to_string(),
    )];
    for n in [1, 2, 126, 127, 40, 64] {
        let name = if n > 2 && rng.below(2) == 0 {
            camel(rng, n)
        } else {
            rng.of(&format!("{ALNUM}-"), n)
        };
        keys.push((name, rng.of(HEX, 32)));
    }
    keys
}

/// Vault transit key names (`\w` at both ends, `\w`, `-` and `.` inside: Vault's
/// GenericNameRegex) and mount paths with `/`.
fn vault_keys(rng: &mut Rng) -> Vec<(String, String)> {
    let word = format!("{ALNUM}_");
    let mut keys = vec![("github-app".to_string(), "transit".to_string())];
    for n in [1, 2, 3, 64, 100] {
        let name = if n < 3 {
            rng.of(&word, n)
        } else {
            format!(
                "{}{}{}",
                rng.of(&word, 1),
                rng.of(&format!("{word}-."), n - 2),
                rng.of(&word, 1)
            )
        };
        let mount = match n % 3 {
            0 => "transit".to_string(),
            1 => format!("team-{}/transit", rng.of("abcdefghijklmnopqrstuvwxyz", 5)),
            _ => camel(rng, 20),
        };
        keys.push((name, mount));
    }
    keys
}

/// A main step signing with `kms-key` instead of the private key.
fn kms_step(gh: &MockGithub, kms_key: &str) -> Step {
    let mut step = Step::new(bin!(), &gh.url());
    step.input("private-key", "").input("kms-key", kms_key);
    step
}

fn decoded_targets<T>(seen: &[T], target: impl Fn(&T) -> &str) -> Vec<String> {
    seen.iter()
        .map(|s| http::percent_decode(target(s)))
        .collect()
}

#[test]
fn key_service_values_reach_their_service() {
    let mut rng = Rng(0x0017_5eed_0002);
    let gh = MockGithub::start(Scenario::standard());
    let mut misses = Vec::new();
    let mut total = 0;

    let google = CloudMock::google(
        "projects/p/locations/global/keyRings/r/cryptoKeys/k/cryptoKeyVersions/1",
        "ya29.valid-values",
        APP_KEY_PEM,
    );
    for name in google_keys(&mut rng) {
        total += 1;
        let mut step = kms_step(&gh, &format!("gcpkms://{name}"));
        step.var("CLOUDSDK_API_ENDPOINT_OVERRIDES_CLOUDKMS", &google.url)
            .input("kms-access-token", "ya29.valid-values");
        let run = step.main();
        if !decoded_targets(&google.seen(), |s| &s.target)
            .iter()
            .any(|t| t.contains(&name))
        {
            misses.push(format!(
                "gcpkms://{name}: never reached the mock\n{}",
                run.errors().join("\n")
            ));
        }
    }

    let azure = CloudMock::azure("k", "0", "azure-valid-values", APP_KEY_PEM);
    let host = azure.url.trim_start_matches("http://").to_string();
    for (name, version) in azure_keys(&mut rng) {
        total += 1;
        let uri = format!("azurekms://{host}/{name}/{version}");
        let mut step = kms_step(&gh, &uri);
        step.input("kms-access-token", "azure-valid-values");
        let run = step.main();
        let path = format!("/keys/{name}/{version}");
        if !decoded_targets(&azure.seen(), |s| &s.target)
            .iter()
            .any(|t| t.contains(&path))
        {
            misses.push(format!(
                "{uri}: never reached the mock\n{}",
                run.errors().join("\n")
            ));
        }
    }

    let aws = Recorder::start();
    for key in aws_keys(&mut rng) {
        total += 1;
        let mut step = kms_step(&gh, &format!("awskms:///{key}"));
        step.var("AWS_ENDPOINT_URL", &aws.url)
            .var("AWS_REGION", "us-east-1")
            .var("AWS_ACCESS_KEY_ID", "AKIAIOSFODNN7EXAMPLE")
            .var("AWS_SECRET_ACCESS_KEY", "valid-values-secret");
        let run = step.main();
        let needle = format!("\"KeyId\":\"{key}\"");
        if !aws.seen().iter().any(|(_, _, body)| body.contains(&needle)) {
            misses.push(format!(
                "awskms:///{key}: never reached KMS\n{}",
                run.errors().join("\n")
            ));
        }
    }

    let vault = Recorder::start();
    for (name, mount) in vault_keys(&mut rng) {
        for scheme in ["hashivault", "openbao"] {
            total += 1;
            let mut step = kms_step(&gh, &format!("{scheme}://{name}"));
            step.var("VAULT_ADDR", &vault.url)
                .var("VAULT_TOKEN", "valid-values-vault-token")
                .input("vault-transit-mount", &mount);
            let run = step.main();
            let path = format!("/v1/{mount}/keys/{name}");
            if !decoded_targets(&vault.seen(), |s| &s.1)
                .iter()
                .any(|t| t.starts_with(&path))
            {
                misses.push(format!(
                    "{scheme}://{name} on {mount}: never reached Vault\n{}",
                    run.errors().join("\n")
                ));
            }
        }
    }
    assert_none(misses, total, "valid values did not reach their request");
}

/// Every permission GitHub lists, at every level it takes, reaches the mint body.
#[test]
fn every_permission_level_reaches_the_mint() {
    let gh = MockGithub::start(Scenario::standard());
    let list: serde_json::Value =
        serde_json::from_str(&testkit::fixture("app-permissions.json")).unwrap();
    let cases: Vec<(String, String, String)> = list["permissions"]
        .as_object()
        .unwrap()
        .iter()
        .flat_map(|(name, levels)| {
            levels.as_array().unwrap().iter().map(move |l| {
                let input = format!("permission-{}", name.replace('_', "-"));
                (name.clone(), input, l.as_str().unwrap().to_string())
            })
        })
        .collect();
    let misses = run_all(&cases, |input, level| {
        let mut step = Step::new(bin!(), &gh.url());
        step.input(input, level);
        let run = step.main();
        let name = input.trim_start_matches("permission-").replace('-', "_");
        let pair = format!("\"{name}\":\"{level}\"");
        let reached = gh
            .requests()
            .iter()
            .any(|r| r.path.ends_with("/access_tokens") && r.body.contains(&pair));
        (run, (!reached).then(|| "not in any mint body".to_string()))
    });
    assert_none(
        misses,
        cases.len(),
        "valid values did not reach their request",
    );
}

/// The other half of the rule: a value whose shape is certain — PEM armour, a GitHub
/// token, a JWT — is refused in any input that takes no secret, with one `::error`
/// that names the input and does not echo it, before any request.
#[test]
fn certain_secrets_are_still_refused_unechoed() {
    let gh = MockGithub::start(Scenario::standard());
    let mut rng = Rng(0x0017_5eed_0003);
    let jwt = "eyJhbGciOiJSUzI1NiIsInR5cCI6IkpXVCJ9.eyJpc3MiOiJJdjIzbGkifQ.c2lnbmF0dXJl";
    let secrets = [
        APP_KEY_PEM.to_string(),
        format!("ghs_{}", rng.of(ALNUM, 36)),
        format!("ghp_{}", rng.of(ALNUM, 36)),
        format!("ghs_12345_{jwt}"),
        format!("github_pat_{}_{}", rng.of(ALNUM, 22), rng.of(ALNUM, 59)),
        jwt.to_string(),
    ];
    let inputs = [
        "owner",
        "repositories",
        "enterprise",
        "app-id",
        "kms-key",
        "permission-contents",
    ];
    let cases: Vec<(String, String, String)> = inputs
        .iter()
        .flat_map(|i| {
            secrets
                .iter()
                .map(|s| ("secret".to_string(), i.to_string(), s.clone()))
        })
        .collect();
    let misses = run_all(&cases, |input, value| {
        let mut step = Step::new(bin!(), &gh.url());
        step.input(input, value);
        let run = step.main();
        let errors = run.errors();
        let body: String = value.lines().filter(|l| !l.starts_with("-----")).collect();
        let miss = if run.code != 1 || errors.len() != 1 {
            Some(format!("exit {} with {} errors", run.code, errors.len()))
        } else if !errors[0].contains(&format!("`{input}`")) {
            Some("the error does not name the input".into())
        } else if run.logged().contains(&body[..body.len().min(24)]) {
            Some("the value was echoed".into())
        } else {
            None
        };
        (run, miss)
    });
    assert_none(
        misses,
        cases.len(),
        "secrets were not refused as they should be",
    );
    assert!(gh.requests().is_empty(), "a refused value reached GitHub");
}

/// The remaining GitHub-side inputs: YAML 1.2 core booleans, both token formats,
/// and the API URL written every way a URL may be (trailing slash, `localhost`, an
/// upper-case scheme and host): each run still mints.
#[test]
fn booleans_formats_and_api_urls_reach_the_mint() {
    let gh = MockGithub::start(Scenario::standard());
    let url = gh.url();
    let port = url.rsplit(':').next().unwrap().to_string();
    let mut cases: Vec<(String, String, String)> = Vec::new();
    for input in ["skip-token-revoke", "bot-identity"] {
        for v in ["true", "True", "TRUE", "false", "False", "FALSE"] {
            cases.push(("boolean".into(), input.into(), v.into()));
        }
    }
    for v in ["stateless", "stateful"] {
        cases.push(("token format".into(), "token-format".into(), v.into()));
    }
    for v in [
        url.clone(),
        format!("{url}/"),
        format!("http://localhost:{port}"),
        format!("HTTP://127.0.0.1:{port}"),
    ] {
        cases.push(("API URL".into(), "github-api-url".into(), v));
    }
    let before = gh.minted().len();
    let misses = run_all(&cases, |input, value| {
        let mut step = Step::new(bin!(), &url);
        step.input(input, value);
        let run = step.main();
        let miss = (run.code != 0).then(|| format!("exit {}", run.code));
        (run, miss)
    });
    assert_none(misses, cases.len(), "valid values did not mint");
    assert_eq!(gh.minted().len() - before, cases.len());
}
