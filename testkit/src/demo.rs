//! The demo `scripts/demo` prints: the real binary's main stage, a later step using
//! the token, and the post stage, against the mock GitHub API, the way a workflow log
//! shows them (masked values as `***`). Shared with the test that keeps it working.

use std::path::Path;

use super::runner::{Run, Step};
use super::{Auth, MockGithub, Scenario};

/// What the demo showed.
pub struct Outcome {
    /// Main's exit code.
    pub main_code: i32,
    /// The later step's answer: status and `owner/name` of each repository listed.
    pub later: Option<(u16, Vec<String>)>,
    /// Whether post revoked main's token on the mock.
    pub revoked: bool,
}

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

/// A later step using the token as `gh api /installation/repositories` would.
fn later_step(url: &str, token: &str) -> Result<(u16, Vec<String>), String> {
    let agent = ureq::Agent::config_builder()
        .http_status_as_error(false)
        .build()
        .new_agent();
    let mut r = agent
        .get(format!("{url}/installation/repositories"))
        .header("Authorization", format!("token {token}"))
        .header("User-Agent", "demo")
        .call()
        .map_err(|e| e.to_string())?;
    let text = r.body_mut().read_to_string().unwrap_or_default();
    let body: serde_json::Value = serde_json::from_str(&text).unwrap_or_default();
    let names = body["repositories"]
        .as_array()
        .map(|a| {
            a.iter()
                .filter_map(|r| r["full_name"].as_str().map(String::from))
                .collect()
        })
        .unwrap_or_default();
    Ok((r.status().as_u16(), names))
}

/// Runs the demo with the binary `bin`, each printed line through `say`.
pub fn run(bin: &Path, say: &mut dyn FnMut(String)) -> Outcome {
    let gh = MockGithub::start(Scenario::standard());
    let url = gh.url();
    say(format!(
        "Mock GitHub API at {url} (verifies JWT signatures with the app's public key)\n"
    ));
    let mut step = Step::new(bin, &url);
    step.input("repositories", "repo-a, website")
        .input("permission-contents", "read")
        .input("permission-issues", "write");
    let mut masks = Vec::new();
    say("Run ./ (main) with client-id, private-key, repositories: repo-a, website,".into());
    say("    permission-contents: read, permission-issues: write".into());
    let main = step.main();
    for line in as_logged(&main, &mut masks) {
        say(format!("  | {line}"));
    }
    say(format!("  exit code {}\n", main.code));
    let mut outcome = Outcome {
        main_code: main.code,
        later: None,
        revoked: false,
    };
    if main.code != 0 {
        return outcome;
    }
    say("Step outputs (steps.app-token.outputs.*):".into());
    for (k, v) in &main.outputs {
        let v = if masks.contains(v) { "***" } else { v.as_str() };
        say(format!("  {k} = {v}"));
    }
    let token = main.output("token").to_string();
    match later_step(&url, &token) {
        Ok((status, names)) => {
            say(format!(
                "\nA later step: GITHUB_TOKEN=*** gh api /installation/repositories -> {status} {names:?}\n"
            ));
            outcome.later = Some((status, names));
        }
        Err(e) => say(format!("\nA later step could not reach the mock: {e}\n")),
    }
    say("Post Run ./ (post-entrypoint /post, STATE_token from main)".into());
    let post = step.post(&main);
    for line in as_logged(&post, &mut masks) {
        say(format!("  | {line}"));
    }
    say(format!("  exit code {}\n", post.code));
    say("What the mock GitHub API received:".into());
    for r in gh.requests() {
        let auth = match &r.auth {
            Auth::Jwt { iss } => format!("app JWT (iss {iss}, signature and times verified)"),
            Auth::Token(_) => "installation token".to_string(),
            Auth::None => "no credentials".to_string(),
        };
        say(format!(
            "  {} {} -> {}  [{auth}]",
            r.method, r.path, r.status
        ));
    }
    outcome.revoked = gh.revoked().contains(&token);
    say(format!("\nToken revoked on the mock: {}", outcome.revoked));
    outcome
}
