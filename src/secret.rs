//! Telling credentials apart from values a message may quote. Two rules: only a
//! value whose shape is certain (PEM armour, a GitHub token, a JWT) is refused in an
//! input that takes no secret; a value that merely looks like key material is
//! accepted if its input's grammar takes it, and only not quoted.

use std::fmt;

/// The longest value a message quotes; longer ones are cut with an ellipsis.
pub const SHOWN_MAX: usize = 40;

/// Prefixes of GitHub's tokens (installation, personal, OAuth, user, refresh, fine-grained).
const TOKEN_PREFIXES: &[&str] = &["ghs_", "ghp_", "gho_", "ghu_", "ghr_", "github_pat_"];

/// The shortest token body after a prefix: GitHub's recommended pattern for its
/// tokens is `ghs_[A-Za-z0-9._-]{36,}` (its 2026 format note), the classic body
/// exactly 36 alphanumerics.
const TOKEN_BODY: usize = 36;

/// A run of base64 characters this long, mixing cases and digits, may be key
/// material: a message does not quote it (it is not refused: valid names look so too).
const BASE64_RUN: usize = 32;

/// Whether `value` certainly holds a key or a credential: PEM armour, a GitHub
/// token prefix followed by a token body, or a JWT. Only such values are refused in
/// an input that takes no secret; every other value is judged by its input's grammar.
pub fn is_certainly_secret(value: &str) -> bool {
    value.contains("-----BEGIN") || value.contains("-----END") || has_token(value) || has_jwt(value)
}

/// Whether a message should not quote `value`: a certain secret, or a long run of
/// base64 that may be key material.
pub fn looks_secret(value: &str) -> bool {
    is_certainly_secret(value) || value.contains("PRIVATE KEY") || has_base64_run(value)
}

fn token_body_char(b: u8) -> bool {
    b.is_ascii_alphanumeric() || matches!(b, b'.' | b'-' | b'_')
}

/// A token prefix at the start of a word, followed by at least [`TOKEN_BODY`]
/// token characters.
fn has_token(value: &str) -> bool {
    let bytes = value.as_bytes();
    TOKEN_PREFIXES.iter().any(|prefix| {
        value.match_indices(prefix).any(|(at, _)| {
            let starts_word =
                at == 0 || !(bytes[at - 1].is_ascii_alphanumeric() || bytes[at - 1] == b'_');
            let body = bytes[at + prefix.len()..]
                .iter()
                .take_while(|b| token_body_char(**b))
                .count();
            starts_word && body >= TOKEN_BODY
        })
    })
}

/// `eyJ…`.`…`.`…` whose first part decodes to a JSON object: a JWT's header (an
/// installation token of the 2026 format carries one after `ghs_<app id>_`).
fn has_jwt(value: &str) -> bool {
    use base64::Engine;
    let b64url = |b: u8| b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_');
    value.match_indices("eyJ").any(|(at, _)| {
        let rest = &value[at..];
        let mut parts = rest.splitn(3, '.');
        let (Some(header), Some(claims), Some(tail)) = (parts.next(), parts.next(), parts.next())
        else {
            return false;
        };
        let signature_len = tail.bytes().take_while(|b| b64url(*b)).count();
        let well_formed = [header, claims]
            .iter()
            .all(|p| !p.is_empty() && p.bytes().all(b64url))
            && signature_len > 0;
        well_formed
            && base64::engine::general_purpose::URL_SAFE_NO_PAD
                .decode(header.trim_end_matches('='))
                .ok()
                .and_then(|json| serde_json::from_slice::<serde_json::Value>(&json).ok())
                .is_some_and(|v| v.is_object())
    })
}

fn has_base64_run(value: &str) -> bool {
    value
        .split(|c: char| !(c.is_ascii_alphanumeric() || matches!(c, '+' | '/' | '=')))
        .any(|run| {
            run.len() >= BASE64_RUN
                && run.bytes().any(|b| b.is_ascii_uppercase())
                && run.bytes().any(|b| b.is_ascii_lowercase())
                && run.bytes().any(|b| b.is_ascii_digit())
        })
}

/// `value` as a message may quote it: `None` when it spans lines or looks like a
/// secret, else the value cut to [`SHOWN_MAX`] characters.
pub fn quotable(value: &str) -> Option<String> {
    let value = value.trim();
    if value.contains(['\n', '\r']) || looks_secret(value) {
        return None;
    }
    Some(match value.char_indices().nth(SHOWN_MAX) {
        Some((cut, _)) => format!("{}…", &value[..cut]),
        None => value.to_string(),
    })
}

/// `scheme://user:password@host/path` without its user info, which may hold a token.
pub fn without_userinfo(url: &str) -> String {
    let Some((scheme, rest)) = url.split_once("://") else {
        return url.to_string();
    };
    let end = rest.find(['/', '?', '#']).unwrap_or(rest.len());
    match rest[..end].rfind('@') {
        Some(at) => format!("{scheme}://{}", &rest[at + 1..]),
        None => url.to_string(),
    }
}

/// An input's value as a message quotes it: in full when short, cut when long,
/// and not at all when it spans lines or looks like a key or a credential; what
/// is quoted is made inert by [`crate::report::text::inert`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Shown(Option<String>);

impl Shown {
    /// Decides how `value` may be quoted.
    pub fn of(value: &str) -> Shown {
        Shown(quotable(value))
    }

    /// A URL without its user info, then as [`Shown::of`].
    pub fn url(url: &str) -> Shown {
        Shown::of(&without_userinfo(url))
    }
}

impl fmt::Display for Shown {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match &self.0 {
            Some(v) => write!(f, "\"{}\"", crate::report::text::inert(v)),
            None => f.write_str("not shown (it spans lines, or looks like a key or a credential)"),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn certain_secrets_are_recognised() {
        for s in [
            "-----BEGIN RSA PRIVATE KEY-----",
            "-----END PRIVATE KEY-----",
            "ghs_16C7e42F292c6912E7710c838347Ae178B4a",
            "x-access-token:ghp_16C7e42F292c6912E7710c838347Ae178B4a@host",
            "github_pat_11ABCDEFG0123456789abc_defghijklmnopqrstuvwxyz0123456789ABCDEFGHIJKLMNOPQRSTUVW",
            "ghs_12345_eyJhbGciOiJSUzI1NiJ9.eyJpc3MiOiIxIn0.c2ln",
            "eyJhbGciOiJSUzI1NiJ9.eyJpc3MiOiIxIn0.c2ln",
        ] {
            assert!(is_certainly_secret(s), "{s}");
            assert!(looks_secret(s), "{s}");
            assert_eq!(quotable(s), None, "{s}");
        }
    }

    #[test]
    fn look_alikes_are_not_certain() {
        // Valid names and key references that the base64-run guess hides from
        // messages but that no rule may refuse.
        for s in [
            "MIIEowIBAAKCAQEAwQzM0dUeGkEJ8OOYhBBiKvbD",
            "MyRepositoryNameIsVeryLongIndeed2024Edition",
            "gcpkms://projects/my-proj/locations/global/keyRings/github/cryptoKeys/app/cryptoKeyVersions/1",
            "azurekms://acme.vault.azure.net/GitHubApp/0a1b2c3d4e5f60718293a4b5c6d7e8f9",
            "ghp_helper",
            "my-ghs_tools",
            "eyJump.v2.final",
            "github_pat_11ABC",
        ] {
            assert!(!is_certainly_secret(s), "{s}");
        }
        for s in [
            "MIIEowIBAAKCAQEAwQzM0dUeGkEJ8OOYhBBiKvbD",
            "MyRepositoryNameIsVeryLongIndeed2024Edition",
        ] {
            assert!(looks_secret(s), "{s}");
            assert_eq!(quotable(s), None, "{s}");
        }
        for s in [
            "yes",
            "acme",
            "repo-a,repo-b",
            "https://ghe.example.com/api/v3",
            "a-very-long-repository-name-of-forty-two-chars",
            "0123456789abcdef0123456789abcdef01234567",
        ] {
            assert!(!looks_secret(s), "{s}");
        }
    }

    #[test]
    fn quoting_is_short_and_one_line() {
        assert_eq!(quotable(" yes ").as_deref(), Some("yes"));
        assert_eq!(quotable("a\nb"), None);
        let long = "x".repeat(50);
        assert_eq!(quotable(&long), Some(format!("{}…", "x".repeat(40))));
    }

    #[test]
    fn user_info_is_dropped() {
        assert_eq!(
            without_userinfo("https://x-access-token:t0k@ghe.example.com/api/v3"),
            "https://ghe.example.com/api/v3"
        );
        assert_eq!(without_userinfo("https://h/a@b"), "https://h/a@b");
        assert_eq!(without_userinfo("no scheme"), "no scheme");
    }
}
