//! What a token must look like: what GitHub issues, and what a header can carry
//! back to it.

use std::fmt;

/// What is wrong with a token GitHub sent.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TokenProblem {
    /// Nothing.
    Empty,
    /// A control character or line break.
    Control,
    /// White space.
    Whitespace,
    /// Characters outside ASCII.
    NotAscii,
    /// Over the length accepted.
    TooLong { len: usize, max: usize },
}

impl fmt::Display for TokenProblem {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            TokenProblem::Empty => f.write_str("is empty"),
            TokenProblem::Control => f.write_str("contains control characters or line breaks"),
            TokenProblem::Whitespace => f.write_str("contains white space"),
            TokenProblem::NotAscii => f.write_str("contains characters outside ASCII"),
            TokenProblem::TooLong { len, max } => {
                write!(f, "is {len} characters long, over the {max} accepted")
            }
        }
    }
}

/// The longest token accepted. GitHub documents no maximum: classic tokens are
/// 40 characters, the 2026 format about 520, and GitHub asks tools not to assume
/// a length; 4096 leaves room for the format to grow eightfold while keeping an
/// `Authorization` header well inside what HTTP servers accept (8 KiB).
pub const MAX_LEN: usize = 4096;

/// Whether `token` is a token as GitHub issues them: printable ASCII without
/// white space, at most [`MAX_LEN`] bytes.
pub fn check_shape(token: &str) -> Result<(), TokenProblem> {
    if token.is_empty() {
        Err(TokenProblem::Empty)
    } else if token.contains(crate::report::text::is_unsafe) {
        Err(TokenProblem::Control)
    } else if token.contains(char::is_whitespace) {
        Err(TokenProblem::Whitespace)
    } else if !token.is_ascii() {
        Err(TokenProblem::NotAscii)
    } else if token.len() > MAX_LEN {
        Err(TokenProblem::TooLong {
            len: token.len(),
            max: MAX_LEN,
        })
    } else {
        Ok(())
    }
}

/// Whether `token` can go back to GitHub in a header as it is (to revoke it):
/// printable ASCII only, so no header can be split or forged.
pub fn sendable(token: &str) -> bool {
    !token.trim().is_empty() && token.bytes().all(|b| (0x20..0x7f).contains(&b))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tokens_of_githubs_shapes_pass_and_others_do_not() {
        let classic = format!("ghs_{}", "aB3".repeat(12));
        let new = format!("ghs_12345_{}", "eyJhbGciOiJSUzI1NiJ9.x-_".repeat(22));
        assert!(new.len() > 500);
        for ok in [classic.as_str(), new.as_str(), &"a".repeat(MAX_LEN)] {
            assert_eq!(check_shape(ok), Ok(()));
            assert!(sendable(ok));
        }
        let too_long = "a".repeat(MAX_LEN + 1);
        let cases = [
            ("", TokenProblem::Empty),
            ("ghs_a\0b", TokenProblem::Control),
            ("ghs_a\u{1b}[2J", TokenProblem::Control),
            ("ghs_a\u{2028}b", TokenProblem::Control),
            ("ghs_a b", TokenProblem::Whitespace),
            ("ghs_a\u{a0}b", TokenProblem::Whitespace),
            ("ghs_\u{e9}", TokenProblem::NotAscii),
        ];
        for (token, problem) in cases {
            assert_eq!(check_shape(token), Err(problem), "{token:?}");
        }
        assert!(matches!(
            check_shape(&too_long),
            Err(TokenProblem::TooLong { .. })
        ));
        // Revocable: what a header carries as it is; never a control character.
        assert!(sendable(&too_long) && sendable("ghs_a b"));
        for token in [
            "",
            " ",
            "ghs_a\0b",
            "ghs_a\u{1b}b",
            "ghs_a\nb",
            "ghs_\u{e9}",
        ] {
            assert!(!sendable(token), "{token:?}");
        }
    }
}
