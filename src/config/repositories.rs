//! `repositories`: owner/name or bare names, at most GitHub's limit.

use crate::inputs::error::InputError;
use crate::secret::Shown;

use super::names::valid_name;

/// GitHub's limit on repositories in one token.
pub const MAX_REPOSITORIES: usize = 500;

/// Splits `repositories` on commas and newlines into `(owner part, name)`,
/// dropping later spellings of a name already listed.
pub(super) fn split_repositories(text: &str) -> Result<Vec<(Option<String>, String)>, InputError> {
    let mut out: Vec<(Option<String>, String)> = Vec::new();
    let mut seen = std::collections::HashSet::new();
    for entry in text.split([',', '\n', '\r']).map(str::trim) {
        if entry.is_empty() {
            continue;
        }
        let bad = || InputError::InvalidRepository {
            entry: Shown::of(entry),
        };
        let (owner, name) = match entry.split_once('/') {
            Some((o, n)) if valid_name(o) && valid_name(n) => (Some(o.to_string()), n),
            Some(_) => return Err(bad()),
            None if valid_name(entry) => (None, entry),
            None => return Err(bad()),
        };
        if seen.insert(name.to_ascii_lowercase()) {
            out.push((owner, name.to_string()));
        }
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn deduplicating_repositories_is_linear() {
        let names: Vec<String> = (0..10_000).map(|i| format!("r{i}")).collect();
        let text = format!("{},R1", names.join("\n"));
        let started = std::time::Instant::now();
        let split = split_repositories(&text).unwrap();
        assert_eq!(split.len(), 10_000, "R1 is r1 again");
        // Quadratic took about a quarter second for these 10,000 (on the order of
        // 10^8 comparisons); linear is a few milliseconds, even unoptimised.
        assert!(started.elapsed() < std::time::Duration::from_millis(100));
    }
}
