//! The action end to end on this machine: the real binary's main stage, a later
//! step using the token, and the post stage, against the project's mock GitHub
//! API, printed the way a workflow log shows them (masked values as `***`).
//!
//! Run with `scripts/demo` (builds the release binary first).

#[path = "../tests/support/mod.rs"]
mod support;

use support::runner::{Run, Step};
use support::{Auth, MockGithub, Scenario};

/// What the runner does to a step's stdout: consumes `::add-mask::` lines,
/// hides `::debug::` lines (debug logging off), replaces masked values.
fn as_logged(run: &Run, masks: &mut Vec<String>) -> Vec<String> {
    let mut shown = Vec::new();
    for line in run.stdout.lines().chain(run.stderr.lines()) {
        if let Some(secret) = line.strip_prefix("::add-mask::") {
            masks.push(secret.to_string());
            continue;
        }
        if line.starts_with("::debug::") {
            continue;
        }
        let mut line = line.to_string();
        for m in masks.iter() {
            line = line.replace(m.as_str(), "***");
        }
        let line = match line.split_once("::") {
            Some(("", rest)) => match rest.split_once("::") {
                Some((cmd, msg)) => format!("[{}] {msg}", cmd.split(' ').next().unwrap_or(cmd)),
                None => line.clone(),
            },
            _ => line.clone(),
        };
        shown.push(line);
    }
    shown
}

fn main() {
    let gh = MockGithub::start(Scenario::standard());
    let url = gh.url();
    println!("Mock GitHub API at {url} (verifies JWT signatures with the app's public key)\n");

    let mut step = Step::new(&url);
    step.input("repositories", "repo-a, website")
        .input("permission-contents", "read")
        .input("permission-issues", "write");
    let mut masks = Vec::new();

    println!("Run ./ (main) with client-id, private-key, repositories: repo-a, website,");
    println!("    permission-contents: read, permission-issues: write");
    let main = step.main();
    for line in as_logged(&main, &mut masks) {
        println!("  | {line}");
    }
    println!("  exit code {}\n", main.code);
    if main.code != 0 {
        std::process::exit(1);
    }

    println!("Step outputs (steps.app-token.outputs.*):");
    for (k, v) in &main.outputs {
        let v = if masks.contains(v) { "***" } else { v.as_str() };
        println!("  {k} = {v}");
    }

    // A later step uses the token, as `gh api` would.
    let token = main.output("token").to_string();
    let agent = ureq::Agent::config_builder()
        .http_status_as_error(false)
        .build()
        .new_agent();
    let resp = agent
        .get(format!("{url}/installation/repositories"))
        .header("Authorization", format!("token {token}"))
        .header("User-Agent", "demo")
        .call();
    match resp {
        Ok(mut r) => {
            let text = r.body_mut().read_to_string().unwrap_or_default();
            let body: serde_json::Value = serde_json::from_str(&text).unwrap_or_default();
            let names: Vec<&str> = body["repositories"]
                .as_array()
                .map(|a| a.iter().filter_map(|r| r["full_name"].as_str()).collect())
                .unwrap_or_default();
            println!(
                "\nA later step: GITHUB_TOKEN=*** gh api /installation/repositories -> {} {:?}\n",
                r.status().as_u16(),
                names
            );
        }
        Err(e) => println!("\nA later step could not reach the mock: {e}\n"),
    }

    println!("Post Run ./ (post-entrypoint /post, STATE_token from main)");
    let post = step.post(&main);
    for line in as_logged(&post, &mut masks) {
        println!("  | {line}");
    }
    println!("  exit code {}\n", post.code);

    println!("What the mock GitHub API received:");
    for r in gh.requests() {
        let auth = match &r.auth {
            Auth::Jwt { iss } => format!("app JWT (iss {iss}, signature and times verified)"),
            Auth::Token(_) => "installation token".to_string(),
            Auth::None => "no credentials".to_string(),
        };
        println!("  {} {} -> {}  [{auth}]", r.method, r.path, r.status);
    }
    let revoked = gh.revoked().contains(&token);
    println!("\nToken revoked on the mock: {revoked}");
    if !revoked {
        std::process::exit(1);
    }
}
