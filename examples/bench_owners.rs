//! Benchmark of several owners in one step against a slow API: the release binary's
//! main stage for one owner and for ten, against the mock GitHub API answering each
//! request after a fixed latency (default 50 ms, as a far GitHub Enterprise Server
//! or a busy api.github.com might). The owners are served a few at a time, so ten
//! should take about as long as one; the goal is at most twice. Prints Markdown rows.
//!
//! `scripts/bench` runs it (`BENCH_OWNER_RUNS`, default 5; `BENCH_LATENCY_MS`, 50).

use std::time::{Duration, Instant};

use testkit::runner::{Step, release_bin};
use testkit::{APP_ID, MockGithub, Scenario};

/// The standard scenario with accounts `org-0` … `org-7` added: ten in all.
fn ten_owners() -> (Scenario, Vec<String>) {
    let mut scenario = Scenario::standard();
    let template = scenario.installations[1].1.clone();
    let mut logins = vec!["acme".to_string(), "octocat".to_string()];
    for i in 0..8u64 {
        let mut inst = template.clone();
        inst.id = 3000 + i;
        inst.account = format!("org-{i}");
        logins.push(inst.account.clone());
        scenario.installations.push((APP_ID, inst));
    }
    (scenario, logins)
}

fn median(mut v: Vec<Duration>) -> Duration {
    v.sort();
    v[v.len() / 2]
}

/// The main stage's wall time for `owners`, `runs` times; each run must mint.
fn time(gh: &MockGithub, owners: &str, runs: usize) -> Vec<Duration> {
    (0..runs)
        .map(|_| {
            let mut step = Step::new(&release_bin(), &gh.url());
            step.input("owners", owners);
            let t = Instant::now();
            let run = step.main();
            let took = t.elapsed();
            assert_eq!(run.code, 0, "{}", run.shown());
            took
        })
        .collect()
}

fn main() {
    let env = |k: &str, d: u64| {
        std::env::var(k)
            .ok()
            .and_then(|v| v.parse().ok())
            .unwrap_or(d)
    };
    let runs = env("BENCH_OWNER_RUNS", 5) as usize;
    let latency = Duration::from_millis(env("BENCH_LATENCY_MS", 50));
    let (scenario, logins) = ten_owners();
    let gh = MockGithub::builder(scenario).latency(latency).start();
    let one = median(time(&gh, "acme", runs));
    let ten = median(time(&gh, &logins.join(","), runs));
    let ms = |d: Duration| format!("{:.0} ms", d.as_secs_f64() * 1000.0);
    println!(
        "| main stage, 1 owner, API latency {} per request (median of {runs}) | {} |",
        ms(latency),
        ms(one)
    );
    println!(
        "| main stage, 10 owners, same API (median of {runs}) | {} ({:.2}x one owner; goal at most 2x) |",
        ms(ten),
        ten.as_secs_f64() / one.as_secs_f64()
    );
}
