//! Step outputs and saved state, written as the runner's file commands.
//!
//! The runner parses `$GITHUB_OUTPUT` and `$GITHUB_STATE` after the process exits:
//! LF-separated entries, `key<<DELIM` heredocs. Every value goes in a heredoc with
//! a fresh random delimiter, and a value that contains the delimiter or a line
//! break is refused, so no value can smuggle in another entry.

use std::fs::OpenOptions;
use std::io::Write;

use ring::rand::{SecureRandom, SystemRandom};

use thiserror::Error;

/// Why the step's outputs or state could not be written.
#[derive(Debug, Error)]
pub enum OutputError {
    /// `GITHUB_OUTPUT` / `GITHUB_STATE` is not set.
    #[error(
        "{var} is not set, and it is needed to hand values to later steps. The runner sets it for every step: run this as a GitHub Actions step, or use `app-token-action token` outside Actions."
    )]
    NotSet { var: &'static str },
    /// A workflow file command could not be written.
    #[error("Could not write to {var} ({path}): {source}.")]
    FileCommand {
        var: &'static str,
        path: String,
        source: std::io::Error,
    },
    /// A value that would break the file-command format.
    #[error(
        "Refusing to write output `{name}`: its value contains a line break or the heredoc delimiter, which could inject other outputs."
    )]
    UnsafeValue { name: String },
}

impl OutputError {
    /// The heading of the `::error` annotation.
    pub fn title(&self) -> &'static str {
        match self {
            OutputError::NotSet { .. } => "Invalid input",
            OutputError::FileCommand { .. } | OutputError::UnsafeValue { .. } => {
                "Cannot write outputs"
            }
        }
    }
}

/// A random heredoc delimiter, `ghadelimiter_` + 32 hex digits (as the toolkit does).
fn delimiter() -> String {
    let mut bytes = [0u8; 16];
    // SystemRandom reads the kernel's getrandom; if that ever fails, a fixed
    // delimiter is still refused in values below, so safety holds.
    let _ = SystemRandom::new().fill(&mut bytes);
    let hex: String = bytes.iter().map(|b| format!("{b:02x}")).collect();
    format!("ghadelimiter_{hex}")
}

/// Renders `pairs` as heredoc entries.
pub fn render(pairs: &[(&str, &str)]) -> Result<String, OutputError> {
    let mut out = String::new();
    for (name, value) in pairs {
        let delim = delimiter();
        if value.contains('\n') || value.contains('\r') || value.contains(&delim) {
            return Err(OutputError::UnsafeValue {
                name: (*name).to_string(),
            });
        }
        out.push_str(&format!("{name}<<{delim}\n{value}\n{delim}\n"));
    }
    Ok(out)
}

/// Appends `pairs` to the file named by the environment variable `var`
/// (`GITHUB_OUTPUT` or `GITHUB_STATE`) in one write.
pub fn append(var: &'static str, pairs: &[(&str, &str)]) -> Result<(), OutputError> {
    let path = crate::env::raw(var).unwrap_or_default();
    if path.is_empty() {
        return Err(OutputError::NotSet { var });
    }
    let text = render(pairs)?;
    let io = |source| OutputError::FileCommand {
        var,
        path: path.clone(),
        source,
    };
    let mut file = OpenOptions::new()
        .create(true)
        .append(true)
        .open(&path)
        .map_err(io)?;
    file.write_all(text.as_bytes()).map_err(io)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn heredoc_with_distinct_delimiters() {
        let text = render(&[("a", "1"), ("b", "x=y")]).unwrap();
        let lines: Vec<&str> = text.lines().collect();
        assert_eq!(lines.len(), 6);
        let (k1, d1) = lines[0].split_once("<<").unwrap();
        assert_eq!((k1, lines[1], lines[2]), ("a", "1", d1));
        let (_, d2) = lines[3].split_once("<<").unwrap();
        assert_ne!(d1, d2);
        assert_eq!(d1.len(), "ghadelimiter_".len() + 32);
    }

    #[test]
    fn line_breaks_are_refused() {
        assert!(render(&[("token", "abc\ninjected=1")]).is_err());
        assert!(render(&[("token", "abc\r")]).is_err());
    }

    /// Each variant's place in the catalogue (an exhaustive match).
    fn place(e: &OutputError) -> usize {
        match e {
            OutputError::NotSet { .. } => 0,
            OutputError::FileCommand { .. } => 1,
            OutputError::UnsafeValue { .. } => 2,
        }
    }

    #[test]
    #[rustfmt::skip]
    fn every_output_error_is_specific_and_actionable() {
        let io = || std::io::Error::new(std::io::ErrorKind::NotFound, "No such file");
        let all = [
            (OutputError::NotSet { var: "GITHUB_OUTPUT" }, vec!["GITHUB_OUTPUT is not set", "later steps", "`app-token-action token`"]),
            (OutputError::FileCommand { var: "GITHUB_OUTPUT", path: "/f".into(), source: io() }, vec!["GITHUB_OUTPUT", "/f", "No such file"]),
            (OutputError::UnsafeValue { name: "app-slug".into() }, vec!["`app-slug`", "line break"]),
        ];
        crate::catalogue::check(&all, 3, place, OutputError::title);
    }
}
