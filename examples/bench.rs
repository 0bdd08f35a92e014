//! Benchmark of the main stage, end to end on loopback: the release binary run
//! as the runner runs it (env, file commands) against the in-process mock
//! GitHub API, which verifies every JWT. Prints a Markdown report.
//!
//! `scripts/bench [RUNS]` builds the release binary and runs this.
//!
//! With `APP_TOKEN_ACTION_NATIVE_DIR` (an entry from `scripts/native-action`) and
//! `APP_TOKEN_ACTION_NODE` (node 24) it also times the native entry's main stage, `node
//! main.js` as the runner starts it, paired run by run with its bare linux-x64 binary on
//! the same mock, and node's own start (`node -e 0`).

use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use testkit::runner::{Step, release_bin};
use testkit::{MockGithub, Scenario};

fn children_usage() -> libc::rusage {
    // SAFETY: getrusage writes into the zeroed struct we own.
    unsafe {
        let mut u: libc::rusage = std::mem::zeroed();
        libc::getrusage(libc::RUSAGE_CHILDREN, &mut u);
        u
    }
}

fn cpu(u: &libc::rusage) -> Duration {
    let tv = |t: libc::timeval| Duration::new(t.tv_sec as u64, t.tv_usec as u32 * 1000);
    tv(u.ru_utime) + tv(u.ru_stime)
}

fn percentile(sorted: &[Duration], p: f64) -> Duration {
    let i = ((sorted.len() as f64 - 1.0) * p).round() as usize;
    sorted[i]
}

fn ms(d: Duration) -> String {
    format!("{:.2} ms", d.as_secs_f64() * 1000.0)
}

/// Milliseconds each request took, from the `::debug::` lines.
fn request_times(stdout: &str) -> Vec<(String, f64)> {
    stdout
        .lines()
        .filter_map(|l| l.strip_prefix("::debug::"))
        .filter_map(|l| {
            let (req, rest) = l.split_once(" -> ")?;
            let ms = rest.split(" in ").nth(1)?.split(' ').next()?.parse().ok()?;
            Some((req.to_string(), ms))
        })
        .collect()
}

fn main() {
    let runs: usize = std::env::args()
        .nth(1)
        .and_then(|a| a.parse().ok())
        .unwrap_or(50);
    let gh = MockGithub::start(Scenario::standard());
    let mut step = Step::new(&release_bin(), &gh.url());
    // Debug lines carry each request's duration.
    step.var("RUNNER_DEBUG", "1");

    // Warm-up: page cache, the mock's threads.
    for _ in 0..3 {
        assert_eq!(step.main().code, 0);
    }
    let requests_before = gh.requests().len();
    let usage_before = children_usage();
    let mut walls = Vec::with_capacity(runs);
    let mut per_request: Vec<(String, f64)> = Vec::new();
    for _ in 0..runs {
        let started = Instant::now();
        let run = step.main();
        walls.push(started.elapsed());
        assert_eq!(run.code, 0, "{}", run.shown());
        per_request.extend(request_times(&run.stdout));
    }
    let usage = children_usage();
    let requests = (gh.requests().len() - requests_before) as f64 / runs as f64;

    // Process start alone: `--version` exits before any work.
    let mut starts = Vec::new();
    for _ in 0..runs {
        let started = Instant::now();
        let out = std::process::Command::new(release_bin())
            .arg("--version")
            .output()
            .expect("run --version");
        starts.push(started.elapsed());
        assert!(out.status.success());
    }

    // Key parse and JWT signing, in process (the same code the binary runs).
    let key_text = testkit::APP_KEY_PEM;
    let n = 200u32;
    let t = Instant::now();
    for _ in 0..n {
        let _ = app_token_action::key::parse(key_text).expect("key");
    }
    let parse = t.elapsed() / n;
    let key = app_token_action::key::parse(key_text).expect("key");
    let jwt = app_token_action::jwt::AppJwt::new("Iv23liBench", &key);
    let clock = app_token_action::time::GithubClock::default();
    let t = Instant::now();
    for _ in 0..n {
        std::hint::black_box(jwt.sign(&clock).expect("signed"));
    }
    let sign = t.elapsed() / n;

    walls.sort();
    starts.sort();
    let median = percentile(&walls, 0.5);
    let size = std::fs::metadata(release_bin())
        .map(|m| m.len())
        .unwrap_or(0);
    println!("| measure | value |");
    println!("|---|---|");
    println!("| main stage runs | {runs} |");
    println!("| wall time, median | {} |", ms(median));
    println!("| wall time, p95 | {} |", ms(percentile(&walls, 0.95)));
    println!(
        "| wall time, min / max | {} / {} |",
        ms(walls[0]),
        ms(walls[runs - 1])
    );
    println!(
        "| CPU time per run (user+sys) | {} |",
        ms((cpu(&usage) - cpu(&usage_before)) / runs as u32)
    );
    println!(
        "| peak RSS (largest run) | {:.2} MiB |",
        usage.ru_maxrss as f64 / 1024.0
    );
    println!("| API requests per run | {requests:.1} |");
    println!(
        "| process start (`--version`), median | {} |",
        ms(percentile(&starts, 0.5))
    );
    println!("| key parse (in process) | {} |", ms(parse));
    println!("| JWT sign (in process) | {} |", ms(sign));
    let mut names: Vec<&String> = per_request.iter().map(|(n, _)| n).collect();
    names.sort();
    names.dedup();
    for name in names {
        let mut v: Vec<f64> = per_request
            .iter()
            .filter(|(n, _)| n == name)
            .map(|(_, ms)| *ms)
            .collect();
        v.sort_by(f64::total_cmp);
        println!("| `{name}`, median | {} ms |", v[v.len() / 2]);
    }
    println!(
        "| release binary size | {size} bytes ({:.2} MiB) |",
        size as f64 / 1048576.0
    );

    if let (Some(dir), Some(node)) = (
        std::env::var_os("APP_TOKEN_ACTION_NATIVE_DIR"),
        std::env::var_os("APP_TOKEN_ACTION_NODE"),
    ) {
        launcher_pairs(runs, Path::new(&dir), Path::new(&node));
    }

    // API requests per scenario: what each choice of inputs costs.
    println!();
    println!("| scenario | API requests |");
    println!("|---|---|");
    let scenarios: [(&str, &[(&str, &str)]); 6] = [
        ("default (this repository)", &[]),
        ("`owner`", &[("owner", "acme")]),
        ("`repositories`", &[("repositories", "repo-a,website")]),
        ("`installation-id`", &[("installation-id", "1001")]),
        ("`bot-identity: true`", &[("bot-identity", "true")]),
        ("`check: true`", &[("check", "true")]),
    ];
    for (name, inputs) in scenarios {
        let gh = MockGithub::start(Scenario::standard());
        let mut step = Step::new(&release_bin(), &gh.url());
        for (k, v) in inputs {
            step.input(k, v);
        }
        let run = step.main();
        assert_eq!(run.code, 0, "{name}: {}", run.shown());
        println!("| main, {name} | {} |", gh.requests().len());
        if inputs.is_empty() {
            let before = gh.requests().len();
            assert_eq!(step.post(&run).code, 0);
            println!("| post (revoke) | {} |", gh.requests().len() - before);
        }
    }
}

/// The native entry's main stage (`node main.js`, the launcher starting the linux-x64
/// binary) and that binary alone, alternating on one mock; node's bare start.
fn launcher_pairs(runs: usize, dir: &Path, node: &Path) {
    let gh = MockGithub::start(Scenario::standard());
    let step = Step::new(&release_bin(), &gh.url());
    let bare: PathBuf = dir.join("bin/app-token-action-linux-x64");
    let launcher = || {
        let mut cmd = step.command(node, &[]);
        cmd.arg(dir.join("main.js"));
        cmd
    };
    for _ in 0..3 {
        assert_eq!(step.finish(launcher()).code, 0);
    }
    let (mut with_node, mut alone, mut node_start) = (Vec::new(), Vec::new(), Vec::new());
    for _ in 0..runs {
        let t = Instant::now();
        let run = step.finish(step.command(&bare, &[]));
        alone.push(t.elapsed());
        assert_eq!(run.code, 0, "{}", run.shown());
        let t = Instant::now();
        let run = step.finish(launcher());
        with_node.push(t.elapsed());
        assert_eq!(run.code, 0, "{}", run.shown());
        let t = Instant::now();
        let out = std::process::Command::new(node).args(["-e", "0"]).output();
        node_start.push(t.elapsed());
        assert!(out.expect("node").status.success());
    }
    for v in [&mut with_node, &mut alone, &mut node_start] {
        v.sort();
    }
    let version = std::process::Command::new(node).arg("--version").output();
    let version = String::from_utf8_lossy(&version.expect("node").stdout)
        .trim()
        .to_string();
    println!();
    println!("| native entry (node {version}), {runs} paired runs on one mock | median | p95 |");
    println!("|---|---|---|");
    for (name, v) in [
        (
            "main stage through the launcher (`node main.js`)",
            &with_node,
        ),
        ("main stage, the same binary alone", &alone),
        ("node's own start (`node -e 0`)", &node_start),
    ] {
        println!(
            "| {name} | {} | {} |",
            ms(percentile(v, 0.5)),
            ms(percentile(v, 0.95))
        );
    }
    println!(
        "| launcher's cost (medians' difference) | {} | |",
        ms(percentile(&with_node, 0.5).saturating_sub(percentile(&alone, 0.5)))
    );
}
