//! Action inputs as the runner passes them: `INPUT_` + the upper-cased name,
//! hyphens kept (`INPUT_APP-ID`). Underscore spellings (`INPUT_APP_ID`, from a
//! `runs.env` mapping or a hand-written env) are the same input.

use std::collections::BTreeMap;

use crate::config::{Raw, RawPermission};
use crate::error::Error;

/// Every input the program reads, by its action.yml name (permissions aside).
pub const INPUTS: &[&str] = &[
    "client-id",
    "app-id",
    "private-key",
    "owner",
    "repositories",
    "enterprise",
    "installation-id",
    "skip-token-revoke",
    "github-api-url",
    "ca-certificates",
    "bot-identity",
    "check",
    "token-format",
    "kms-key",
    "kms-access-token",
    "oidc-audience",
    "aws-role-arn",
    "vault-role",
    "vault-auth-mount",
    "vault-transit-mount",
];

/// The prefix of the per-permission inputs.
pub const PERMISSION_PREFIX: &str = "permission-";

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
    pub fn collect<I>(vars: I) -> Result<Inputs, Error>
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
                    return Err(Error::ConflictingSpellings { first, second });
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
    pub fn from_env() -> Result<Inputs, Error> {
        Inputs::collect(std::env::vars_os().filter_map(|(k, v)| {
            // A value that is not UTF-8 cannot be any of ours; keep it visible as lossy text.
            Some((k.into_string().ok()?, v.to_string_lossy().into_owned()))
        }))
    }

    /// Every set input's value, by canonical name (`PRIVATE_KEY`).
    pub fn values(&self) -> impl Iterator<Item = (&str, &str)> {
        self.values
            .iter()
            .map(|(k, (_, v))| (k.as_str(), v.as_str()))
    }

    /// Masks the private key's body lines, the key service's access token, and
    /// the lines of any other input that looks like a secret (certificates
    /// aside), so that a slip anywhere later still cannot show them. Call before
    /// any other output.
    pub fn mask_secrets(&self) {
        let key = canonical("private-key");
        let ca = canonical("ca-certificates");
        if let Some(token) = self.get("kms-access-token") {
            crate::report::add_mask(token.trim());
        }
        for (name, value) in self.values() {
            if name == key || (name != ca && crate::secret::looks_secret(value)) {
                for line in crate::key::body_lines(value) {
                    crate::report::add_mask(&line);
                }
            }
        }
    }

    /// The value of input `name`, if set and non-empty.
    pub fn get(&self, name: &str) -> Option<String> {
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
        Raw {
            client_id: self.get("client-id"),
            app_id: self.get("app-id"),
            private_key: self.get("private-key"),
            owner: self.get("owner"),
            repositories: self.get("repositories"),
            enterprise: self.get("enterprise"),
            installation_id: self.get("installation-id"),
            permissions,
            skip_token_revoke: self.get("skip-token-revoke"),
            api_url: self.get("github-api-url"),
            ca_certificates: self.get("ca-certificates"),
            bot_identity: self.get("bot-identity"),
            check: self.get("check"),
            token_format: self.get("token-format"),
            kms_key: self.get("kms-key"),
            kms_access_token: self.get("kms-access-token"),
            oidc_audience: self.get("oidc-audience"),
            aws_role_arn: self.get("aws-role-arn"),
            vault_role: self.get("vault-role"),
            vault_auth_mount: self.get("vault-auth-mount"),
            vault_transit_mount: self.get("vault-transit-mount"),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn inputs(pairs: &[(&str, &str)]) -> Result<Inputs, Error> {
        Inputs::collect(
            pairs
                .iter()
                .map(|(k, v)| ((*k).to_string(), (*v).to_string())),
        )
    }

    #[test]
    fn hyphen_and_underscore_are_one_input() {
        let i = inputs(&[("INPUT_APP-ID", "1"), ("INPUT_APP_ID", "1")]).unwrap();
        assert_eq!(i.get("app-id").as_deref(), Some("1"));
        let i = inputs(&[("INPUT_APP_ID", "2"), ("INPUT_APP-ID", "")]).unwrap();
        assert_eq!(i.get("app-id").as_deref(), Some("2"));
        assert!(matches!(
            inputs(&[("INPUT_APP-ID", "1"), ("INPUT_APP_ID", "2")]),
            Err(Error::ConflictingSpellings { .. })
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
