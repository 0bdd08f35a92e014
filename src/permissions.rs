//! The permission names and levels an installation token can be asked for.
//!
//! Mirrors `#/components/schemas/app-permissions` of GitHub's REST description
//! (`tests/action_yml.rs` checks it against the shared copy and action.yml).

/// `(name, accepted levels)` in the order of GitHub's schema.
pub const PERMISSIONS: &[(&str, &[&str])] = &[
    ("actions", &["read", "write"]),
    ("administration", &["read", "write"]),
    ("artifact_metadata", &["read", "write"]),
    ("attestations", &["read", "write"]),
    ("checks", &["read", "write"]),
    ("code_quality", &["read", "write"]),
    ("codespaces", &["read", "write"]),
    ("contents", &["read", "write"]),
    ("dependabot_secrets", &["read", "write"]),
    ("deployments", &["read", "write"]),
    ("discussions", &["read", "write"]),
    ("environments", &["read", "write"]),
    ("issues", &["read", "write"]),
    ("merge_queues", &["read", "write"]),
    ("metadata", &["read", "write"]),
    ("packages", &["read", "write"]),
    ("pages", &["read", "write"]),
    ("pull_requests", &["read", "write"]),
    ("repository_custom_properties", &["read", "write"]),
    ("repository_hooks", &["read", "write"]),
    ("repository_projects", &["read", "write", "admin"]),
    ("secret_scanning_alerts", &["read", "write"]),
    ("secrets", &["read", "write"]),
    ("security_events", &["read", "write"]),
    ("single_file", &["read", "write"]),
    ("statuses", &["read", "write"]),
    ("vulnerability_alerts", &["read", "write"]),
    ("workflows", &["write"]),
    ("custom_properties_for_organizations", &["read", "write"]),
    ("members", &["read", "write"]),
    ("organization_administration", &["read", "write"]),
    ("organization_custom_roles", &["read", "write"]),
    ("organization_custom_org_roles", &["read", "write"]),
    (
        "organization_custom_properties",
        &["read", "write", "admin"],
    ),
    ("organization_copilot_seat_management", &["read", "write"]),
    ("organization_copilot_agent_settings", &["read", "write"]),
    ("organization_announcement_banners", &["read", "write"]),
    ("organization_events", &["read"]),
    ("organization_hooks", &["read", "write"]),
    ("organization_personal_access_tokens", &["read", "write"]),
    (
        "organization_personal_access_token_requests",
        &["read", "write"],
    ),
    ("organization_plan", &["read"]),
    ("organization_projects", &["read", "write", "admin"]),
    ("organization_packages", &["read", "write"]),
    ("organization_secrets", &["read", "write"]),
    ("organization_self_hosted_runners", &["read", "write"]),
    ("organization_user_blocking", &["read", "write"]),
    ("email_addresses", &["read", "write"]),
    ("followers", &["read", "write"]),
    ("git_ssh_keys", &["read", "write"]),
    ("gpg_keys", &["read", "write"]),
    ("interaction_limits", &["read", "write"]),
    ("profile", &["write"]),
    ("starring", &["read", "write"]),
    (
        "enterprise_custom_properties_for_organizations",
        &["read", "write", "admin"],
    ),
];

/// What a requested permission turned out to be.
#[derive(Debug, PartialEq, Eq)]
pub enum Verdict {
    /// A known name with an accepted level.
    Known,
    /// A name GitHub may have added since this list was made: sent as given.
    Unknown,
}

/// A requested permission that is certainly wrong.
#[derive(Debug, PartialEq, Eq)]
pub enum Problem {
    /// The level is not one the name accepts.
    Level { accepted: &'static [&'static str] },
    /// The name is a near miss of a known one.
    Typo { suggestion: &'static str },
}

/// Accepted levels of a known permission name.
pub fn levels(name: &str) -> Option<&'static [&'static str]> {
    PERMISSIONS
        .iter()
        .find(|(n, _)| *n == name)
        .map(|(_, l)| *l)
}

/// Checks one `name: level` pair against the list.
pub fn check(name: &str, level: &str) -> Result<Verdict, Problem> {
    if let Some(accepted) = levels(name) {
        return if accepted.contains(&level) {
            Ok(Verdict::Known)
        } else {
            Err(Problem::Level { accepted })
        };
    }
    match suggest(name) {
        Some(suggestion) => Err(Problem::Typo { suggestion }),
        None => Ok(Verdict::Unknown),
    }
}

/// The closest known name within edit distance 2, if any.
pub fn suggest(name: &str) -> Option<&'static str> {
    PERMISSIONS
        .iter()
        .map(|(n, _)| (edit_distance(name, n), *n))
        .filter(|(d, _)| *d <= 2)
        .min_by_key(|(d, _)| *d)
        .map(|(_, n)| n)
}

/// Levenshtein distance over bytes (names are ASCII).
fn edit_distance(a: &str, b: &str) -> usize {
    let (a, b) = (a.as_bytes(), b.as_bytes());
    let mut prev: Vec<usize> = (0..=b.len()).collect();
    let mut cur = vec![0; b.len() + 1];
    for (i, ca) in a.iter().enumerate() {
        cur[0] = i + 1;
        for (j, cb) in b.iter().enumerate() {
            let substitution = prev[j] + usize::from(ca != cb);
            cur[j + 1] = substitution.min(prev[j + 1] + 1).min(cur[j] + 1);
        }
        std::mem::swap(&mut prev, &mut cur);
    }
    prev[b.len()]
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn known_name_and_level() {
        assert_eq!(check("contents", "write"), Ok(Verdict::Known));
        assert_eq!(check("workflows", "write"), Ok(Verdict::Known));
    }

    #[test]
    fn level_not_accepted() {
        assert_eq!(
            check("workflows", "read"),
            Err(Problem::Level {
                accepted: &["write"]
            })
        );
        assert!(check("contents", "admin").is_err());
        assert!(check("contents", "Write").is_err());
    }

    #[test]
    fn near_misses_suggest_the_name() {
        assert_eq!(
            check("content", "read"),
            Err(Problem::Typo {
                suggestion: "contents"
            })
        );
        assert_eq!(
            check("pull-requests", "write"),
            Err(Problem::Typo {
                suggestion: "pull_requests"
            })
        );
    }

    #[test]
    fn far_unknown_names_pass_through() {
        assert_eq!(check("copilot_spaces", "read"), Ok(Verdict::Unknown));
    }

    #[test]
    fn distance() {
        assert_eq!(edit_distance("kitten", "sitting"), 3);
        assert_eq!(edit_distance("", "ab"), 2);
        assert_eq!(edit_distance("same", "same"), 0);
    }
}
