//! From the user's settings to a ready key service: parses `kms-key`, reads each
//! ecosystem's credentials from the environment, and for AWS and Vault does the keyless
//! exchange (runner OIDC token → STS or JWT login) when a role is given. Every secret is
//! handed to `mask` the moment it is read or received, before anything else can print it.

use super::aws::{self, Kms, Sts};
use super::azure::KeyVault;
use super::gcp::{self, CloudKms};
use super::grammar::{self, Rule};
use super::oidc::{self, TokenRequest};
use super::spki::RsaPublicKey;
use super::uri::KeyRef;
use super::vault::{self, JwtLogin, Server, Transit};
use super::{
    CheckedKey, Exchange, KeyService, KmsError, Secret, Service, ServiceRequest, ServiceResponse,
};

/// Reads an environment variable.
pub type Env<'a> = &'a dyn Fn(&str) -> Option<String>;

/// What the user configured (action inputs or CLI flags); the environment supplies the rest.
#[derive(Clone, Debug, Default)]
pub struct Settings {
    /// `kms-key`.
    pub kms_key: String,
    /// `kms-access-token`: Google's or Azure's bearer token.
    pub access_token: Option<Secret>,
    /// `oidc-audience`; each service's usual default when unset.
    pub oidc_audience: Option<String>,
    /// `aws-role-arn`: assume this role with the runner's OIDC token.
    pub aws_role_arn: Option<String>,
    /// `vault-role`: log in to this JWT-auth role with the runner's OIDC token.
    pub vault_role: Option<String>,
    /// `vault-auth-mount` (default `jwt`).
    pub vault_auth_mount: Option<String>,
    /// `vault-transit-mount` (default `TRANSIT_SECRET_ENGINE_PATH`, else `transit`).
    pub vault_transit_mount: Option<String>,
    /// The STS session name (CloudTrail shows it), e.g. the repository and run id.
    pub session_name: String,
    /// A URL to use instead of Google's endpoint (`CLOUDSDK_API_ENDPOINT_OVERRIDES_CLOUDKMS`,
    /// gcloud's own override: a private endpoint, or a local test server).
    pub endpoint_override: Option<String>,
}

/// A key in one of the four services, ready to use.
#[derive(Debug)]
pub enum Backend {
    /// AWS KMS.
    Aws(Kms),
    /// Vault or OpenBao transit.
    Vault(Transit),
    /// Google Cloud KMS.
    Google(CloudKms),
    /// Azure Key Vault.
    Azure(KeyVault),
}

fn non_empty(v: &Option<String>) -> Option<&str> {
    v.as_deref().map(str::trim).filter(|v| !v.is_empty())
}

/// The secret, masked first.
fn masked(secret: Secret, mask: &dyn Fn(&str)) -> Secret {
    mask(secret.expose());
    secret
}

fn oidc_token<X: Exchange>(
    x: &X,
    env: Env,
    audience: Option<&str>,
    mask: &dyn Fn(&str),
) -> Result<Secret, X::Error> {
    let runner = TokenRequest::from_env(env)?;
    mask(runner.request_token.expose());
    Ok(masked(runner.fetch(x, audience)?, mask))
}

impl Settings {
    /// Checks every key-service input against its grammar (see [`super::grammar`]) and
    /// parses `kms-key`: the first value that does not fit is the error, before any request.
    pub fn check(&self) -> Result<KeyRef, KmsError> {
        let key = KeyRef::parse(&self.kms_key)?;
        let inputs = [
            ("aws-role-arn", &self.aws_role_arn, Rule::RoleArn),
            ("vault-role", &self.vault_role, Rule::VaultRole),
            ("vault-auth-mount", &self.vault_auth_mount, Rule::VaultMount),
            (
                "vault-transit-mount",
                &self.vault_transit_mount,
                Rule::VaultMount,
            ),
            ("oidc-audience", &self.oidc_audience, Rule::Audience),
        ];
        for (input, value, rule) in inputs {
            if let Some(v) = non_empty(value).filter(|v| !rule.fits(v)) {
                return Err(KmsError::BadSetting {
                    input,
                    value: v.to_string(),
                    rule,
                });
            }
        }
        if let Some(t) = &self.access_token
            && !Rule::BearerToken.fits(t.expose().trim())
        {
            return Err(bad_token("kms-access-token"));
        }
        Ok(key)
    }
}

/// A bearer token that is not one; its value is never kept.
fn bad_token(input: &'static str) -> KmsError {
    KmsError::BadSetting {
        input,
        value: String::new(),
        rule: Rule::BearerToken,
    }
}

/// A credential read from the environment, refused before it is masked or sent.
fn env_secret(service: Service, what: &'static str, value: &str) -> Result<Secret, KmsError> {
    if grammar::credential(value) {
        Ok(Secret::new(value))
    } else {
        Err(KmsError::BadCredential { service, what })
    }
}

impl Backend {
    /// Resolves `settings` into a backend, making the credential exchange's requests.
    pub fn resolve<X: Exchange>(
        settings: &Settings,
        env: Env,
        x: &X,
        mask: &dyn Fn(&str),
    ) -> Result<Backend, X::Error> {
        let key = settings.check()?;
        if let Some(token) = &settings.access_token {
            mask(token.expose());
        }
        match key {
            KeyRef::Aws { endpoint, key_id } => {
                let from_env = aws::env_credentials(env)?;
                if let Some(c) = &from_env {
                    mask(c.secret_access_key.expose());
                    if let Some(t) = &c.session_token {
                        mask(t.expose());
                    }
                }
                let credentials = match (non_empty(&settings.aws_role_arn), from_env) {
                    (Some(role), _) => {
                        let audience =
                            non_empty(&settings.oidc_audience).unwrap_or(oidc::AWS_AUDIENCE);
                        let token = oidc_token(x, env, Some(audience), mask)?;
                        let region = match aws::region(&key_id, env) {
                            Ok(r) => Some(r),
                            Err(KmsError::RegionMissing { .. }) => None,
                            Err(e) => return Err(e.into()),
                        };
                        let sts = Sts::new(role, &settings.session_name, region.as_deref(), env);
                        let c = sts.assume(x, &token)?;
                        mask(c.secret_access_key.expose());
                        if let Some(t) = &c.session_token {
                            mask(t.expose());
                        }
                        c
                    }
                    (None, Some(c)) => c,
                    (None, None) => {
                        return Err(KmsError::MissingSetting {
                            service: Service::AwsKms,
                            missing: "AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY, or aws-role-arn",
                        }
                        .into());
                    }
                };
                Ok(Backend::Aws(Kms::new(
                    endpoint.as_deref(),
                    &key_id,
                    credentials,
                    env,
                )?))
            }
            KeyRef::Vault { name, .. } => {
                let mount = transit_mount(settings, env)?;
                let server = Server::from_env(env)?;
                let token = match non_empty(&settings.vault_role) {
                    Some(role) => {
                        let oidc = oidc_token(x, env, non_empty(&settings.oidc_audience), mask)?;
                        let login = JwtLogin {
                            server: server.clone(),
                            mount: non_empty(&settings.vault_auth_mount)
                                .unwrap_or(vault::DEFAULT_AUTH_MOUNT)
                                .to_string(),
                            role: role.to_string(),
                        };
                        masked(login.login(x, &oidc)?, mask)
                    }
                    None => match vault::env_var(env, "TOKEN") {
                        Some(t) => masked(env_secret(Service::Vault, "VAULT_TOKEN", &t)?, mask),
                        None => {
                            return Err(KmsError::MissingSetting {
                                service: Service::Vault,
                                missing: "VAULT_TOKEN, or vault-role",
                            }
                            .into());
                        }
                    },
                };
                Ok(Backend::Vault(Transit::new(server, token, &mount, &name)))
            }
            KeyRef::Google { version_name } => {
                // google-github-actions/auth outputs the token; Terraform's variable is the fallback.
                let token = settings
                    .access_token
                    .clone()
                    .map(Ok)
                    .or_else(|| {
                        let t = env("GOOGLE_OAUTH_ACCESS_TOKEN")?;
                        let t = t.trim();
                        if t.is_empty() {
                            return None;
                        }
                        Some(if grammar::bearer_token(t) {
                            Ok(masked(Secret::new(t), mask))
                        } else {
                            Err(bad_token("GOOGLE_OAUTH_ACCESS_TOKEN"))
                        })
                    })
                    .transpose()?
                    .ok_or(KmsError::MissingSetting {
                        service: Service::GoogleKms,
                        missing: "kms-access-token",
                    })?;
                Ok(Backend::Google(CloudKms {
                    base_url: settings
                        .endpoint_override
                        .clone()
                        .unwrap_or_else(|| gcp::DEFAULT_BASE_URL.to_string()),
                    version_name,
                    token,
                }))
            }
            KeyRef::Azure {
                vault_host,
                name,
                version,
            } => {
                let token = settings
                    .access_token
                    .clone()
                    .ok_or(KmsError::MissingSetting {
                        service: Service::AzureKeyVault,
                        missing: "kms-access-token",
                    })?;
                let mut kv = KeyVault::new(&vault_host, &name, version.as_deref(), token);
                // A vault host on this machine (a local test server) speaks plain http;
                // `ServiceUrl` allows plain http for loopback hosts only.
                let plain = format!("http://{vault_host}");
                if crate::url::ServiceUrl::parse(&plain).is_ok() {
                    kv.base_url = plain;
                }
                Ok(Backend::Azure(kv))
            }
        }
    }
}

/// `vault-transit-mount`, else `TRANSIT_SECRET_ENGINE_PATH` (checked as the input is),
/// else `transit`.
fn transit_mount(settings: &Settings, env: Env) -> Result<String, KmsError> {
    if let Some(m) = non_empty(&settings.vault_transit_mount) {
        return Ok(m.to_string());
    }
    match env("TRANSIT_SECRET_ENGINE_PATH").filter(|m| !m.trim().is_empty()) {
        Some(m) if !grammar::vault_mount(m.trim()) => Err(KmsError::BadSetting {
            input: "TRANSIT_SECRET_ENGINE_PATH",
            value: m,
            rule: Rule::VaultMount,
        }),
        Some(m) => Ok(m.trim().to_string()),
        None => Ok(vault::DEFAULT_TRANSIT_MOUNT.to_string()),
    }
}

impl Backend {
    fn inner(&self) -> &dyn KeyService {
        match self {
            Backend::Aws(k) => k,
            Backend::Vault(k) => k,
            Backend::Google(k) => k,
            Backend::Azure(k) => k,
        }
    }
}

impl KeyService for Backend {
    fn service(&self) -> Service {
        self.inner().service()
    }

    fn key(&self) -> &str {
        self.inner().key()
    }

    fn public_key_request(&self) -> ServiceRequest {
        self.inner().public_key_request()
    }

    fn parse_public_key(
        &self,
        resp: &ServiceResponse,
    ) -> Result<(CheckedKey, RsaPublicKey), KmsError> {
        self.inner().parse_public_key(resp)
    }

    fn sign_request(&self, signing_input: &[u8]) -> ServiceRequest {
        self.inner().sign_request(signing_input)
    }

    fn parse_sign(&self, resp: &ServiceResponse) -> Result<Vec<u8>, KmsError> {
        self.inner().parse_sign(resp)
    }
}

#[cfg(test)]
mod tests {
    use std::cell::RefCell;
    use std::collections::HashMap;

    use super::*;

    /// An exchange that must not be reached: these cases fail before any request.
    struct Offline;
    impl Exchange for Offline {
        type Error = KmsError;
        fn exchange(&self, req: &ServiceRequest) -> Result<ServiceResponse, KmsError> {
            panic!("no request expected, got {req:?}")
        }
    }

    fn resolve(
        key: &str,
        pairs: &[(&str, &str)],
        tweak: impl FnOnce(&mut Settings),
    ) -> (Result<Backend, KmsError>, Vec<String>) {
        let map: HashMap<String, String> = pairs
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect();
        let env = move |k: &str| map.get(k).cloned();
        let mut settings = Settings {
            kms_key: key.into(),
            ..Settings::default()
        };
        tweak(&mut settings);
        let masked = RefCell::new(Vec::new());
        let r = Backend::resolve(&settings, &env, &Offline, &|s| {
            masked.borrow_mut().push(s.to_string())
        });
        (r, masked.into_inner())
    }

    fn missing(r: Result<Backend, KmsError>) -> &'static str {
        match r {
            Err(KmsError::MissingSetting { missing, .. }) => missing,
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn settings_each_service_needs() {
        assert!(
            missing(resolve("awskms:///alias/a", &[("AWS_REGION", "us-east-1")], |_| {}).0)
                .contains("aws-role-arn")
        );
        assert_eq!(
            missing(resolve("hashivault://k", &[], |_| {}).0),
            "VAULT_ADDR"
        );
        assert_eq!(
            missing(resolve("hashivault://k", &[("VAULT_ADDR", "http://v")], |_| {}).0),
            "VAULT_TOKEN, or vault-role"
        );
        assert_eq!(
            missing(
                resolve(
                    "gcpkms://projects/acme-ci/locations/global/keyRings/r/cryptoKeys/k/cryptoKeyVersions/1",
                    &[],
                    |_| {}
                )
                .0
            ),
            "kms-access-token"
        );
        assert_eq!(
            missing(resolve("azurekms://acme.vault.azure.net/k", &[], |_| {}).0),
            "kms-access-token"
        );
        // Keyless without `id-token: write`: no runner token, and no request made.
        let (r, _) = resolve("hashivault://k", &[("VAULT_ADDR", "http://v")], |s| {
            s.vault_role = Some("r".into())
        });
        assert_eq!(r.unwrap_err(), KmsError::OidcUnavailable);
        let (r, _) = resolve("awskms:///alias/a", &[("AWS_REGION", "us-east-1")], |s| {
            s.aws_role_arn = Some("arn:aws:iam::111122223333:role/r".into())
        });
        assert_eq!(r.unwrap_err(), KmsError::OidcUnavailable);
        assert!(matches!(
            resolve("nope://x", &[], |_| {}).0,
            Err(KmsError::BadUri { .. })
        ));
    }

    #[test]
    fn each_input_fits_its_grammar_before_any_request() {
        let bad = |tweak: fn(&mut Settings)| match resolve("hashivault://k", &[], tweak).0 {
            Err(KmsError::BadSetting { input, .. }) => input,
            other => panic!("{other:?}"),
        };
        assert_eq!(
            bad(|s| s.aws_role_arn = Some("gh-signer".into())),
            "aws-role-arn"
        );
        assert_eq!(bad(|s| s.vault_role = Some("a/b".into())), "vault-role");
        assert_eq!(
            bad(|s| s.vault_auth_mount = Some("..".into())),
            "vault-auth-mount"
        );
        assert_eq!(
            bad(|s| s.vault_transit_mount = Some("a/../b".into())),
            "vault-transit-mount"
        );
        assert_eq!(
            bad(|s| s.oidc_audience = Some("a b".into())),
            "oidc-audience"
        );
        assert_eq!(
            bad(|s| s.access_token = Some(Secret::new("ya29\n::x"))),
            "kms-access-token"
        );
        let (r, _) = resolve(
            "hashivault://k",
            &[("TRANSIT_SECRET_ENGINE_PATH", "..")],
            |_| {},
        );
        assert!(matches!(
            r,
            Err(KmsError::BadSetting {
                input: "TRANSIT_SECRET_ENGINE_PATH",
                ..
            })
        ));
        // A credential in the environment with a line break is refused, never masked.
        let (r, masked) = resolve(
            "hashivault://k",
            &[
                ("VAULT_ADDR", "http://v"),
                ("VAULT_TOKEN", "s.x\n::set-output name=a::b"),
            ],
            |_| {},
        );
        assert!(matches!(
            r,
            Err(KmsError::BadCredential {
                what: "VAULT_TOKEN",
                ..
            })
        ));
        assert!(masked.is_empty());
        let aws = [
            ("AWS_REGION", "us-east-1"),
            ("AWS_ACCESS_KEY_ID", "AKID"),
            ("AWS_SECRET_ACCESS_KEY", "S\u{1b}K"),
        ];
        let (r, masked) = resolve("awskms:///alias/a", &aws, |_| {});
        assert!(matches!(
            r,
            Err(KmsError::BadCredential {
                what: "AWS_SECRET_ACCESS_KEY",
                ..
            })
        ));
        assert!(masked.is_empty());
    }

    #[test]
    fn secrets_read_are_masked_first() {
        let aws = [
            ("AWS_REGION", "us-east-1"),
            ("AWS_ACCESS_KEY_ID", "AKID"),
            ("AWS_SECRET_ACCESS_KEY", "SK"),
            ("AWS_SESSION_TOKEN", "ST"),
        ];
        let (r, masked) = resolve("awskms:///alias/a", &aws, |_| {});
        assert!(matches!(r, Ok(Backend::Aws(_))));
        assert_eq!(masked, ["SK", "ST"]);
        let (r, masked) = resolve(
            "openbao://k",
            &[
                ("BAO_ADDR", "http://v"),
                ("BAO_TOKEN", "s.T"),
                ("TRANSIT_SECRET_ENGINE_PATH", "kms"),
            ],
            |_| {},
        );
        let Ok(Backend::Vault(t)) = r else { panic!() };
        assert_eq!((t.mount.as_str(), masked), ("kms", vec!["s.T".to_string()]));
        let (r, masked) = resolve("azurekms://acme.vault.azure.net/k", &[], |s| {
            s.access_token = Some(Secret::new("AT"))
        });
        assert!(matches!(r, Ok(Backend::Azure(_))));
        assert_eq!(masked, ["AT"]);
        let (r, masked) = resolve(
            "gcpkms://projects/acme-ci/locations/global/keyRings/r/cryptoKeys/k/cryptoKeyVersions/1",
            &[("GOOGLE_OAUTH_ACCESS_TOKEN", "ya29")],
            |_| {},
        );
        assert!(matches!(r, Ok(Backend::Google(_))));
        assert_eq!(masked, ["ya29"]);
    }
}
