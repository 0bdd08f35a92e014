//! From the user's settings to a ready key service: parses `kms-key`, reads each
//! ecosystem's credentials from the environment, and for AWS and Vault does the keyless
//! exchange (runner OIDC token → STS or JWT login) when a role is given. Every secret is
//! handed to `mask` the moment it is read or received, before anything else can print it.

use super::aws::{self, Kms, Sts};
use super::azure::KeyVault;
use super::azure_login::{self, EntraLogin};
use super::error::SettingProblem;
use super::gcp::{self, CloudKms};
use super::gcp_sts::{self, GoogleSts, Impersonation, Provider};
use super::grammar::{self, Rule};
use super::oidc::{self, TokenRequest};
use super::spki::RsaPublicKey;
use super::uri::KeyRef;
use super::vault::{self, JwtLogin, Server, Transit};
use super::{
    CheckedKey, Exchange, KeyService, KmsError, Secret, Service, ServiceRequest, ServiceResponse,
};

pub use crate::env::Env;

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
    /// `gcp-workload-identity-provider`: trade the runner's OIDC token at Google's STS.
    pub gcp_workload_identity_provider: Option<String>,
    /// `gcp-service-account`: then impersonate this service account.
    pub gcp_service_account: Option<String>,
    /// `azure-tenant-id`: trade the runner's OIDC token at this Entra tenant.
    pub azure_tenant_id: Option<String>,
    /// `azure-client-id`: for the app registration with the federated credential.
    pub azure_client_id: Option<String>,
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
        check_keyless_inputs(settings, &key)?;
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
                let token = google_token(settings, env, x, mask)?;
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
                let token = azure_token(settings, env, &vault_host, x, mask)?;
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

/// Google's access token: keyless (the OIDC token traded at STS, then for a service
/// account's), else google-github-actions/auth's output, else Terraform's variable.
fn google_token<X: Exchange>(
    settings: &Settings,
    env: Env,
    x: &X,
    mask: &dyn Fn(&str),
) -> Result<Secret, X::Error> {
    let Some((sts, impersonation)) = google_keyless(settings, env)? else {
        // google-github-actions/auth outputs the token; Terraform's variable is the fallback.
        return Ok(settings
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
                missing: "kms-access-token, or gcp-workload-identity-provider",
            })?);
    };
    let oidc = oidc_token(x, env, Some(&sts.oidc_audience), mask)?;
    let federated = masked(sts.exchange(x, &oidc)?, mask);
    Ok(match impersonation {
        Some(sa) => masked(sa.generate(x, &federated)?, mask),
        None => federated,
    })
}

/// Key Vault's access token: keyless (the OIDC token as an Entra client assertion),
/// else `kms-access-token`.
fn azure_token<X: Exchange>(
    settings: &Settings,
    env: Env,
    vault_host: &str,
    x: &X,
    mask: &dyn Fn(&str),
) -> Result<Secret, X::Error> {
    let Some(login) = azure_keyless(settings, env, vault_host)? else {
        return Ok(settings
            .access_token
            .clone()
            .ok_or(KmsError::MissingSetting {
                service: Service::AzureKeyVault,
                missing: "kms-access-token, or azure-tenant-id and azure-client-id",
            })?);
    };
    let oidc = oidc_token(x, env, Some(&login.audience), mask)?;
    Ok(masked(login.login(x, &oidc)?, mask))
}

/// An endpoint from the environment (a vendor tool's override), checked like every
/// service address: https, or plain http to this machine only.
fn endpoint(env: Env, var: &'static str, default: &str) -> Result<String, KmsError> {
    let Some(url) = env(var)
        .map(|v| v.trim().to_string())
        .filter(|v| !v.is_empty())
    else {
        return Ok(default.to_string());
    };
    match crate::url::ServiceUrl::parse(&url) {
        Ok(u) => Ok(u.as_str().to_string()),
        Err(_) => Err(KmsError::BadKeylessSetting {
            setting: var,
            value: url,
            problem: SettingProblem::Endpoint,
        }),
    }
}

/// Keyless inputs go with their own service's key and replace `kms-access-token`.
fn check_keyless_inputs(settings: &Settings, key: &KeyRef) -> Result<(), KmsError> {
    let google = ["gcp-workload-identity-provider", "gcp-service-account"];
    let azure = ["azure-tenant-id", "azure-client-id"];
    let set = [
        (google[0], &settings.gcp_workload_identity_provider),
        (google[1], &settings.gcp_service_account),
        (azure[0], &settings.azure_tenant_id),
        (azure[1], &settings.azure_client_id),
    ];
    for (name, value) in set {
        let Some(value) = non_empty(value) else {
            continue;
        };
        let own = match key {
            KeyRef::Google { .. } => google.contains(&name),
            KeyRef::Azure { .. } => azure.contains(&name),
            _ => false,
        };
        if !own || settings.access_token.is_some() {
            return Err(KmsError::BadKeylessSetting {
                setting: name,
                value: value.to_string(),
                problem: SettingProblem::Conflict,
            });
        }
    }
    Ok(())
}

/// Google's keyless exchange, checked before any request: STS, and the impersonation.
fn google_keyless(
    settings: &Settings,
    env: Env,
) -> Result<Option<(GoogleSts, Option<Impersonation>)>, KmsError> {
    let Some(provider) = non_empty(&settings.gcp_workload_identity_provider) else {
        return match non_empty(&settings.gcp_service_account) {
            Some(_) => Err(KmsError::MissingSetting {
                service: Service::GoogleKms,
                missing: "gcp-workload-identity-provider (gcp-service-account needs it)",
            }),
            None => Ok(None),
        };
    };
    let provider = Provider::parse(provider)?;
    let impersonation = match non_empty(&settings.gcp_service_account) {
        Some(sa) => Some(Impersonation {
            account: gcp_sts::service_account(sa)?,
            base_url: endpoint(
                env,
                "CLOUDSDK_API_ENDPOINT_OVERRIDES_IAMCREDENTIALS",
                gcp_sts::DEFAULT_IAMCREDENTIALS_URL,
            )?,
        }),
        None => None,
    };
    let sts = GoogleSts {
        base_url: endpoint(
            env,
            "CLOUDSDK_API_ENDPOINT_OVERRIDES_STS",
            gcp_sts::DEFAULT_STS_URL,
        )?,
        oidc_audience: non_empty(&settings.oidc_audience)
            .map(str::to_string)
            .unwrap_or_else(|| provider.default_audience()),
        provider,
    };
    Ok(Some((sts, impersonation)))
}

/// Azure's keyless exchange for the vault at `vault_host`, checked before any request.
fn azure_keyless(
    settings: &Settings,
    env: Env,
    vault_host: &str,
) -> Result<Option<EntraLogin>, KmsError> {
    let (tenant, client) = match (
        non_empty(&settings.azure_tenant_id),
        non_empty(&settings.azure_client_id),
    ) {
        (None, None) => return Ok(None),
        (Some(t), Some(c)) => (azure_login::tenant(t)?, azure_login::client_id(c)?),
        (None, Some(_)) => return Err(missing_azure("azure-tenant-id")),
        (Some(_), None) => return Err(missing_azure("azure-client-id")),
    };
    let authority = match env("AZURE_AUTHORITY_HOST").map(|h| h.trim().to_string()) {
        // azure-identity takes a bare host too.
        Some(h) if !h.is_empty() && !h.contains("://") => format!("https://{h}"),
        Some(h) if !h.is_empty() => h,
        _ => azure_login::authority_for(vault_host).to_string(),
    };
    let authority = endpoint(&|_| Some(authority.clone()), "AZURE_AUTHORITY_HOST", "")?;
    Ok(Some(EntraLogin {
        authority,
        tenant,
        client_id: client,
        scope: format!("{}/.default", azure_login::resource_for(vault_host)),
        audience: non_empty(&settings.oidc_audience)
            .unwrap_or(azure_login::AUDIENCE)
            .to_string(),
    }))
}

fn missing_azure(missing: &'static str) -> KmsError {
    KmsError::MissingSetting {
        service: Service::AzureKeyVault,
        missing,
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
            "kms-access-token, or gcp-workload-identity-provider"
        );
        assert_eq!(
            missing(resolve("azurekms://acme.vault.azure.net/k", &[], |_| {}).0),
            "kms-access-token, or azure-tenant-id and azure-client-id"
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

    /// Answers each request from a script, by URL prefix, and records the URLs.
    struct Scripted {
        answers: Vec<(&'static str, u16, &'static str)>,
        urls: RefCell<Vec<String>>,
    }

    impl Exchange for Scripted {
        type Error = KmsError;
        fn exchange(&self, req: &ServiceRequest) -> Result<ServiceResponse, KmsError> {
            self.urls.borrow_mut().push(req.url.clone());
            let (_, status, body) = self
                .answers
                .iter()
                .find(|(prefix, _, _)| req.url.starts_with(prefix))
                .unwrap_or_else(|| panic!("unexpected {req:?}"));
            Ok(ServiceResponse {
                status: *status,
                headers: vec![],
                body: body.as_bytes().to_vec(),
            })
        }
    }

    const PROVIDER: &str =
        "projects/123/locations/global/workloadIdentityPools/github/providers/acme";
    const GCP_KEY: &str =
        "gcpkms://projects/acme-ci/locations/global/keyRings/r/cryptoKeys/k/cryptoKeyVersions/1";
    const RUNNER: [(&str, &str); 4] = [
        (
            "ACTIONS_ID_TOKEN_REQUEST_URL",
            "https://runner.example/idtoken?api-version=2.0",
        ),
        ("ACTIONS_ID_TOKEN_REQUEST_TOKEN", "REQ"),
        ("CLOUDSDK_API_ENDPOINT_OVERRIDES_STS", "http://127.0.0.1:1"),
        (
            "CLOUDSDK_API_ENDPOINT_OVERRIDES_IAMCREDENTIALS",
            "http://127.0.0.1:2/",
        ),
    ];

    fn keyless(
        key: &str,
        x: &Scripted,
        tweak: impl FnOnce(&mut Settings),
    ) -> (Result<Backend, KmsError>, Vec<String>) {
        let env = |k: &str| {
            RUNNER
                .iter()
                .find(|(n, _)| *n == k)
                .map(|(_, v)| v.to_string())
        };
        let mut settings = Settings {
            kms_key: key.into(),
            ..Settings::default()
        };
        tweak(&mut settings);
        let masked = RefCell::new(Vec::new());
        let r = Backend::resolve(&settings, &env, x, &|s| masked.borrow_mut().push(s.into()));
        (r, masked.into_inner())
    }

    #[test]
    fn google_keyless_masks_each_token_on_arrival() {
        let x = Scripted {
            answers: vec![
                ("https://runner.example/", 200, r#"{"value":"OIDC"}"#),
                (
                    "http://127.0.0.1:1/v1/token",
                    200,
                    r#"{"access_token":"FED"}"#,
                ),
                (
                    "http://127.0.0.1:2/v1/projects/-/",
                    200,
                    r#"{"accessToken":"SA"}"#,
                ),
            ],
            urls: RefCell::new(Vec::new()),
        };
        let (r, masked) = keyless(GCP_KEY, &x, |s| {
            s.gcp_workload_identity_provider = Some(PROVIDER.into());
            s.gcp_service_account = Some("sa@p.iam.gserviceaccount.com".into());
        });
        let Ok(Backend::Google(kms)) = r else {
            panic!("{r:?}")
        };
        assert_eq!(kms.token.expose(), "SA");
        assert_eq!(masked, ["REQ", "OIDC", "FED", "SA"]);
        assert!(x.urls.borrow()[0].ends_with(&format!(
            "audience=https%3A%2F%2Fiam.googleapis.com%2F{}",
            PROVIDER.replace('/', "%2F")
        )));
    }

    #[test]
    fn azure_keyless_masks_the_access_token() {
        let x = Scripted {
            answers: vec![
                ("https://runner.example/", 200, r#"{"value":"OIDC"}"#),
                (
                    "https://login.microsoftonline.us/contoso.us/oauth2/v2.0/token",
                    200,
                    r#"{"access_token":"AT"}"#,
                ),
            ],
            urls: RefCell::new(Vec::new()),
        };
        let (r, masked) = keyless("azurekms://acme.vault.usgovcloudapi.net/k", &x, |s| {
            s.azure_tenant_id = Some("contoso.us".into());
            s.azure_client_id = Some("af3110ba-0ba9-4412-b1a0-59f50b7e9273".into());
        });
        let Ok(Backend::Azure(kv)) = r else {
            panic!("{r:?}")
        };
        assert_eq!(kv.token.expose(), "AT");
        assert_eq!(masked, ["REQ", "OIDC", "AT"]);
        assert!(x.urls.borrow()[0].ends_with("audience=api%3A%2F%2FAzureADTokenExchange"));
    }

    #[test]
    fn keyless_settings_refused_before_any_request() {
        let setting = |r: Result<Backend, KmsError>| match r {
            Err(KmsError::BadKeylessSetting {
                setting, problem, ..
            }) => (setting, problem),
            other => panic!("{other:?}"),
        };
        let gcp = |s: &mut Settings| s.gcp_workload_identity_provider = Some(PROVIDER.into());
        let (r, _) = resolve(GCP_KEY, &[], |s| {
            gcp(s);
            s.access_token = Some(Secret::new("ya29"));
        });
        assert_eq!(
            setting(r),
            ("gcp-workload-identity-provider", SettingProblem::Conflict)
        );
        let (r, _) = resolve("awskms:///alias/a", &[], gcp);
        assert_eq!(
            setting(r),
            ("gcp-workload-identity-provider", SettingProblem::Conflict)
        );
        let (r, _) = resolve(
            GCP_KEY,
            &[("CLOUDSDK_API_ENDPOINT_OVERRIDES_STS", "http://sts.example")],
            gcp,
        );
        assert_eq!(
            setting(r),
            (
                "CLOUDSDK_API_ENDPOINT_OVERRIDES_STS",
                SettingProblem::Endpoint
            )
        );
        let (r, _) = resolve(GCP_KEY, &[], |s| {
            s.gcp_service_account = Some("a@b.com".into())
        });
        assert!(missing(r).starts_with("gcp-workload-identity-provider"));
        // Valid settings, but no runner token: refused before the first request.
        assert_eq!(
            resolve(GCP_KEY, &[], gcp).0.unwrap_err(),
            KmsError::OidcUnavailable
        );
        let azure = "azurekms://acme.vault.azure.net/k";
        let (r, _) = resolve(azure, &[], |s| {
            s.azure_tenant_id = Some("contoso.com".into())
        });
        assert_eq!(missing(r), "azure-client-id");
        let (r, _) = resolve(
            azure,
            &[("AZURE_AUTHORITY_HOST", "ftp://login.example")],
            |s| {
                s.azure_tenant_id = Some("contoso.com".into());
                s.azure_client_id = Some("af3110ba-0ba9-4412-b1a0-59f50b7e9273".into());
            },
        );
        assert_eq!(
            setting(r),
            ("AZURE_AUTHORITY_HOST", SettingProblem::Endpoint)
        );
    }
}
