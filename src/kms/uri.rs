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
    type Check = (fn(&str) -> bool, UriProblem);
    let checks: [Check; 4] = [
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

    const UUID: &str = "1234abcd-12ab-34cd-56ef-1234567890ab";

    const MRK: &str = "mrk-1234abcd12ab34cd56ef1234567890ab";

    /// An alias of 258 characters: 2 too long.
    fn alias_too_long() -> String {
        format!("alias/{}", "a/_-Z9".repeat(42))
    }

    /// Every form of AWS key id, in every partition and region shape.
    fn valid_aws_keys() -> Vec<String> {
        let (mrk, alias_max) = (MRK, alias_too_long());
        let alias_256 = &alias_max[..256];
        let mut valid = vec![
            "alias/github-app".to_string(),
            "alias/ExampleAlias/with_path-1".into(),
            alias_256.to_string(),
            UUID.into(),
            mrk.into(),
        ];
        for partition in crate::kms::grammar::AWS_PARTITIONS {
            for region in [
                "us-east-1",
                "cn-north-1",
                "us-gov-west-1",
                "us-isob-east-1",
                "eusc-de-east-1",
            ] {
                valid.push(format!(
                    "arn:{partition}:kms:{region}:111122223333:key/{UUID}"
                ));
                valid.push(format!(
                    "arn:{partition}:kms:{region}:111122223333:key/{mrk}"
                ));
                valid.push(format!(
                    "arn:{partition}:kms:{region}:111122223333:alias/github-app"
                ));
            }
        }
        valid
    }

    #[test]
    fn aws_forms() {
        for key in &valid_aws_keys() {
            for (uri, endpoint) in [
                (format!("awskms:///{key}"), None),
                (
                    format!("awskms://localhost:4566/{key}"),
                    Some("localhost:4566"),
                ),
                (format!("awskms://[::1]:4566/{key}"), Some("[::1]:4566")),
            ] {
                assert_eq!(
                    KeyRef::parse(&uri).unwrap(),
                    KeyRef::Aws {
                        endpoint: endpoint.map(str::to_string),
                        key_id: key.clone()
                    },
                    "{uri}"
                );
            }
        }
    }

    #[test]
    fn aws_without_a_key() {
        assert_eq!(problem("awskms:///"), UriProblem::NoKey);
        assert_eq!(problem("awskms://host"), UriProblem::NoKey);
    }

    #[test]
    fn aws_bad_keys() {
        let alias_max = alias_too_long();
        for bad in [
            "1234abcd".to_string(),
            format!("{UUID}\u{1b}"),
            "1234abcd-12ab-34cd-56ef-1234567890a\u{7}".to_string(),
            "1234abcd-12ab-34cd-56ef-1234567890ab\nx".to_string(),
            "alias/".into(),
            "alias/a b".into(),
            "alias/a?b".into(),
            alias_max.clone(),
            format!("arn:aws:kms:us-east-1:1111:key/{UUID}"),
            format!("arn:aws:kms:US-EAST-1:111122223333:key/{UUID}"),
            format!("arn:azure:kms:us-east-1:111122223333:key/{UUID}"),
            format!("arn:aws:s3:us-east-1:111122223333:key/{UUID}"),
            "arn:aws:kms:us-east-1:111122223333:key/nope".into(),
            format!("arn:aws:kms:us-east-1:111122223333:secret/{UUID}"),
        ] {
            assert_eq!(
                problem(&format!("awskms:///{bad}")),
                UriProblem::AwsKey,
                "{bad:?}"
            );
        }
    }

    #[test]
    fn aws_bad_endpoints() {
        for bad in [
            "a b:1",
            "host:0",
            "host:99999",
            "host:",
            "[::1",
            "[zz]:1",
            "-a:1",
        ] {
            assert_eq!(
                problem(&format!("awskms://{bad}/{UUID}")),
                UriProblem::Endpoint,
                "{bad}"
            );
        }
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
        for name in ["gh_app.1", "a", "_", "A-b.c_D9", &"k".repeat(2048)] {
            assert_eq!(
                KeyRef::parse(&format!("openbao://{name}")).unwrap(),
                KeyRef::Vault {
                    flavour: VaultFlavour::OpenBao,
                    name: name.into()
                }
            );
        }
        assert_eq!(problem("hashivault://"), UriProblem::NoKey);
        for bad in [
            "a/b", "..", ".", "-a", "a-", ".a", "a.", "a b", "a\u{0}", "a?x", "a%2F",
        ] {
            assert_eq!(
                problem(&format!("openbao://{bad}")),
                UriProblem::VaultName,
                "{bad}"
            );
        }
    }

    #[test]
    fn google_forms() {
        let long = format!(
            "projects/{}/locations/nam-eur-asia1/keyRings/{}/cryptoKeys/{}",
            "a".repeat(29) + "9",
            "R_-".repeat(21),
            "K".repeat(63)
        );
        for base in [
            "projects/my-proj/locations/global/keyRings/github/cryptoKeys/app",
            "projects/example.com:my-proj/locations/us-east1/keyRings/r/cryptoKeys/k",
            "projects/123456789012/locations/europe/keyRings/CI_ring/cryptoKeys/GitHubApp2024",
            &long,
        ] {
            for suffix in [
                "cryptoKeyVersions/1",
                "versions/1",
                "cryptoKeyVersions/12345678901234567890",
            ] {
                let v = suffix.rsplit('/').next().unwrap();
                assert_eq!(
                    KeyRef::parse(&format!("gcpkms://{base}/{suffix}")).unwrap(),
                    KeyRef::Google {
                        version_name: format!("{base}/cryptoKeyVersions/{v}")
                    }
                );
            }
        }
    }

    const GOOGLE_BASE: &str = "projects/my-proj/locations/global/keyRings/r/cryptoKeys/k";

    #[test]
    fn google_name_and_version_problems() {
        let base = GOOGLE_BASE;
        assert_eq!(
            problem(&format!("gcpkms://{base}")),
            UriProblem::GoogleVersionMissing
        );
        assert_eq!(
            problem("gcpkms://projects/p/keyRings/r"),
            UriProblem::GoogleName
        );
        for v in [
            "",
            "1?x",
            "1#x",
            "1:x",
            "0",
            "01",
            "x",
            "1\u{1}",
            &"9".repeat(21),
        ] {
            assert_eq!(
                problem(&format!("gcpkms://{base}/cryptoKeyVersions/{v}")),
                UriProblem::GoogleVersion,
                "{v:?}"
            );
        }
        assert_eq!(
            problem(&format!("gcpkms://{base}/cryptoKeyVersions/1/x")),
            UriProblem::GoogleName
        );
    }

    #[test]
    fn google_part_problems() {
        let with = |p: &str, l: &str, r: &str, k: &str| {
            problem(&format!(
                "gcpkms://projects/{p}/locations/{l}/keyRings/{r}/cryptoKeys/{k}/cryptoKeyVersions/1"
            ))
        };
        for p in [
            "",
            "p",
            "acme",
            "My-proj",
            "my-proj-",
            "1abcdef",
            &"a".repeat(31),
            "a b cde",
            "x:my-proj",
        ] {
            assert_eq!(
                with(p, "global", "r", "k"),
                UriProblem::GoogleProject,
                "{p}"
            );
        }
        for l in ["", "Global", "us east1", "-x"] {
            assert_eq!(
                with("my-proj", l, "r", "k"),
                UriProblem::GoogleLocation,
                "{l}"
            );
        }
        for id in ["", "a.b", "a?b", "a:b", &"r".repeat(64)] {
            assert_eq!(
                with("my-proj", "global", id, "k"),
                UriProblem::GoogleId,
                "{id}"
            );
            assert_eq!(
                with("my-proj", "global", "r", id),
                UriProblem::GoogleId,
                "{id}"
            );
        }
    }

    #[test]
    fn azure_forms() {
        let version = "0a1b2c3d4e5f60718293a4b5c6d7e8f9";
        let long_name = "K-9".repeat(42) + "z"; // 127
        for host in [
            "acme.vault.azure.net",
            "a-1.vault.azure.cn",
            "abcdefghijklmnopqrstuvwx.vault.usgovcloudapi.net",
            "acme-hsm.managedhsm.azure.net",
            "127.0.0.1:8443",
        ] {
            for name in ["GitHubApp", "gh-app", "1", long_name.as_str()] {
                assert_eq!(
                    KeyRef::parse(&format!("azurekms://{host}/{name}")).unwrap(),
                    KeyRef::Azure {
                        vault_host: host.into(),
                        name: name.into(),
                        version: None
                    }
                );
                assert_eq!(
                    KeyRef::parse(&format!("azurekms://{host}/{name}/{version}")).unwrap(),
                    KeyRef::Azure {
                        vault_host: host.into(),
                        name: name.into(),
                        version: Some(version.into())
                    }
                );
            }
        }
    }

    #[test]
    fn azure_form_name_and_version_problems() {
        let version = "0a1b2c3d4e5f60718293a4b5c6d7e8f9";
        assert_eq!(
            problem("azurekms://acme.vault.azure.net"),
            UriProblem::NoKey
        );
        assert_eq!(
            problem("azurekms://acme.vault.azure.net/a/b/c"),
            UriProblem::AzureForm
        );
        for bad in ["a_b", "a.b", "a b", &"k".repeat(128), "k\u{7f}"] {
            assert_eq!(
                problem(&format!("azurekms://acme.vault.azure.net/{bad}")),
                UriProblem::AzureKeyName,
                "{bad}"
            );
        }
        for bad in [
            "0123abcd",
            "v1",
            &format!("{version}0"),
            &format!("{}g", &version[1..]),
        ] {
            assert_eq!(
                problem(&format!("azurekms://acme.vault.azure.net/k/{bad}")),
                UriProblem::AzureVersion,
                "{bad}"
            );
        }
    }

    #[test]
    fn azure_vault_problems() {
        for bad in [
            "v.vault.azure.net",
            "a--b.vault.azure.net",
            "1abc.vault.azure.net",
            "acme",
            "acme.vault.azure.net:x",
            "ac me.vault.azure.net",
        ] {
            assert_eq!(
                problem(&format!("azurekms://{bad}/k")),
                UriProblem::AzureVault,
                "{bad}"
            );
        }
    }

    #[test]
    fn unknown_scheme() {
        assert_eq!(problem("alias/github-app"), UriProblem::UnknownScheme);
        assert_eq!(problem("pkcs11://token"), UriProblem::UnknownScheme);
    }
}
