//! Runs the real binary as the GitHub Actions runner runs a Docker action's
//! process: every declared input as `INPUT_<NAME>` with hyphens kept (set
//! through `Command::env`, as a shell could not), file-command files in a temp
//! dir, outputs and state parsed by the runner's rules, post invoked through an
//! entrypoint path named `post` with `STATE_*` from main.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::atomic::{AtomicUsize, Ordering};

/// The release build, for the examples (which Cargo gives no `CARGO_BIN_EXE_*`):
/// `$APP_TOKEN_ACTION_BIN`, else `target/release/app-token-action`.
pub fn release_bin() -> PathBuf {
    std::env::var_os("APP_TOKEN_ACTION_BIN")
        .map(PathBuf::from)
        .unwrap_or_else(|| crate::repo_root().join("target/release/app-token-action"))
}

/// A directory removed on drop.
pub struct TempDir(pub PathBuf);

impl TempDir {
    /// A fresh empty directory under the system temp dir.
    pub fn new(tag: &str) -> TempDir {
        static N: AtomicUsize = AtomicUsize::new(0);
        let dir = std::env::temp_dir().join(format!(
            "app-token-action-{tag}-{}-{}",
            std::process::id(),
            N.fetch_add(1, Ordering::SeqCst)
        ));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).expect("temp dir");
        TempDir(dir)
    }
}

impl Drop for TempDir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

/// Parses a file-command file by the runner's rules (FileCommandManager):
/// LF-separated, empty lines skipped, `key=value` when `=` precedes any `<<`,
/// else `key<<DELIM` … `DELIM`. Anything malformed is an error, as it fails the step.
pub fn parse_file_commands(text: &str) -> Result<BTreeMap<String, String>, String> {
    let mut out = BTreeMap::new();
    let mut lines = text.split('\n');
    while let Some(line) = lines.next() {
        if line.is_empty() {
            continue;
        }
        let eq = line.find('=');
        let heredoc = line.find("<<");
        match (eq, heredoc) {
            (Some(e), h) if h.is_none_or(|h| e < h) => {
                let (k, v) = line.split_at(e);
                if k.is_empty() {
                    return Err(format!("empty key in {line:?}"));
                }
                out.insert(k.to_string(), v[1..].to_string());
            }
            (_, Some(h)) => {
                let (k, d) = (&line[..h], &line[h + 2..]);
                if k.is_empty() || d.is_empty() {
                    return Err("heredoc without key or delimiter".into());
                }
                let mut value: Vec<&str> = Vec::new();
                let mut closed = false;
                for l in lines.by_ref() {
                    if l == d {
                        closed = true;
                        break;
                    }
                    value.push(l);
                }
                if !closed {
                    return Err(format!("heredoc for {k} not closed"));
                }
                out.insert(k.to_string(), value.join("\n"));
            }
            _ => return Err(format!("malformed entry (len {})", line.len())),
        }
    }
    Ok(out)
}

/// Every input action.yml declares, with the default the runner would fill in
/// (`None`: no default, so the empty string).
pub fn declared_inputs(api_url: &str) -> Vec<(String, String)> {
    let mut v: Vec<(String, String)> = [
        ("client-id", ""),
        ("app-id", ""),
        ("private-key", ""),
        ("owner", ""),
        ("repositories", ""),
        ("enterprise", ""),
        ("installation-id", ""),
        ("skip-token-revoke", "false"),
        ("github-api-url", api_url),
        ("ca-certificates", ""),
        ("bot-identity", "false"),
        ("check", "false"),
        ("token-format", ""),
        ("kms-key", ""),
        ("kms-access-token", ""),
        ("oidc-audience", ""),
        ("aws-role-arn", ""),
        ("vault-role", ""),
        ("vault-auth-mount", ""),
        ("vault-transit-mount", ""),
    ]
    .iter()
    .map(|(k, v)| ((*k).to_string(), (*v).to_string()))
    .collect();
    for (name, _) in app_token_action::permissions::PERMISSIONS {
        v.push((
            format!("permission-{}", name.replace('_', "-")),
            String::new(),
        ));
    }
    v
}

/// One step's process, configured like the runner would.
pub struct Step {
    /// `INPUT_*` and other variables, in the order set.
    pub env: BTreeMap<String, String>,
    /// Holds the file-command files.
    pub dir: TempDir,
    /// The binary [`Step::main`] and [`Step::post`] run.
    bin: PathBuf,
}

/// What a finished process left behind.
#[derive(Debug)]
pub struct Run {
    /// Exit code.
    pub code: i32,
    /// Standard output.
    pub stdout: String,
    /// Standard error.
    pub stderr: String,
    /// `$GITHUB_OUTPUT`, parsed.
    pub outputs: BTreeMap<String, String>,
    /// `$GITHUB_STATE`, parsed.
    pub state: BTreeMap<String, String>,
    /// The raw output file, for format checks.
    pub output_file: String,
}

impl Run {
    /// An output, or "" when unset.
    pub fn output(&self, name: &str) -> &str {
        self.outputs.get(name).map_or("", String::as_str)
    }

    /// Lines starting with `::error`.
    pub fn errors(&self) -> Vec<&str> {
        self.stdout
            .lines()
            .filter(|l| l.starts_with("::error"))
            .collect()
    }

    /// Everything the process printed, raw: for assertions about secrets.
    pub fn log(&self) -> String {
        format!("{}{}", self.stdout, self.stderr)
    }

    /// Everything the process printed but the `::add-mask::` lines, which the
    /// runner reads and never logs; not redacted: for assertions about secrets.
    pub fn logged(&self) -> String {
        self.log()
            .lines()
            .filter(|l| !l.starts_with("::add-mask::"))
            .map(|l| format!("{l}\n"))
            .collect()
    }

    /// Everything the process printed as the runner would log it: values of
    /// `::add-mask::` lines replaced by `***`. For failure messages, so that a
    /// failing test never prints a token.
    pub fn shown(&self) -> String {
        redact(&self.log())
    }
}

impl Step {
    /// A main-stage step of a workflow in `acme/repo-a` against `api_url`, with the mock
    /// app's client id and key, that runs `bin` (an integration test's [`crate::bin!`]).
    pub fn new(bin: &Path, api_url: &str) -> Step {
        let mut env = BTreeMap::new();
        for (name, value) in declared_inputs(api_url) {
            env.insert(format!("INPUT_{}", name.to_ascii_uppercase()), value);
        }
        for (k, v) in [
            ("GITHUB_ACTIONS", "true"),
            ("CI", "true"),
            ("GITHUB_REPOSITORY", "acme/repo-a"),
            ("GITHUB_REPOSITORY_OWNER", "acme"),
            ("GITHUB_API_URL", api_url),
            ("GITHUB_SERVER_URL", "https://github.com"),
            ("RUNNER_TEMP", "/tmp"),
        ] {
            env.insert(k.to_string(), v.to_string());
        }
        let mut step = Step {
            env,
            dir: TempDir::new("step"),
            bin: bin.to_path_buf(),
        };
        step.input("client-id", crate::CLIENT_ID);
        step.input("private-key", crate::APP_KEY_PEM);
        step
    }

    /// Sets input `name` (as action.yml spells it) the runner's way.
    pub fn input(&mut self, name: &str, value: &str) -> &mut Step {
        self.env
            .insert(format!("INPUT_{}", name.to_ascii_uppercase()), value.into());
        self
    }

    /// Sets any variable.
    pub fn var(&mut self, name: &str, value: &str) -> &mut Step {
        self.env.insert(name.into(), value.into());
        self
    }

    /// Removes a variable.
    pub fn unset(&mut self, name: &str) -> &mut Step {
        self.env.remove(name);
        self
    }

    fn file(&self, name: &str) -> PathBuf {
        self.dir.0.join(name)
    }

    /// The process as the runner would start it: a clean environment with the
    /// step's variables and fresh, empty file-command files.
    pub fn command(&self, program: &Path, extra: &[(String, String)]) -> Command {
        for f in ["output", "state", "env", "path", "summary"] {
            std::fs::write(self.file(f), "").expect("file command file");
        }
        let mut cmd = Command::new(program);
        cmd.env_clear()
            .env("PATH", "/usr/bin:/bin")
            .env("HOME", self.dir.0.as_os_str())
            .env("GITHUB_OUTPUT", self.file("output"))
            .env("GITHUB_STATE", self.file("state"))
            .env("GITHUB_ENV", self.file("env"))
            .env("GITHUB_PATH", self.file("path"))
            .env("GITHUB_STEP_SUMMARY", self.file("summary"))
            .envs(&self.env)
            .envs(extra.iter().cloned())
            .stdin(std::process::Stdio::null());
        cmd
    }

    fn exec(&self, program: &Path, extra: &[(String, String)]) -> Run {
        self.finish(self.command(program, extra))
    }

    /// Runs `cmd` (from [`Step::command`]) to the end and reads what it left behind.
    pub fn finish(&self, mut cmd: Command) -> Run {
        let out = cmd.output().expect("run the binary");
        let output_file = std::fs::read_to_string(self.file("output")).unwrap_or_default();
        let state_file = std::fs::read_to_string(self.file("state")).unwrap_or_default();
        Run {
            code: out.status.code().unwrap_or(-1),
            stdout: String::from_utf8_lossy(&out.stdout).into_owned(),
            stderr: String::from_utf8_lossy(&out.stderr).into_owned(),
            outputs: parse_file_commands(&output_file).expect("runner-valid GITHUB_OUTPUT"),
            state: parse_file_commands(&state_file).expect("runner-valid GITHUB_STATE"),
            output_file,
        }
    }

    /// Runs the main stage (the image's ENTRYPOINT, no arguments).
    pub fn main(&self) -> Run {
        self.exec(&self.bin, &[])
    }

    /// Runs the post stage through an entrypoint named `post`, with main's state.
    pub fn post(&self, main: &Run) -> Run {
        self.post_with_state(&main.state)
    }

    /// Runs the post stage with the given saved state.
    pub fn post_with_state(&self, state: &BTreeMap<String, String>) -> Run {
        let link = self.dir.0.join("post");
        if !link.exists() {
            std::os::unix::fs::symlink(&self.bin, &link).expect("post symlink");
        }
        let extra: Vec<(String, String)> = state
            .iter()
            .map(|(k, v)| (format!("STATE_{k}"), v.clone()))
            .collect();
        self.exec(&link, &extra)
    }
}

/// Replaces every value announced by an `::add-mask::` line with `***`, and
/// drops the announcing lines, as the runner does.
pub fn redact(log: &str) -> String {
    let masks: Vec<&str> = log
        .lines()
        .filter_map(|l| l.strip_prefix("::add-mask::"))
        .filter(|m| !m.is_empty())
        .collect();
    let mut out = String::new();
    for line in log.lines().filter(|l| !l.starts_with("::add-mask::")) {
        let mut line = line.to_string();
        for m in &masks {
            line = line.replace(m, "***");
        }
        out.push_str(&line);
        out.push('\n');
    }
    out
}

/// The position of the first line containing `needle`, if any.
pub fn first_line_with(log: &str, needle: &str) -> Option<usize> {
    log.lines().position(|l| l.contains(needle))
}

/// Asserts that `secret` never appears in `log` except in the `::add-mask::`
/// line, and that the mask comes before any other line containing it.
pub fn assert_masked_first(log: &str, secret: &str) {
    assert!(!secret.is_empty());
    let mask = first_line_with(log, &format!("::add-mask::{secret}"));
    let mask = mask.unwrap_or_else(|| panic!("no ::add-mask:: line for the token"));
    if let Some(first) = first_line_with(log, secret) {
        assert_eq!(first, mask, "a line shows the token before it is masked");
    }
    let leaks = log
        .lines()
        .filter(|l| l.contains(secret) && !l.starts_with("::add-mask::"))
        .count();
    assert_eq!(leaks, 0, "the token appears in {leaks} log line(s)");
}

/// A main refused before any request to GitHub: exit 1, exactly one `::error`
/// containing each of `says`, no request at `requests` (the mock's count), and none of
/// `secrets` in what the runner would log. Returns the error line.
pub fn assert_refused_before_github<S: AsRef<str>>(
    run: &Run,
    requests: usize,
    says: &[&str],
    secrets: &[S],
) -> String {
    assert_eq!(run.code, 1, "expected failure:\n{}", run.shown());
    let errors = run.errors();
    assert_eq!(errors.len(), 1, "one ::error line:\n{}", run.shown());
    for s in says {
        assert!(errors[0].contains(s), "{s:?} missing from {}", errors[0]);
    }
    assert_eq!(requests, 0, "a request reached GitHub");
    for s in secrets {
        assert!(!run.logged().contains(s.as_ref()), "a secret in the log");
    }
    errors[0].to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn runner_parsing_rules() {
        let m = parse_file_commands("a=1\n\nb<<EOF\nx\ny\nEOF\nc=d<<e\n").unwrap();
        assert_eq!(m["a"], "1");
        assert_eq!(m["b"], "x\ny");
        assert_eq!(m["c"], "d<<e");
        assert!(parse_file_commands("junk\n").is_err());
        assert!(parse_file_commands("k<<D\nvalue\n").is_err());
    }

    #[test]
    fn redaction_hides_masked_values() {
        let shown = redact("::add-mask::s3cr3t\ntoken s3cr3t used\nother\n");
        assert_eq!(shown, "token *** used\nother\n");
    }
}
