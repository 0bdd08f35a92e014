//! Telling credentials apart from values a message may quote: whatever input a
//! key, a JWT or a token was pasted into, no message shows it.

/// The longest value a message quotes; longer ones are cut with an ellipsis.
pub const SHOWN_MAX: usize = 40;

/// Prefixes of GitHub's tokens (installation, personal, OAuth, user, refresh, fine-grained).
const TOKEN_PREFIXES: &[&str] = &["ghs_", "ghp_", "gho_", "ghu_", "ghr_", "github_pat_"];

/// A run of base64 characters this long, mixing cases and digits, is key material
/// or a credential rather than a name.
const BASE64_RUN: usize = 32;

/// Whether `value` looks like key material or a credential.
pub fn looks_secret(value: &str) -> bool {
    value.contains("-----BEGIN")
        || value.contains("PRIVATE KEY")
        || TOKEN_PREFIXES.iter().any(|p| value.contains(p))
        || has_jwt(value)
        || has_base64_run(value)
}

/// `eyJ...`.`...`.`...`: a JWT (its header always starts `{"`, base64url `eyJ`).
fn has_jwt(value: &str) -> bool {
    value
        .split(|c: char| !(c.is_ascii_alphanumeric() || matches!(c, '.' | '-' | '_')))
        .any(|word| word.starts_with("eyJ") && word.matches('.').count() >= 2)
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn secrets_are_recognised() {
        for s in [
            "-----BEGIN RSA PRIVATE KEY-----",
            "ghs_16C7e42F292c6912E7710c838347Ae178B4a",
            "x-access-token:ghp_abc@host",
            "github_pat_11ABC",
            "eyJhbGciOiJSUzI1NiJ9.eyJpc3MiOiIxIn0.c2ln",
            "MIIEowIBAAKCAQEAwQzM0dUeGkEJ8OOYhBBiKvbD",
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
