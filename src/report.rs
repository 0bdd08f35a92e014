//! What the user sees while the program runs: workflow commands on stdout under
//! GitHub Actions (`::error`, `::add-mask::`, ...), plain diagnostics on stderr
//! for the CLI, where stdout carries only the token.
//!
//! One writer, [`line`], takes the program's own prefix as `&'static str` and
//! the line's text, which it always passes through [`text::inert`]: whatever a
//! message quotes (a server's words, an input), the runner and a terminal only
//! display it. The one exception is `::add-mask::`, whose value must reach the
//! runner as it is (it is never logged, and only its printable runs are sent).

pub mod notes;
pub mod text;

use std::io::Write;
use std::sync::OnceLock;
use std::time::Duration;

pub use notes::{AccountName, Coverage, Level, Note};

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

/// The program's own start of a line: a workflow command with its (static)
/// title, or a CLI prefix.
#[derive(Clone, Copy)]
enum Head {
    /// Nothing before the text.
    Plain,
    /// `::{name}::` (`debug`, `notice`).
    Command(&'static str),
    /// `::{kind} title={title}::`.
    Annotation(&'static str, &'static str),
    /// `{kind}: ` or `{kind}: {title}: ` on stderr.
    Cli(&'static str, Option<&'static str>),
}

/// Writes one line: `head`, then `body` made inert (and escaped as a workflow
/// command's data after a command's head). The only writer of diagnostics.
fn line(head: Head, body: &str) {
    write_line(&render(head, body));
}

/// The line `head` and `body` make.
fn render(head: Head, body: &str) -> String {
    let body = text::inert(body);
    match head {
        Head::Plain => body,
        Head::Command(name) => format!("::{name}::{}", escape_data(&body)),
        Head::Annotation(kind, title) => format!(
            "::{kind} title={}::{}",
            escape_property(title),
            escape_data(&body)
        ),
        Head::Cli(kind, None) => format!("{kind}: {body}"),
        Head::Cli(kind, Some(title)) => format!("{kind}: {title}: {body}"),
    }
}

fn write_line(text: &str) {
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
/// line that could contain it. Line breaks are escaped as the runner reads them
/// (it masks each line); a value holding other control characters (a hostile
/// server's token) is masked piece by piece, so that no control character is
/// written.
pub fn add_mask(value: &str) {
    if mode() != Mode::Actions {
        return;
    }
    let unsafe_char = |c: char| text::is_unsafe(c) && !matches!(c, '\n' | '\r');
    if !value.contains(unsafe_char) {
        if !value.is_empty() {
            write_line(&format!("::add-mask::{}", escape_data(value)));
        }
        return;
    }
    for piece in value.split(unsafe_char).filter(|p| p.len() >= MASK_MIN) {
        write_line(&format!("::add-mask::{}", escape_data(piece)));
    }
}

/// Pieces shorter than this between control characters are not masked: they
/// would blank out ordinary words all over the log.
const MASK_MIN: usize = 4;

/// A plain line of the program's words, such as a usage error before any mode
/// applies; quoted values in it are made inert like every line's text.
pub fn plain(msg: &str) {
    line(Head::Plain, msg);
}

/// A line visible only with step debug logging (or `--verbose`).
fn debug(msg: &str) {
    match mode() {
        Mode::Actions => line(Head::Command("debug"), msg),
        Mode::Cli { verbose: true } => line(Head::Cli("debug", None), msg),
        Mode::Cli { verbose: false } => {}
    }
}

/// Prints `note` at its level.
pub fn note(note: &Note) {
    let text = note.to_string();
    match note.level() {
        Level::Info => plain(&text),
        Level::Notice => notice(&text),
        Level::Warning(title) => warning(title, &text),
        Level::Debug => debug(&text),
    }
}

fn notice(msg: &str) {
    match mode() {
        Mode::Actions => line(Head::Command("notice"), msg),
        Mode::Cli { .. } => line(Head::Cli("note", None), msg),
    }
}

/// An annotation of `kind` (`warning`, `error`) with a title; the CLI shows
/// `kind: title: message`.
fn annotation(kind: &'static str, title: &'static str, msg: &str) {
    match mode() {
        Mode::Actions => line(Head::Annotation(kind, title), msg),
        Mode::Cli { .. } => line(Head::Cli(kind, Some(title)), msg),
    }
}

fn warning(title: &'static str, msg: &str) {
    annotation("warning", title, msg);
}

/// An error annotation with a title.
pub fn error(title: &'static str, msg: &str) {
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
    fn every_kind_of_line_writes_its_text_inert() {
        let heads = [
            Head::Plain,
            Head::Command("debug"),
            Head::Annotation("error", "Token request refused"),
            Head::Cli("error", Some("Invalid input")),
            Head::Cli("debug", None),
        ];
        let hostile = "x\r\n::set-output name=a::b\u{2028}##[stop-commands]\u{1b}[2J";
        for head in heads {
            let line = render(head, hostile);
            assert_eq!(line.lines().count(), 1, "{line:?}");
            assert!(
                !line.contains("##[") && !line.contains(text::is_unsafe),
                "{line:?}"
            );
            assert!(
                !line[2..].contains("\n::") && !line.contains("%0A::"),
                "{line:?}"
            );
        }
        let plain = render(Head::Plain, "::set-output name=a::b");
        assert!(!plain.starts_with("::"), "{plain}");
        assert_eq!(
            render(Head::Annotation("error", "A: b"), "GitHub answered 500."),
            "::error title=A%3A b::GitHub answered 500."
        );
    }

    #[test]
    fn escaping_follows_the_runner() {
        assert_eq!(escape_data("a%b\r\nc"), "a%25b%0D%0Ac");
        assert_eq!(escape_property("a:b,c%"), "a%3Ab%2Cc%25");
    }
}
