//! From the user's settings to a ready key service: checks every input, then hands the
//! key to its own service's `resolve`, which reads that ecosystem's credentials from the
//! environment and makes the keyless exchange when one is configured. Every secret is
//! handed to `mask` the moment it is read or received, before anything else can print it.

use super::aws::{self, Kms};
use super::azure::{self, KeyVault};
use super::error::SettingProblem;
use super::gcp::{self, CloudKms};
use super::settings::non_empty;
use super::spki::RsaPublicKey;
use super::uri::KeyRef;
use super::vault::{self, Transit};
use super::{CheckedKey, Exchange, KeyService, KmsError, Service, ServiceRequest, ServiceResponse};

pub use super::settings::Settings;
use crate::env::Env;

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
        Ok(match key {
            KeyRef::Aws { endpoint, key_id } => Backend::Aws(aws::resolve(
                settings,
                env,
                x,
                mask,
                endpoint.as_deref(),
                &key_id,
            )?),
            KeyRef::Vault { name, .. } => {
                Backend::Vault(vault::resolve(settings, env, x, mask, &name)?)
            }
            KeyRef::Google { version_name } => {
                Backend::Google(gcp::resolve(settings, env, x, mask, version_name)?)
            }
            KeyRef::Azure {
                vault_host,
                name,
                version,
            } => Backend::Azure(azure::resolve(
                settings,
                env,
                x,
                mask,
                (&vault_host, &name, version.as_deref()),
            )?),
        })
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

    fn public_key_request(&self, now: i64) -> ServiceRequest {
        self.inner().public_key_request(now)
    }

    fn parse_public_key(
        &self,
        resp: &ServiceResponse,
    ) -> Result<(CheckedKey, RsaPublicKey), KmsError> {
        self.inner().parse_public_key(resp)
    }

    fn sign_request(&self, signing_input: &[u8], now: i64) -> ServiceRequest {
        self.inner().sign_request(signing_input, now)
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
    use crate::kms::Secret;

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
    }

    #[test]
    fn the_transit_mount_from_the_environment_fits_the_same_grammar() {
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
    }

    #[test]
    fn a_credential_in_the_environment_that_cannot_be_one_is_refused_unmasked() {
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
