//! Inputs that are one word: booleans and the token format.

use crate::inputs::Raw;
use crate::inputs::error::InputError;
use crate::secret::Shown;

/// Input `input` as a YAML 1.2 core boolean (unset: false); anything else is a
/// mistake worth reporting.
pub fn boolean(input: &'static str, raw: &Raw) -> Result<bool, InputError> {
    match raw.get(input) {
        None => Ok(false),
        Some("true" | "True" | "TRUE") => Ok(true),
        Some("false" | "False" | "FALSE") => Ok(false),
        Some(other) => Err(InputError::InvalidBoolean {
            input,
            value: Shown::of(other),
        }),
    }
}

/// The installation-token format to ask GitHub for, with its temporary override header.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TokenFormat {
    /// The new format (`ghs_<app id>_<JWT>`, about 520 characters).
    Stateless,
    /// The classic format (`ghs_` + 36 characters).
    Stateful,
}

impl TokenFormat {
    /// The request header GitHub reads on the mint (changelog 2026-05-15).
    pub const HEADER: &'static str = "X-GitHub-Stateless-S2S-Token";

    /// `token-format` as given; empty means GitHub's rollout decides.
    pub fn parse(value: Option<&str>) -> Result<Option<TokenFormat>, InputError> {
        match value {
            None => Ok(None),
            Some("stateless") => Ok(Some(TokenFormat::Stateless)),
            Some("stateful") => Ok(Some(TokenFormat::Stateful)),
            Some(other) => Err(InputError::InvalidTokenFormat {
                value: Shown::of(other),
            }),
        }
    }

    /// The header's value: the only two GitHub honours (it ignores any other).
    pub fn header_value(self) -> &'static str {
        match self {
            TokenFormat::Stateless => "enabled",
            TokenFormat::Stateful => "disabled",
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn booleans_are_yaml_core() {
        for t in ["true", "True", "TRUE"] {
            assert!(boolean("check", &Raw::default().with("check", t)).unwrap());
        }
        for f in ["false", "False", "FALSE", ""] {
            assert!(!boolean("check", &Raw::default().with("check", f)).unwrap());
        }
        for bad in ["yes", "1", "on", "tRUE"] {
            assert!(boolean("check", &Raw::default().with("check", bad)).is_err());
        }
    }

    #[test]
    fn token_format_takes_two_words_or_nothing() {
        let parse = |v: &str| TokenFormat::parse(Some(v.trim()).filter(|v| !v.is_empty()));
        assert_eq!(parse("stateless").unwrap(), Some(TokenFormat::Stateless));
        assert_eq!(parse(" stateful ").unwrap(), Some(TokenFormat::Stateful));
        assert_eq!(parse("").unwrap(), None);
        assert_eq!(TokenFormat::Stateless.header_value(), "enabled");
        assert_eq!(TokenFormat::Stateful.header_value(), "disabled");
        for bad in ["enabled", "disabled", "Stateless", "classic", "true"] {
            assert!(
                matches!(parse(bad), Err(InputError::InvalidTokenFormat { .. })),
                "{bad}"
            );
        }
    }
}
