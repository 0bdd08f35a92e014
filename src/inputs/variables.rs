//! The action's inputs as the runner passes them: `INPUT_` + the upper-cased name,
//! hyphens kept (`INPUT_APP-ID`); underscore spellings are the same input.

use std::collections::BTreeMap;

use super::error::InputError;
use super::{INPUTS, PERMISSION_PREFIX, Raw, RawPermission};

/// `APP-ID`, `app_id`, `App-Id` → `APP_ID`.
fn canonical(name: &str) -> String {
    name.to_ascii_uppercase().replace(['-', ' '], "_")
}

/// Non-empty inputs by canonical name, from `(variable, value)` pairs.
pub struct Inputs {
    values: BTreeMap<String, (String, String)>,
}

impl Inputs {
    /// Collects `INPUT_*` variables, refusing two spellings with different values.
    pub fn collect<I>(vars: I) -> Result<Inputs, InputError>
    where
        I: IntoIterator<Item = (String, String)>,
    {
        let mut values: BTreeMap<String, (String, String)> = BTreeMap::new();
        for (var, value) in vars {
            let Some(name) = var.strip_prefix("INPUT_") else {
                continue;
            };
            if value.trim().is_empty() {
                continue;
            }
            let key = canonical(name);
            match values.get(&key) {
                Some((first, v)) if *v != value => {
                    // In name order; a comparison, not a sort routine linked for two items.
                    let (first, second) = if *first <= var {
                        (first.clone(), var)
                    } else {
                        (var, first.clone())
                    };
                    return Err(InputError::ConflictingSpellings { first, second });
                }
                Some(_) => {}
                None => {
                    values.insert(key, (var, value));
                }
            }
        }
        Ok(Inputs { values })
    }

    /// Reads this process's environment.
    pub fn from_env() -> Result<Inputs, InputError> {
        Inputs::collect(crate::env::all())
    }

    /// The value of input `name`, if set and non-empty.
    fn get(&self, name: &str) -> Option<String> {
        self.values.get(&canonical(name)).map(|(_, v)| v.clone())
    }

    /// The raw request, permissions included.
    pub fn raw(&self) -> Raw {
        let prefix = canonical(PERMISSION_PREFIX);
        let permissions = self
            .values
            .iter()
            .filter_map(|(key, (_, value))| {
                let name = key.strip_prefix(&prefix)?.to_ascii_lowercase();
                Some(RawPermission {
                    input: name.replace('_', "-"),
                    name,
                    level: value.clone(),
                })
            })
            .collect();
        let values = INPUTS
            .iter()
            .filter_map(|row| Some((row.name, self.get(row.name)?)))
            .collect();
        Raw {
            values,
            permissions,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn inputs(pairs: &[(&str, &str)]) -> Result<Inputs, InputError> {
        Inputs::collect(
            pairs
                .iter()
                .map(|(k, v)| ((*k).to_string(), (*v).to_string())),
        )
    }

    #[test]
    fn hyphen_and_underscore_are_one_input() {
        let i = inputs(&[("INPUT_APP-ID", "1"), ("INPUT_APP_ID", "1")]).unwrap();
        assert_eq!(i.raw().get("app-id"), Some("1"));
        let i = inputs(&[("INPUT_APP_ID", "2"), ("INPUT_APP-ID", "")]).unwrap();
        assert_eq!(i.raw().get("app-id"), Some("2"));
        assert!(matches!(
            inputs(&[("INPUT_APP-ID", "1"), ("INPUT_APP_ID", "2")]),
            Err(InputError::ConflictingSpellings { .. })
        ));
    }

    #[test]
    fn permission_inputs() {
        let i = inputs(&[
            ("INPUT_PERMISSION-PULL-REQUESTS", "write"),
            ("INPUT_PERMISSION_CONTENTS", "read"),
            ("INPUT_PERMISSION-ISSUES", ""),
            ("OTHER", "x"),
        ])
        .unwrap();
        let raw = i.raw();
        let names: Vec<_> = raw.permissions.iter().map(|p| p.name.as_str()).collect();
        assert_eq!(names, ["contents", "pull_requests"]);
        assert_eq!(raw.permissions[1].input, "pull-requests");
    }
}
