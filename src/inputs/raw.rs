//! The inputs' values as given, before any check: the same for the action and the CLI.

use std::collections::BTreeMap;

use super::{INPUTS, Input, find};

/// One requested permission before checking.
#[derive(Debug, Clone)]
pub struct RawPermission {
    /// The name as written (for messages).
    pub input: String,
    /// The API name it maps to.
    pub name: String,
    /// The level as written.
    pub level: String,
}

/// The inputs' values as given, before any check: by table name, unset and blank
/// values left out; the same for the action and the CLI.
#[derive(Debug, Default, Clone)]
pub struct Raw {
    pub(super) values: BTreeMap<&'static str, String>,
    /// `(name, level)` pairs of the permission inputs.
    pub permissions: Vec<RawPermission>,
}

impl Raw {
    /// Input `name`'s value, trimmed, if set and not blank.
    pub fn get(&self, name: &str) -> Option<&str> {
        debug_assert!(find(name).is_some(), "{name} is not in the table");
        self.values
            .get(name)
            .map(|v| v.trim())
            .filter(|v| !v.is_empty())
    }

    /// Sets input `row`'s value.
    pub fn set(&mut self, row: &'static Input, value: String) {
        self.values.insert(row.name, value);
    }

    /// Sets the input named `name` (in the table) to `value`.
    pub fn with(mut self, name: &str, value: &str) -> Raw {
        if let Some(row) = find(name) {
            self.set(row, value.to_string());
        }
        self
    }

    /// Every set input with its row.
    pub fn iter(&self) -> impl Iterator<Item = (&'static Input, &str)> {
        INPUTS
            .iter()
            .filter_map(|row| Some((row, self.get(row.name)?)))
    }
}
