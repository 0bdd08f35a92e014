//! The key-service inputs' grammars, each as the service that defines the value writes
//! it. A value that fits is accepted whatever it looks like; one that does not is
//! refused before any request, with the grammar named.
//!
//! Where each rule comes from:
//! - Google Cloud KMS: project ids (6-30 of `a-z0-9-`, a letter first, no `-` last;
//!   domain-scoped `example.com:id`; or a project number) from the Resource Manager
//!   reference (`projects#resource:-project`); key ring and crypto key ids
//!   `[a-zA-Z0-9_-]{1,63}` from `keyRings.create` / `cryptoKeys.create`; key versions are
//!   numbers Google assigns (`cryptoKeyVersions/1`).
//! - Azure Key Vault: vault names 3-24 of `0-9a-zA-Z-` with no `--`, key names 1-127 of
//!   `0-9a-zA-Z-`, versions a 32-character system-generated id (hex), from
//!   learn.microsoft.com "Azure Key Vault keys, secrets and certificates overview".
//! - AWS KMS: key ids (a UUID, or `mrk-` and 32 hex digits for multi-Region keys),
//!   `alias/` names of 1-256 of `A-Za-z0-9/_-`, key and alias ARNs, from the KMS API
//!   reference (`Sign`, `KeyId`) and the developer guide ("Create aliases"); ARNs as
//!   `arn:PARTITION:SERVICE:REGION:ACCOUNT:RESOURCE` (IAM User Guide, ARN reference).
//! - IAM roles: names 1-64 of `A-Za-z0-9+=,.@_-`, paths `/` or `/…/` of `!`-`~` up to 512
//!   (IAM `CreateRole`).
//! - Vault/OpenBao: transit key and JWT role names follow `framework.GenericNameRegex`
//!   (`\w(([\w-.]+)?\w)?`), the pattern of the routes `keys/<name>`, `sign/<name>` and
//!   `role/<name>`; a mount path is `/`-separated segments that go into the URL as they
//!   are (RFC 3986 `pchar`, no `%`), none `.` or `..`.
//! - `oidc-audience`: a JWT `aud`, RFC 7519 StringOrURI (a URI when it holds `:`).

/// A grammar an input's value must fit; its `Display` (in `src/error.rs`) says the rule.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Rule {
    /// `aws-role-arn`.
    RoleArn,
    /// `vault-role`.
    VaultRole,
    /// `vault-auth-mount`, `vault-transit-mount`, `TRANSIT_SECRET_ENGINE_PATH`.
    VaultMount,
    /// `oidc-audience`.
    Audience,
    /// `AWS_REGION`, `AWS_DEFAULT_REGION`.
    AwsRegion,
    /// `VAULT_NAMESPACE`.
    VaultNamespace,
    /// `kms-access-token`, `GOOGLE_OAUTH_ACCESS_TOKEN`: an OAuth 2 bearer token.
    BearerToken,
}

/// The longest value any of these inputs takes: AWS's `KeyId` limit, far above the rest.
pub const MAX_INPUT: usize = 2048;
/// The longest credential accepted from a service or the environment.
pub const MAX_CREDENTIAL: usize = 16 * 1024;

fn all(s: &str, ok: impl Fn(u8) -> bool) -> bool {
    s.bytes().all(ok)
}

fn len_in(s: &str, min: usize, max: usize) -> bool {
    (min..=max).contains(&s.len())
}

/// Vault's `GenericNameRegex`: `\w(([\w-.]+)?\w)?`, `\w` being `[0-9A-Za-z_]`.
pub fn vault_name(s: &str) -> bool {
    let word = |b: u8| b.is_ascii_alphanumeric() || b == b'_';
    let (Some(&first), Some(&last)) = (s.as_bytes().first(), s.as_bytes().last()) else {
        return false;
    };
    s.len() <= MAX_INPUT
        && word(first)
        && word(last)
        && all(s, |b| word(b) || b == b'-' || b == b'.')
}

/// A Vault mount path: segments of RFC 3986 `pchar` without `%`, none `.` or `..`;
/// a leading or trailing `/` is dropped (Vault's CLI takes both).
pub fn vault_mount(s: &str) -> bool {
    let pchar = |b: u8| b.is_ascii_alphanumeric() || b"-._~!$&'()*+,;=:@".contains(&b);
    let path = s.trim_matches('/');
    len_in(path, 1, MAX_INPUT)
        && path
            .split('/')
            .all(|seg| !seg.is_empty() && seg != "." && seg != ".." && all(seg, pchar))
}

/// An IAM role ARN: `arn:PARTITION:iam::ACCOUNT:role/[PATH/]NAME`.
pub fn role_arn(s: &str) -> bool {
    let Some(("arn", partition, "iam", "", account, resource)) = arn_parts(s) else {
        return false;
    };
    let Some(rest) = resource.strip_prefix("role/") else {
        return false;
    };
    // `role/NAME` or `role/PATH/NAME`, the IAM path `/PATH/` being up to 512 characters.
    let (path, name) = match rest.rsplit_once('/') {
        Some(("", _)) => return false,
        Some(split) => split,
        None => ("", rest),
    };
    let name_ok = len_in(name, 1, 64)
        && all(name, |b| {
            b.is_ascii_alphanumeric() || b"+=,.@_-".contains(&b)
        });
    let path_ok = path.is_empty()
        || (path.len() + 2 <= 512
            && path
                .split('/')
                .all(|p| !p.is_empty() && all(p, |b| (b'!'..=b'~').contains(&b))));
    aws_partition(partition) && aws_account(account) && name_ok && path_ok
}

/// The six `:`-separated parts of an ARN (the resource may hold more `:`).
fn arn_parts(s: &str) -> Option<(&str, &str, &str, &str, &str, &str)> {
    if !len_in(s, 1, MAX_INPUT) {
        return None;
    }
    let mut p = s.splitn(6, ':');
    Some((
        p.next()?,
        p.next()?,
        p.next()?,
        p.next()?,
        p.next()?,
        p.next()?,
    ))
}

/// `aws`, `aws-cn`, `aws-us-gov`, `aws-iso`, `aws-iso-b`, `aws-iso-e`, `aws-iso-f`,
/// `aws-eusc` …: `aws` and lower-case words joined by `-`.
pub fn aws_partition(s: &str) -> bool {
    s.strip_prefix("aws").is_some_and(|rest| {
        rest.is_empty()
            || rest.strip_prefix('-').is_some_and(|words| {
                words
                    .split('-')
                    .all(|w| !w.is_empty() && all(w, |b| b.is_ascii_lowercase()))
            })
    })
}

/// `us-east-1`, `us-gov-west-1`, `cn-north-1`, `us-isob-east-1`, `eusc-de-east-1`:
/// lower-case words and a number, joined by `-`.
pub fn aws_region(s: &str) -> bool {
    let Some((words, number)) = s.rsplit_once('-') else {
        return false;
    };
    s.len() <= 64
        && !number.is_empty()
        && all(number, |b| b.is_ascii_digit())
        && words
            .split('-')
            .all(|w| !w.is_empty() && all(w, |b| b.is_ascii_lowercase()))
}

fn aws_account(s: &str) -> bool {
    s.len() == 12 && all(s, |b| b.is_ascii_digit())
}

fn hex(s: &str) -> bool {
    all(s, |b| b.is_ascii_hexdigit())
}

/// A KMS key id: a UUID, or `mrk-` and 32 hex digits (a multi-Region key).
fn aws_key_uuid(s: &str) -> bool {
    if let Some(mrk) = s.strip_prefix("mrk-") {
        return mrk.len() == 32 && hex(mrk);
    }
    let groups: Vec<&str> = s.split('-').collect();
    groups.iter().map(|g| g.len()).eq([8, 4, 4, 4, 12]) && groups.iter().all(|g| hex(g))
}

/// `alias/` and 1-255 more of `A-Za-z0-9/_-` (the whole alias is 1-256 characters).
fn aws_alias(s: &str) -> bool {
    s.strip_prefix("alias/").is_some_and(|name| {
        !name.is_empty()
            && s.len() <= 256
            && all(name, |b| b.is_ascii_alphanumeric() || b"/_-".contains(&b))
    })
}

/// Which AWS key form fits, if any: key id, `alias/…`, key ARN or alias ARN.
pub fn aws_key(s: &str) -> bool {
    if aws_key_uuid(s) || aws_alias(s) {
        return true;
    }
    match arn_parts(s) {
        Some(("arn", partition, "kms", region, account, resource)) => {
            aws_partition(partition)
                && aws_region(region)
                && aws_account(account)
                && (resource.strip_prefix("key/").is_some_and(aws_key_uuid) || aws_alias(resource))
        }
        _ => false,
    }
}

/// A host name or IP literal with an optional port, as an endpoint in `kms-key`.
pub fn host_port(s: &str) -> bool {
    let (host_ok, port) = match s.strip_prefix('[') {
        Some(v6) => match v6.split_once(']') {
            Some((addr, rest)) => (addr.parse::<std::net::Ipv6Addr>().is_ok(), rest),
            None => return false,
        },
        None => match s.find(':') {
            Some(i) => (dns_name(&s[..i]), &s[i..]),
            None => (dns_name(s), ""),
        },
    };
    let port_ok = port.is_empty()
        || port.strip_prefix(':').is_some_and(|p| {
            len_in(p, 1, 5)
                && all(p, |b| b.is_ascii_digit())
                && p.parse::<u16>().is_ok_and(|n| n > 0)
        });
    host_ok && port_ok
}

/// A DNS name (or an IPv4 address): labels of 1-63 of `A-Za-z0-9-`, no `-` at either end.
fn dns_name(s: &str) -> bool {
    len_in(s, 1, 253)
        && s.split('.').all(|l| {
            len_in(l, 1, 63)
                && !l.starts_with('-')
                && !l.ends_with('-')
                && all(l, |b| b.is_ascii_alphanumeric() || b == b'-')
        })
}

/// A Google Cloud project id, domain-scoped project id, or project number.
pub fn google_project(s: &str) -> bool {
    let id = |p: &str| {
        len_in(p, 6, 30)
            && p.starts_with(|c: char| c.is_ascii_lowercase())
            && !p.ends_with('-')
            && all(p, |b| {
                b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-'
            })
    };
    let number = len_in(s, 1, 20) && all(s, |b| b.is_ascii_digit());
    match s.split_once(':') {
        Some((domain, p)) => dns_name(domain) && domain.contains('.') && id(p),
        None => number || id(s),
    }
}

/// A Cloud KMS location: `global`, `us-east1`, `europe`, `nam-eur-asia1` …
pub fn google_location(s: &str) -> bool {
    len_in(s, 1, 63)
        && s.starts_with(|c: char| c.is_ascii_lowercase())
        && all(s, |b| {
            b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-'
        })
}

/// A key ring or crypto key id: `[a-zA-Z0-9_-]{1,63}`.
pub fn google_id(s: &str) -> bool {
    len_in(s, 1, 63) && all(s, |b| b.is_ascii_alphanumeric() || b == b'_' || b == b'-')
}

/// A key version id: the number Google assigned.
pub fn google_version(s: &str) -> bool {
    len_in(s, 1, 20) && all(s, |b| b.is_ascii_digit()) && !s.starts_with('0')
}

/// An Azure Key Vault key name: 1-127 of `0-9a-zA-Z-`.
pub fn azure_key_name(s: &str) -> bool {
    len_in(s, 1, 127) && all(s, |b| b.is_ascii_alphanumeric() || b == b'-')
}

/// An Azure Key Vault object version: 32 hex digits.
pub fn azure_version(s: &str) -> bool {
    s.len() == 32 && hex(s)
}

/// An Azure vault host: `<vault>.vault.azure.net` (or another cloud's or a Managed HSM's
/// suffix, or a private endpoint), with a vault name of 3-24 of `0-9a-zA-Z-`, a letter
/// first, no `--`, no `-` last; or a loopback address with a port (a local test server).
pub fn azure_host(s: &str) -> bool {
    if !host_port(s) {
        return false;
    }
    let local = s.starts_with("127.") || s.starts_with("[::1]") || s.starts_with("localhost:");
    let vault = s.split('.').next().unwrap_or("");
    local
        || (s.contains('.')
            && len_in(vault, 3, 24)
            && vault.starts_with(|c: char| c.is_ascii_alphabetic())
            && !vault.ends_with('-')
            && !vault.contains("--"))
}

/// A JWT audience (RFC 7519 StringOrURI): printable, no white space, and a URI
/// (`scheme:…`) when it holds a `:`.
pub fn audience(s: &str) -> bool {
    let printable = len_in(s, 1, MAX_INPUT) && all(s, |b| (b'!'..=b'~').contains(&b));
    let uri = match s.split_once(':') {
        None => true,
        Some((scheme, _)) => {
            scheme.starts_with(|c: char| c.is_ascii_alphabetic())
                && all(scheme, |b| b.is_ascii_alphanumeric() || b"+.-".contains(&b))
        }
    };
    printable && uri
}

/// An OAuth 2 bearer token (RFC 6750 `b64token`): `A-Za-z0-9-._~+/`, then any `=`.
pub fn bearer_token(s: &str) -> bool {
    let body = s.trim_end_matches('=');
    len_in(s, 1, MAX_CREDENTIAL)
        && !body.is_empty()
        && all(body, |b| {
            b.is_ascii_alphanumeric() || b"-._~+/".contains(&b)
        })
}

/// A credential a service returned or the environment holds: printable ASCII, no white
/// space, 1 to [`MAX_CREDENTIAL`] bytes. It goes into headers and `::add-mask::` lines,
/// where a control character or a line break would be read as something else.
pub fn credential(s: &str) -> bool {
    len_in(s, 1, MAX_CREDENTIAL) && all(s, |b| (b'!'..=b'~').contains(&b))
}

impl Rule {
    /// Whether `value` fits this grammar.
    pub fn fits(self, value: &str) -> bool {
        match self {
            Rule::RoleArn => role_arn(value),
            Rule::VaultRole => vault_name(value),
            Rule::VaultMount => vault_mount(value),
            Rule::Audience => audience(value),
            Rule::AwsRegion => aws_region(value),
            Rule::VaultNamespace => vault_mount(value),
            Rule::BearerToken => bearer_token(value),
        }
    }
}

/// The AWS partitions the grammar accepts, for the tests that generate ARNs.
#[cfg(test)]
pub const AWS_PARTITIONS: [&str; 8] = [
    "aws",
    "aws-cn",
    "aws-us-gov",
    "aws-iso",
    "aws-iso-b",
    "aws-iso-e",
    "aws-iso-f",
    "aws-eusc",
];

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn role_arns_of_every_partition() {
        for partition in AWS_PARTITIONS {
            for resource in [
                "role/gh-signer".to_string(),
                format!("role/{}", "R+=,.@_-9".repeat(7) + "x"), // 64
                "role/service-role/team/a/gh".into(),
                format!("role/{}/n", "p!~".repeat(169)), // a 509-character path
            ] {
                let arn = format!("arn:{partition}:iam::111122223333:{resource}");
                assert!(role_arn(&arn), "{arn}");
            }
        }
        for bad in [
            "arn:aws:iam::111122223333:role/",
            "arn:aws:iam::111122223333:role/a b",
            "arn:aws:iam::111122223333:role/a\u{1}",
            "arn:aws:iam::111122223333:user/a",
            "arn:aws:iam::11112222333:role/a",
            "arn:aws:iam:us-east-1:111122223333:role/a",
            "arn:aws:sts::111122223333:role/a",
            "arn:AWS:iam::111122223333:role/a",
            "arn:aws-:iam::111122223333:role/a",
            "arn:aws:iam::111122223333:role//a",
            "gh-signer",
        ] {
            assert!(!role_arn(bad), "{bad:?}");
        }
        let long_name = format!("arn:aws:iam::111122223333:role/{}", "a".repeat(65));
        assert!(!role_arn(&long_name));
    }

    #[test]
    fn vault_names_and_mounts() {
        for ok in ["widgets-main", "a", "gh_app.1", "R2-D2"] {
            assert!(vault_name(ok), "{ok}");
        }
        for bad in ["", ".", "..", "-a", "a-", "a/b", "a b", "a\n", "é"] {
            assert!(!vault_name(bad), "{bad:?}");
        }
        for ok in [
            "transit",
            "/transit/",
            "team-a/transit",
            "kv~1:@x",
            "a.b/c_d",
        ] {
            assert!(vault_mount(ok), "{ok}");
        }
        for bad in [
            "", "/", "..", "a/../b", "a/./b", "a//b", "a b", "a?b", "a#b", "a%2fb", "a\u{0}",
        ] {
            assert!(!vault_mount(bad), "{bad:?}");
        }
    }

    #[test]
    fn audiences_and_tokens() {
        for ok in [
            "sts.amazonaws.com",
            "https://github.com/acme",
            "api://AzureADTokenExchange",
            "//iam.googleapis.com/projects/1/locations/global/workloadIdentityPools/p/providers/x",
        ] {
            assert!(audience(ok), "{ok}");
        }
        for bad in ["", "a b", "a\nb", "1x:y", ":x"] {
            assert!(!audience(bad), "{bad:?}");
        }
        for ok in ["ya29.a0Af_-~+/9", "eyJ0eXAi.eyJhdWQi.c2ln", "abc=="] {
            assert!(bearer_token(ok), "{ok}");
        }
        for bad in ["", "=", "a b", "a\u{1b}", "Bearer x", "a\n"] {
            assert!(!bearer_token(bad), "{bad:?}");
        }
        assert!(credential("ASIA/+=x"));
        for bad in [
            "",
            "a b",
            "a\u{0}",
            "a\u{1b}[0m",
            "a\r\n::x",
            "é",
            &"a".repeat(MAX_CREDENTIAL + 1),
        ] {
            assert!(!credential(bad), "{bad:?}");
        }
    }
}
