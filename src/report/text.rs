//! The one way out for text that did not come from the program itself: a
//! server's fields and messages, transport errors, inputs, saved state.
//! [`inert`] makes such text something the runner and a terminal only display.
//! `report` writes every line's text through it, after the program's own
//! command prefix, so no value can reach the log another way.

use std::fmt::Write;

/// Makes `text` inert for the runner and for a terminal:
///
/// - every line break and control character is escaped (`\n`, `\r`, `\t`,
///   else `\u{..}`): LF, CR, VT, FF, NEL and the rest of C0, DEL and C1, the
///   line and paragraph separators U+2028 and U+2029, and the bidirectional
///   controls. Nothing can start a line, move the cursor or reorder the text;
/// - `##[` anywhere (the runner's legacy command syntax, read anywhere in a
///   line) becomes `##\[`;
/// - `::` at the start, also after white space (the runner trims it before
///   looking for a command), becomes `\::`.
///
/// Text with none of these comes back unchanged, so the program's own words
/// stay as written; and `inert(inert(x)) == inert(x)`.
pub fn inert(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            c if is_unsafe(c) => {
                let _ = write!(out, "\\u{{{:x}}}", u32::from(c));
            }
            '[' if out.ends_with("##") => out.push_str("\\["),
            c => out.push(c),
        }
    }
    let indent = out.len() - out.trim_start().len();
    if out[indent..].starts_with("::") {
        out.insert(indent, '\\');
    }
    out
}

/// JSON text (the CLI's `--json` answer on stdout, which a workflow's log may
/// show) with the same characters as [`inert`] escapes written as JSON escapes
/// (`\u2028`, `\u005b` for the `[` of `##[`): the same data for a JSON
/// reader, inert for the runner. serde_json already escapes C0 controls; a
/// line can only start with `{`, so no `::` can lead.
pub fn inert_json(json: &str) -> String {
    let mut out = String::with_capacity(json.len());
    for c in json.chars() {
        match c {
            c if is_unsafe(c) => {
                let _ = write!(out, "\\u{:04x}", u32::from(c));
            }
            '[' if out.ends_with("##") => out.push_str("\\u005b"),
            c => out.push(c),
        }
    }
    out
}

/// A character a terminal or the runner acts on rather than shows: a control
/// character (a line break among them), a line or paragraph separator, or a
/// bidirectional control that reorders what follows.
pub fn is_unsafe(c: char) -> bool {
    c.is_control()
        || matches!(
            c,
            '\u{2028}'
                | '\u{2029}'
                | '\u{061c}'
                | '\u{200e}'
                | '\u{200f}'
                | '\u{202a}'..='\u{202e}'
                | '\u{2066}'..='\u{2069}'
                | '\u{feff}'
        )
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The commands the runner would read in `line`: a `::name` command (after
    /// leading white space), else a legacy `##[name` anywhere.
    fn commands(line: &str) -> bool {
        line.trim_start().starts_with("::") || line.contains("##[")
    }

    #[test]
    fn plain_words_stay_as_written() {
        for s in [
            "Created an installation token for acme (Organization), installation 7.",
            "GET /app -> 200 in 1.2 ms",
            "C:\\path, 50% done: ok # [x] ::",
            "ünïcödé — “quotes” 日本",
            "",
        ] {
            assert_eq!(inert(s), s);
        }
    }

    #[test]
    fn every_line_break_is_escaped() {
        let breaks = [
            "\n", "\r", "\r\n", "\u{0b}", "\u{0c}", "\u{85}", "\u{2028}", "\u{2029}",
        ];
        for b in breaks {
            let out = inert(&format!("a{b}::set-output name=x::y"));
            assert_eq!(out.lines().count(), 1, "{out:?}");
            assert!(!out.contains(|c: char| c.is_control()), "{out:?}");
            assert!(!out.contains(['\u{2028}', '\u{2029}']), "{out:?}");
        }
        assert_eq!(inert("a\r\nb\u{2028}c"), "a\\r\\nb\\u{2028}c");
        assert_eq!(inert("\u{1b}[2J\0"), "\\u{1b}[2J\\u{0}");
        assert_eq!(inert("\u{202e}evil"), "\\u{202e}evil");
    }

    #[test]
    fn commands_are_neutralised() {
        for s in [
            "##[set-output name=x::y]",
            "x ##[stop-commands]tok",
            "###[group]",
            "::set-output name=x::y",
            "  \t::stop-commands::t",
            "\u{a0}\u{3000}::warning::x",
            "\n::error::x",
            "\u{2028}##[error]x",
        ] {
            let out = inert(s);
            assert!(!commands(&out), "{s:?} -> {out:?}");
        }
        assert_eq!(inert("##[set-output name=x]y"), "##\\[set-output name=x]y");
        assert_eq!(inert("::x"), "\\::x");
        assert_eq!(inert(" ::x"), " \\::x");
        assert_eq!(inert("a ::x"), "a ::x");
    }

    #[test]
    fn inert_twice_is_inert_once() {
        for s in [
            "a\nb",
            "##[x]",
            "::x",
            "\u{1b}",
            "#",
            "##",
            "\\::",
            "a\u{2028}",
        ] {
            assert_eq!(inert(&inert(s)), inert(s), "{s:?}");
        }
    }

    #[test]
    fn json_keeps_its_data_and_loses_its_commands() {
        let v = serde_json::json!({"app_slug": "##[set-output name=x]\u{2028}::y\u{85}\n"});
        let out = inert_json(&v.to_string());
        assert!(!commands(&out) && !out.contains(is_unsafe), "{out}");
        let back: serde_json::Value = serde_json::from_str(&out).unwrap();
        assert_eq!(back, v);
    }

    /// A bounded property test: every string over an alphabet of the dangerous
    /// pieces, up to five pieces long, comes out on one line with no command.
    #[test]
    fn no_combination_becomes_a_command() {
        let pieces = [
            "#", "##", "[", ":", "::", " ", "\n", "\r", "\u{2028}", "\u{85}", "x", "\u{1b}",
        ];
        let mut stack: Vec<String> = vec![String::new()];
        let mut checked = 0;
        while let Some(s) = stack.pop() {
            let out = inert(&s);
            assert!(!commands(&out), "{s:?} -> {out:?}");
            assert!(!out.contains(|c: char| is_unsafe(c)), "{s:?} -> {out:?}");
            assert_eq!(inert(&out), out);
            checked += 1;
            if s.chars().count() < 5 {
                stack.extend(pieces.iter().map(|p| format!("{s}{p}")));
            }
        }
        assert!(checked > 100_000, "{checked}");
    }
}
