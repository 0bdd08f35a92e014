//! What the user sees while the program runs: workflow commands on stdout under
//! GitHub Actions (`::error`, `::add-mask::`, ...), plain diagnostics on stderr
//! for the CLI, where stdout carries only the token.

use std::io::Write;
use std::sync::OnceLock;
use std::time::Duration;

use crate::error::{Level, Note};

/// Where and how diagnostics are written.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Mode {
    /// A GitHub Actions step: workflow commands on stdout.
    Actions,
    /// A terminal or another CI system: plain text on stderr.
    Cli {
        /// Show debug lines.
        verbose: bool,
    },
}

static MODE: OnceLock<Mode> = OnceLock::new();

/// Chooses the mode once, at start-up.
pub fn init(mode: Mode) {
    let _ = MODE.set(mode);
}

fn mode() -> Mode {
    *MODE.get().unwrap_or(&Mode::Cli { verbose: false })
}

/// Escapes a workflow command's data (`%` first, then CR and LF).
pub fn escape_data(s: &str) -> String {
    s.replace('%', "%25")
        .replace('\r', "%0D")
        .replace('\n', "%0A")
}

/// Escapes a workflow command's property value.
pub fn escape_property(s: &str) -> String {
    escape_data(s).replace(':', "%3A").replace(',', "%2C")
}

fn line(text: &str) {
    // One write per line so that concurrent writers cannot split it; a closed
    // pipe must not panic (there is nobody left to tell).
    match mode() {
        Mode::Actions => {
            let _ = writeln!(std::io::stdout().lock(), "{text}");
        }
        Mode::Cli { .. } => {
            let _ = writeln!(std::io::stderr().lock(), "{text}");
        }
    }
}

/// Tells the runner to mask `value` in every later log line. Must precede any
/// line that could contain it.
pub fn add_mask(value: &str) {
    if mode() == Mode::Actions && !value.is_empty() {
        line(&format!("::add-mask::{}", escape_data(value)));
    }
}

/// A plain log line. Line breaks are folded: text from an API answer must not
/// start a line of its own, where the runner would read it as a workflow command.
fn info(msg: &str) {
    line(&msg.replace(['\r', '\n'], " "));
}

/// A line visible only with step debug logging (or `--verbose`).
fn debug(msg: &str) {
    match mode() {
        Mode::Actions => line(&format!("::debug::{}", escape_data(msg))),
        Mode::Cli { verbose: true } => line(&format!("debug: {msg}")),
        Mode::Cli { verbose: false } => {}
    }
}

/// Prints `note` at its level.
pub fn note(note: &Note) {
    let text = note.to_string();
    match note.level() {
        Level::Info => info(&text),
        Level::Notice => notice(&text),
        Level::Warning(title) => warning(title, &text),
        Level::Debug => debug(&text),
    }
}

fn notice(msg: &str) {
    match mode() {
        Mode::Actions => line(&format!("::notice::{}", escape_data(msg))),
        Mode::Cli { .. } => line(&format!("note: {msg}")),
    }
}

/// An annotation of `kind` (`warning`, `error`) with a title; the CLI shows
/// `kind: title: message`.
fn annotation(kind: &str, title: &str, msg: &str) {
    match mode() {
        Mode::Actions => line(&format!(
            "::{kind} title={}::{}",
            escape_property(title),
            escape_data(msg)
        )),
        Mode::Cli { .. } => line(&format!("{kind}: {title}: {msg}")),
    }
}

fn warning(title: &str, msg: &str) {
    annotation("warning", title, msg);
}

/// An error annotation with a title.
pub fn error(title: &str, msg: &str) {
    annotation("error", title, msg);
}

/// This process's peak RSS and CPU time so far, from `/proc/self` (Linux), and
/// the time since `started`, for a debug line at exit: measurable inside a
/// container with no tools in it. (In a container the task's CPU time also holds
/// the runtime's set-up before it started this program; peak RSS does not.)
pub fn resource_usage(started: std::time::Instant) -> Option<Note> {
    let status = std::fs::read_to_string("/proc/self/status").ok()?;
    let peak_kib: u64 = status
        .lines()
        .find_map(|l| l.strip_prefix("VmHWM:"))?
        .trim()
        .trim_end_matches("kB")
        .trim()
        .parse()
        .ok()?;
    // schedstat's first field: nanoseconds this task spent on a CPU.
    let cpu_ns: u64 = std::fs::read_to_string("/proc/self/schedstat")
        .ok()?
        .split_whitespace()
        .next()?
        .parse()
        .ok()?;
    Some(Note::Resources {
        peak_kib,
        elapsed: started.elapsed(),
        cpu: Duration::from_nanos(cpu_ns),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn resource_usage_reads_proc() {
        let line = resource_usage(std::time::Instant::now())
            .expect("Linux /proc")
            .to_string();
        assert!(line.starts_with("resources: peak RSS "), "{line}");
    }

    #[test]
    fn escaping_follows_the_runner() {
        assert_eq!(escape_data("a%b\r\nc"), "a%25b%0D%0Ac");
        assert_eq!(escape_property("a:b,c%"), "a%3Ab%2Cc%25");
    }
}
