//! The grammars of names, as GitHub defines them: logins, enterprise slugs, app ids,
//! repository names and installation ids.

use crate::inputs::error::{InputError, NameRule};
use crate::secret::Shown;

/// A repository name as GitHub allows it: 1–100 of `A-Za-z0-9._-`, but not `.`
/// or `..` (GitHub reserves them; in a path they would climb a level).
pub(super) fn valid_name(s: &str) -> bool {
    !s.is_empty()
        && s.len() <= 100
        && s != "."
        && s != ".."
        && s.bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_' || b == b'.')
}

/// Whether `value` is a name of the kind `rule` describes.
fn follows(rule: NameRule, value: &str) -> bool {
    fn alnum_or(s: &str, extra: &[u8]) -> bool {
        !s.is_empty()
            && s.bytes()
                .all(|b| b.is_ascii_alphanumeric() || extra.contains(&b))
    }
    match rule {
        // The characters and length of every login GitHub serves: sign-up today asks
        // for single hyphens inside, but accounts from before that rule keep leading,
        // trailing and doubled hyphens (`-ACE-`, `foo-`, `gil--`) and must still work.
        // A managed user's `_shortcode` follows.
        NameRule::Login => {
            let (login, code) = value.split_once('_').unwrap_or((value, "a"));
            login.len() <= 39 && alnum_or(login, b"-") && alnum_or(code, b"")
        }
        NameRule::EnterpriseSlug => value.len() <= 100 && alnum_or(value, b"-"),
        NameRule::AppId => valid_name(value),
    }
}

/// Checks `value` of `input` against `rule`.
pub(super) fn name(input: &'static str, value: &str, rule: NameRule) -> Result<String, InputError> {
    if follows(rule, value) {
        Ok(value.to_string())
    } else {
        Err(InputError::InvalidName {
            input,
            value: Shown::of(value),
            rule,
        })
    }
}

/// `installation-id`: a positive number.
pub(super) fn installation_id(v: &str) -> Result<u64, InputError> {
    v.parse::<u64>()
        .ok()
        .filter(|&id| id > 0)
        .ok_or_else(|| InputError::InvalidInstallationId {
            value: Shown::of(v),
        })
}
