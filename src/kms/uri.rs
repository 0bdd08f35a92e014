//! The `kms-key` input: cosign's key URIs, parsed into a typed reference.

use super::error::{KmsError, UriProblem};
use super::grammar;

/// Which of Vault's two names the user wrote (both speak the same API).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum VaultFlavour {
    /// `hashivault://`
    Vault,
    /// `openbao://`
    OpenBao,
}

/// A key in a key service, as the `kms-key` input names it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum KeyRef {
    /// `awskms:///<key>` or `awskms://<endpoint>/<key>`.
    Aws {
        /// `host[:port]` of a KMS endpoint other than AWS's own.
        endpoint: Option<String>,
        /// A key id, key ARN, `alias/name` or alias ARN, sent as given.
        key_id: String,
    },
    /// `hashivault://<name>` or `openbao://<name>`: a transit key.
    Vault {
        /// Which scheme was used.
        flavour: VaultFlavour,
        /// The transit key name.
        name: String,
    },
    /// `gcpkms://projects/…/cryptoKeyVersions/N`.
    Google {
        /// The full resource name of the key version.
        version_name: String,
    },
    /// `azurekms://<vault host>/<key>[/<version>]`.
    Azure {
        /// The vault's host, e.g. `myvault.vault.azure.net`.
        vault_host: String,
        /// The key name.
        name: String,
        /// A key version; `None` means the current one.
        version: Option<String>,
    },
}

impl KeyRef {
    /// Parses a `kms-key` value (surrounding white space ignored) against the grammar of
    /// the service its scheme names (see [`super::grammar`]).
    pub fn parse(input: &str) -> Result<KeyRef, KmsError> {
        let uri = input.trim();
        let bad = |problem| KmsError::BadUri {
            uri: uri.to_string(),
            problem,
        };
        let (scheme, rest) = uri
            .split_once("://")
            .ok_or_else(|| bad(UriProblem::UnknownScheme))?;
        match scheme.to_ascii_lowercase().as_str() {
            "awskms" => aws(rest),
            "hashivault" => vault(rest, VaultFlavour::Vault),
            "openbao" => vault(rest, VaultFlavour::OpenBao),
            "gcpkms" => google_name(rest),
            "azurekms" => azure(rest),
            _ => Err(UriProblem::UnknownScheme),
        }
        .map_err(bad)
    }
}

/// `awskms:///<key>` or `awskms://<host[:port]>/<key>`.
fn aws(rest: &str) -> Result<KeyRef, UriProblem> {
    let (endpoint, key_id) = rest.split_once('/').unwrap_or((rest, ""));
    if key_id.is_empty() {
        return Err(UriProblem::NoKey);
    }
    if !endpoint.is_empty() && !grammar::host_port(endpoint) {
        return Err(UriProblem::Endpoint);
    }
    if !grammar::aws_key(key_id) {
        return Err(UriProblem::AwsKey);
    }
    Ok(KeyRef::Aws {
        endpoint: (!endpoint.is_empty()).then(|| endpoint.to_string()),
        key_id: key_id.to_string(),
    })
}

/// `hashivault://<name>`: one transit key name (a `/` would reach another route).
fn vault(rest: &str, flavour: VaultFlavour) -> Result<KeyRef, UriProblem> {
    if rest.is_empty() {
        return Err(UriProblem::NoKey);
    }
    if !grammar::vault_name(rest) {
        return Err(UriProblem::VaultName);
    }
    Ok(KeyRef::Vault {
        flavour,
        name: rest.to_string(),
    })
}

/// `azurekms://<vault host>/<key>[/<version>]`.
fn azure(rest: &str) -> Result<KeyRef, UriProblem> {
    let parts: Vec<&str> = rest.split('/').collect();
    let (host, name, version) = match parts.as_slice() {
        [_] | [_, ""] => return Err(UriProblem::NoKey),
        [host, name] | [host, name, ""] => (*host, *name, None),
        [host, name, version] => (*host, *name, Some(*version)),
        _ => return Err(UriProblem::AzureForm),
    };
    if !grammar::azure_host(host) {
        return Err(UriProblem::AzureVault);
    }
    if !grammar::azure_key_name(name) {
        return Err(UriProblem::AzureKeyName);
    }
    if version.is_some_and(|v| !grammar::azure_version(v)) {
        return Err(UriProblem::AzureVersion);
    }
    Ok(KeyRef::Azure {
        vault_host: host.to_string(),
        name: name.to_string(),
        version: version.map(str::to_string),
    })
}

/// `projects/P/locations/L/keyRings/R/cryptoKeys/K/cryptoKeyVersions/V` (cosign also
/// accepts `versions/V` for the last pair; the API only knows `cryptoKeyVersions`).
fn google_name(rest: &str) -> Result<KeyRef, UriProblem> {
    let parts: Vec<&str> = rest.split('/').collect();
    let labels = ["projects", "locations", "keyRings", "cryptoKeys"];
    let named = parts.len() >= 8 && labels.iter().enumerate().all(|(i, l)| parts[2 * i] == *l);
    if !named {
        return Err(UriProblem::GoogleName);
    }
    let checks: [(fn(&str) -> bool, UriProblem); 4] = [
        (grammar::google_project, UriProblem::GoogleProject),
        (grammar::google_location, UriProblem::GoogleLocation),
        (grammar::google_id, UriProblem::GoogleId),
        (grammar::google_id, UriProblem::GoogleId),
    ];
    for (i, (fits, problem)) in checks.into_iter().enumerate() {
        if !fits(parts[2 * i + 1]) {
            return Err(problem);
        }
    }
    match &parts[8..] {
        [] => Err(UriProblem::GoogleVersionMissing),
        [label, v] if *label == "cryptoKeyVersions" || *label == "versions" => {
            if !grammar::google_version(v) {
                return Err(UriProblem::GoogleVersion);
            }
            Ok(KeyRef::Google {
                version_name: format!("{}/cryptoKeyVersions/{v}", parts[..8].join("/")),
            })
        }
        _ => Err(UriProblem::GoogleName),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn problem(uri: &str) -> UriProblem {
        match KeyRef::parse(uri) {
            Err(KmsError::BadUri { problem, .. }) => problem,
            other => panic!("{uri}: {other:?}"),
        }
    }

    #[test]
    fn aws_forms() {
        let arn = "arn:aws:kms:eu-west-1:111122223333:key/1234abcd-12ab-34cd-56ef-1234567890ab";
        for (uri, endpoint, key) in [
            ("awskms:///alias/github-app", None, "alias/github-app"),
            (&format!("awskms:///{arn}") as &str, None, arn),
            (
                "awskms://localhost:4566/alias/x",
                Some("localhost:4566"),
                "alias/x",
            ),
            ("awskms:///1234abcd", None, "1234abcd"),
        ] {
            assert_eq!(
                KeyRef::parse(uri).unwrap(),
                KeyRef::Aws {
                    endpoint: endpoint.map(str::to_string),
                    key_id: key.to_string()
                },
                "{uri}"
            );
        }
        assert_eq!(problem("awskms:///"), UriProblem::NoKey);
        assert_eq!(problem("awskms://host"), UriProblem::NoKey);
    }

    #[test]
    fn vault_forms() {
        assert_eq!(
            KeyRef::parse(" hashivault://gh-app ").unwrap(),
            KeyRef::Vault {
                flavour: VaultFlavour::Vault,
                name: "gh-app".into()
            }
        );
        assert_eq!(
            KeyRef::parse("openbao://gh_app.1").unwrap(),
            KeyRef::Vault {
                flavour: VaultFlavour::OpenBao,
                name: "gh_app.1".into()
            }
        );
        assert_eq!(problem("hashivault://"), UriProblem::NoKey);
        assert_eq!(problem("hashivault://a/b"), UriProblem::VaultName);
    }

    #[test]
    fn google_forms() {
        let base = "projects/p/locations/global/keyRings/r/cryptoKeys/k";
        for suffix in ["cryptoKeyVersions/3", "versions/3"] {
            assert_eq!(
                KeyRef::parse(&format!("gcpkms://{base}/{suffix}")).unwrap(),
                KeyRef::Google {
                    version_name: format!("{base}/cryptoKeyVersions/3")
                }
            );
        }
        assert_eq!(
            problem(&format!("gcpkms://{base}")),
            UriProblem::GoogleVersionMissing
        );
        assert_eq!(
            problem("gcpkms://projects/p/keyRings/r"),
            UriProblem::GoogleName
        );
        assert_eq!(
            problem(&format!("gcpkms://{base}/cryptoKeyVersions/")),
            UriProblem::GoogleName
        );
        assert_eq!(
            problem("gcpkms://projects//locations/l/keyRings/r/cryptoKeys/k/cryptoKeyVersions/1"),
            UriProblem::GoogleName
        );
    }

    #[test]
    fn azure_forms() {
        assert_eq!(
            KeyRef::parse("azurekms://v.vault.azure.net/gh-app").unwrap(),
            KeyRef::Azure {
                vault_host: "v.vault.azure.net".into(),
                name: "gh-app".into(),
                version: None
            }
        );
        assert_eq!(
            KeyRef::parse("azurekms://v.vault.azure.net/gh-app/0123abcd").unwrap(),
            KeyRef::Azure {
                vault_host: "v.vault.azure.net".into(),
                name: "gh-app".into(),
                version: Some("0123abcd".into())
            }
        );
        assert_eq!(problem("azurekms://v.vault.azure.net"), UriProblem::NoKey);
        assert_eq!(
            problem("azurekms://v.vault.azure.net/a/b/c"),
            UriProblem::AzureForm
        );
        assert_eq!(
            problem("azurekms://v.vault.azure.net/a_b"),
            UriProblem::AzureForm
        );
    }

    #[test]
    fn unknown_scheme() {
        assert_eq!(problem("alias/github-app"), UriProblem::UnknownScheme);
        assert_eq!(problem("pkcs11://token"), UriProblem::UnknownScheme);
    }
}
