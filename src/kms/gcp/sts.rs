//! Google Cloud keyless: the runner's OIDC token traded at Google's Security Token
//! Service for a federated access token (`POST sts.googleapis.com/v1/token`, RFC 8693
//! token exchange), and, with a service account, that token traded at IAM Credentials
//! for the account's own (`generateAccessToken`). Either token then calls Cloud KMS.
//!
//! Two spellings of the provider meet here: the OIDC token's audience is
//! `https://iam.googleapis.com/<provider>` (the provider's default allowed audience),
//! while STS's `audience` parameter is `//iam.googleapis.com/<provider>`. Both as
//! google-github-actions/auth builds them (src/main.ts, client/workload_identity_federation.ts).

use serde::Deserialize;

use crate::kms::address;
use crate::kms::answer::{self, Field, Object};
use crate::kms::error::SettingProblem;
use crate::kms::{
    Exchange, Json, KmsError, Method, Secret, Service, ServiceRequest, ServiceResponse,
};
use crate::kms::{dns_name, short};

/// Google's STS, as gcloud names it (`CLOUDSDK_API_ENDPOINT_OVERRIDES_STS` replaces it).
pub const DEFAULT_STS_URL: &str = "https://sts.googleapis.com";
/// IAM Credentials (`CLOUDSDK_API_ENDPOINT_OVERRIDES_IAMCREDENTIALS` replaces it).
pub const DEFAULT_IAMCREDENTIALS_URL: &str = "https://iamcredentials.googleapis.com";
/// The scope asked for: Cloud KMS accepts it (as it does `…/auth/cloudkms`).
pub const CLOUD_PLATFORM: &str = "https://www.googleapis.com/auth/cloud-platform";
/// RFC 8693's grant type.
pub const TOKEN_EXCHANGE: &str = "urn:ietf:params:oauth:grant-type:token-exchange";
/// The subject token is a JWT (the runner's OIDC token).
pub const JWT_TOKEN_TYPE: &str = "urn:ietf:params:oauth:token-type:jwt";
/// An OAuth 2 access token is wanted back.
pub const ACCESS_TOKEN_TYPE: &str = "urn:ietf:params:oauth:token-type:access_token";
/// The service account token's lifetime: the run signs two JWTs within seconds.
pub const LIFETIME: &str = "600s";
/// The permission `generateAccessToken` needs (in roles/iam.workloadIdentityUser).
pub const IMPERSONATE_PERMISSION: &str = "iam.serviceAccounts.getAccessToken";

/// A workload identity pool provider's resource name, checked:
/// `projects/<number>/locations/global/workloadIdentityPools/<pool>/providers/<id>`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Provider(String);

/// A pool or provider id: 4–32 of `a-z0-9-` (IAM's `workloadIdentityPoolId` and
/// `workloadIdentityPoolProviderId` rules).
fn pool_id(s: &str) -> bool {
    (4..=32).contains(&s.len())
        && s.bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-')
}

impl Provider {
    /// Checks `value`; the `//iam.googleapis.com/` form STS uses is accepted too.
    pub fn parse(value: &str) -> Result<Provider, KmsError> {
        let name = value.trim();
        let name = name.strip_prefix("//iam.googleapis.com/").unwrap_or(name);
        let bad = |problem| KmsError::BadKeylessSetting {
            setting: "gcp-workload-identity-provider",
            value: value.to_string(),
            problem,
        };
        let parts: Vec<&str> = name.split('/').collect();
        let [
            "projects",
            number,
            "locations",
            location,
            "workloadIdentityPools",
            pool,
            "providers",
            provider,
        ] = parts.as_slice()
        else {
            return Err(bad(SettingProblem::GcpProvider));
        };
        if number.is_empty() || !number.bytes().all(|b| b.is_ascii_digit()) {
            return Err(bad(SettingProblem::GcpProjectNumber));
        }
        if *location != "global" || !pool_id(pool) || !pool_id(provider) {
            return Err(bad(SettingProblem::GcpProvider));
        }
        Ok(Provider(name.to_string()))
    }

    /// The resource name, `projects/…/providers/<id>`.
    pub fn name(&self) -> &str {
        &self.0
    }

    /// The OIDC token's audience the provider allows by default.
    pub fn default_audience(&self) -> String {
        format!("https://iam.googleapis.com/{}", self.0)
    }

    /// STS's `audience` parameter: the provider's full resource name.
    pub fn sts_audience(&self) -> String {
        format!("//iam.googleapis.com/{}", self.0)
    }
}

/// A service account as `generateAccessToken` names it: its email, or its numeric
/// unique id (IAM Credentials' `projects/-/serviceAccounts/{ACCOUNT_EMAIL_OR_UNIQUEID}`).
pub fn service_account(value: &str) -> Result<String, KmsError> {
    let v = value.trim();
    let unique_id = !v.is_empty() && v.len() <= 32 && v.bytes().all(|b| b.is_ascii_digit());
    let email = v.split_once('@').is_some_and(|(local, domain)| {
        (1..=64).contains(&local.len())
            && local
                .bytes()
                .all(|b| b.is_ascii_alphanumeric() || b"-._+".contains(&b))
            && dns_name(domain)
    });
    if unique_id || email {
        Ok(v.to_string())
    } else {
        Err(KmsError::BadKeylessSetting {
            setting: "gcp-service-account",
            value: value.to_string(),
            problem: SettingProblem::GcpServiceAccount,
        })
    }
}

/// STS's answer, `{"access_token": …}` (with its type and lifetime, which are not read).
#[derive(Deserialize, Default)]
#[serde(default)]
struct StsAnswer {
    access_token: Field<String>,
}

/// STS's OAuth-style refusal: `{"error": "...", "error_description": "..."}`.
#[derive(Deserialize, Default)]
#[serde(default)]
struct OAuthError {
    error: Field<String>,
    error_description: Field<String>,
}

/// `(code, message)` of STS's refusal.
fn oauth_error(resp: &ServiceResponse) -> (String, String) {
    let v: OAuthError = answer::read_error(resp);
    let code = v.error.get().unwrap_or_default();
    let message = short(&v.error_description.get().unwrap_or_default());
    (code, message)
}

/// `generateAccessToken`'s answer, `{"accessToken": …, "expireTime": …}`.
#[derive(Deserialize, Default)]
#[serde(default, rename_all = "camelCase")]
struct GeneratedToken {
    access_token: Field<String>,
}

/// IAM Credentials' refusal, `{"error": {"status": …, "message": …}}`.
#[derive(Deserialize, Default)]
#[serde(default)]
struct IamError {
    error: Object<IamErrorBody>,
}

/// The refusal's status and message.
#[derive(Deserialize, Default)]
#[serde(default)]
struct IamErrorBody {
    status: Field<String>,
    message: Field<String>,
}

/// The token exchange at Google's STS.
#[derive(Clone, Debug)]
pub struct GoogleSts {
    /// `https://sts.googleapis.com`, or an override.
    pub base_url: String,
    /// The provider that trusts the runner's tokens.
    pub provider: Provider,
    /// The audience the OIDC token was asked for (for a mismatch's message).
    pub oidc_audience: String,
}

impl GoogleSts {
    /// `POST /v1/token` with the exchange, as JSON (STS takes JSON or a form).
    pub fn request(&self, oidc_token: &Secret) -> ServiceRequest {
        let url = address::join(&self.base_url, "v1/token");
        let audience = self.provider.sts_audience();
        ServiceRequest::new(Service::GoogleSts, Method::Post, url).json(&[
            ("audience", Json::Str(&audience)),
            ("grantType", Json::Str(TOKEN_EXCHANGE)),
            ("requestedTokenType", Json::Str(ACCESS_TOKEN_TYPE)),
            ("scope", Json::Str(CLOUD_PLATFORM)),
            ("subjectTokenType", Json::Str(JWT_TOKEN_TYPE)),
            ("subjectToken", Json::Str(oidc_token.expose())),
        ])
    }

    /// Reads `access_token`; names an unknown provider and an audience mismatch.
    pub fn parse(&self, resp: &ServiceResponse) -> Result<Secret, KmsError> {
        if !resp.ok() {
            let (code, message) = oauth_error(resp);
            let about_audience = message.to_ascii_lowercase().contains("audience");
            return Err(match code.as_str() {
                // "The target service indicated by the "audience" parameters is invalid.
                // This might either be because the pool or provider is disabled or deleted
                // or because it doesn't exist."
                "invalid_target" => KmsError::ProviderNotFound {
                    provider: self.provider.name().to_string(),
                    message,
                },
                "invalid_request" if about_audience => KmsError::ProviderNotFound {
                    provider: self.provider.name().to_string(),
                    message,
                },
                // "The audience in JWT does not match the expected values."
                "invalid_grant" if about_audience => KmsError::AudienceMismatch {
                    service: Service::GoogleSts,
                    audience: self.oidc_audience.clone(),
                    message,
                },
                _ => KmsError::LoginRefused {
                    service: Service::GoogleSts,
                    role: self.provider.name().to_string(),
                    code: if code.is_empty() {
                        resp.status.to_string()
                    } else {
                        code
                    },
                    message,
                },
            });
        }
        answer::read::<StsAnswer>(resp, Service::GoogleSts)?
            .access_token
            .get()
            .filter(|t| !t.is_empty())
            .map(Secret::new)
            .ok_or(KmsError::BadResponse {
                service: Service::GoogleSts,
                what: "access_token",
            })
    }

    /// Trades `oidc_token` for a federated access token.
    pub fn exchange<X: Exchange>(&self, x: &X, oidc_token: &Secret) -> Result<Secret, X::Error> {
        let resp = x.exchange(&self.request(oidc_token))?;
        Ok(self.parse(&resp)?)
    }
}

/// `generateAccessToken` for one service account.
#[derive(Clone, Debug)]
pub struct Impersonation {
    /// `https://iamcredentials.googleapis.com`, or an override.
    pub base_url: String,
    /// The account's email or unique id.
    pub account: String,
}

impl Impersonation {
    /// `POST /v1/projects/-/serviceAccounts/<account>:generateAccessToken`, bearer the
    /// federated token; `scope` is a list (singular name, as the API spells it).
    pub fn request(&self, federated: &Secret) -> ServiceRequest {
        let url = address::join(
            &self.base_url,
            &format!(
                "v1/projects/-/serviceAccounts/{}:generateAccessToken",
                self.account
            ),
        );
        let mut req = ServiceRequest::new(Service::GoogleIamCredentials, Method::Post, url)
            .header("Authorization", format!("Bearer {}", federated.expose()))
            .header("Content-Type", "application/json");
        req.body = format!(
            "{{\"scope\":[{}],\"lifetime\":{}}}",
            Json::Str(CLOUD_PLATFORM),
            Json::Str(LIFETIME)
        )
        .into_bytes();
        req
    }

    /// Reads `accessToken`; a refusal names the account and the role to grant.
    pub fn parse(&self, resp: &ServiceResponse) -> Result<Secret, KmsError> {
        let service = Service::GoogleIamCredentials;
        if !resp.ok() {
            let error = answer::read_error::<IamError>(resp).error.0;
            let status = error.status.get().unwrap_or_default();
            let message = short(&error.message.get().unwrap_or_default());
            return Err(match (resp.status, status.as_str()) {
                (401, _) | (_, "UNAUTHENTICATED") => KmsError::InvalidCredentials {
                    service,
                    code: "UNAUTHENTICATED".into(),
                },
                // "Permission 'iam.serviceAccounts.getAccessToken' denied on resource (or
                // it may not exist).": a missing account reads the same.
                (403 | 404, _) | (_, "PERMISSION_DENIED" | "NOT_FOUND") => {
                    KmsError::ServiceAccountDenied {
                        account: self.account.clone(),
                        message,
                    }
                }
                (code, _) => KmsError::Refused {
                    service,
                    status: code,
                    code: status,
                    message,
                },
            });
        }
        answer::read::<GeneratedToken>(resp, service)?
            .access_token
            .get()
            .filter(|t| !t.is_empty())
            .map(Secret::new)
            .ok_or(KmsError::BadResponse {
                service,
                what: "accessToken",
            })
    }

    /// Trades the federated token for the service account's.
    pub fn generate<X: Exchange>(&self, x: &X, federated: &Secret) -> Result<Secret, X::Error> {
        let resp = x.exchange(&self.request(federated))?;
        Ok(self.parse(&resp)?)
    }
}

#[cfg(test)]
mod tests {
    use crate::kms::resp;
    use serde_json::{Value, json};

    use super::*;

    const NAME: &str =
        "projects/123456789/locations/global/workloadIdentityPools/github/providers/acme-repo";

    fn sts() -> GoogleSts {
        let provider = Provider::parse(NAME).unwrap();
        GoogleSts {
            base_url: "https://sts.googleapis.com/".into(),
            oidc_audience: provider.default_audience(),
            provider,
        }
    }

    #[test]
    fn provider_grammar_and_its_two_audiences() {
        let p = Provider::parse(NAME).unwrap();
        assert_eq!(
            p.default_audience(),
            format!("https://iam.googleapis.com/{NAME}")
        );
        assert_eq!(p.sts_audience(), format!("//iam.googleapis.com/{NAME}"));
        assert_eq!(
            Provider::parse(&format!("//iam.googleapis.com/{NAME}")).unwrap(),
            p
        );
        // Google's own pools (gcp- prefix) and 4- and 32-character ids are valid.
        let edge = "projects/1/locations/global/workloadIdentityPools/gcp-/providers/abcdefghijklmnopqrstuvwxyz012345";
        assert!(Provider::parse(edge).is_ok());
        for bad in [
            "projects/123/locations/global/workloadIdentityPools/github",
            "projects/my-project/locations/global/workloadIdentityPools/github/providers/x123",
            "projects/123/locations/europe-west1/workloadIdentityPools/github/providers/x123",
            "projects/123/locations/global/workloadIdentityPools/GitHub/providers/x123",
            "projects/123/locations/global/workloadIdentityPools/abc/providers/x123",
            "https://iam.googleapis.com/projects/123/locations/global/workloadIdentityPools/pool/providers/x123",
            "projects/123/locations/global/workloadIdentityPools/pool/providers/x123/",
        ] {
            assert!(
                matches!(
                    Provider::parse(bad),
                    Err(KmsError::BadKeylessSetting { .. })
                ),
                "{bad}"
            );
        }
        assert!(matches!(
            Provider::parse("projects/my-project/locations/global/workloadIdentityPools/pool/providers/prov"),
            Err(KmsError::BadKeylessSetting { problem, .. }) if problem == SettingProblem::GcpProjectNumber
        ));
    }

    #[test]
    fn service_account_grammar() {
        for ok in [
            "signer@acme-ci.iam.gserviceaccount.com",
            "123456789-compute@developer.gserviceaccount.com",
            "acme-ci@appspot.gserviceaccount.com",
            "signer@acme.example.com.iam.gserviceaccount.com",
            "113057325249898657053",
        ] {
            assert_eq!(service_account(ok).unwrap(), ok);
        }
        for bad in [
            "signer",
            "signer@",
            "@acme.iam.gserviceaccount.com",
            "a/b@acme.iam.gserviceaccount.com",
            "signer@acme",
            "signer@acme..com",
        ] {
            assert!(service_account(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn sts_request_is_the_token_exchange() {
        let req = sts().request(&Secret::new("OIDC.JWT.SECRET"));
        assert_eq!(req.url, "https://sts.googleapis.com/v1/token");
        assert_eq!(req.method, Method::Post);
        let body: Value = serde_json::from_slice(&req.body).unwrap();
        assert_eq!(
            body,
            json!({
                "audience": format!("//iam.googleapis.com/{NAME}"),
                "grantType": "urn:ietf:params:oauth:grant-type:token-exchange",
                "requestedTokenType": "urn:ietf:params:oauth:token-type:access_token",
                "scope": "https://www.googleapis.com/auth/cloud-platform",
                "subjectTokenType": "urn:ietf:params:oauth:token-type:jwt",
                "subjectToken": "OIDC.JWT.SECRET",
            })
        );
        assert!(!format!("{req:?}").contains("OIDC.JWT.SECRET"));
    }

    #[test]
    fn sts_answers() {
        let s = sts();
        let ok = json!({"access_token": "ya29.fed", "issued_token_type": ACCESS_TOKEN_TYPE, "token_type": "Bearer", "expires_in": 3599});
        assert_eq!(s.parse(&resp(200, ok)).unwrap().expose(), "ya29.fed");
        assert!(matches!(
            s.parse(&resp(200, json!({"token_type": "Bearer"}))),
            Err(KmsError::BadResponse {
                what: "access_token",
                ..
            })
        ));
        let refused = |code: &str, text: &str| {
            s.parse(&resp(
                400,
                json!({"error": code, "error_description": text}),
            ))
            .unwrap_err()
        };
        assert!(matches!(
            refused("invalid_target", "The target service indicated by the \"audience\" parameters is invalid. This might either be because the pool or provider is disabled or deleted or because it doesn't exist."),
            KmsError::ProviderNotFound { provider, .. } if provider == NAME
        ));
        assert!(matches!(
            refused("invalid_grant", "The audience in JWT does not match the expected values."),
            KmsError::AudienceMismatch { audience, .. } if audience == s.oidc_audience
        ));
        assert!(matches!(
            refused("unauthorized_client", "The given credential is rejected by the attribute condition."),
            KmsError::LoginRefused { code, message, .. } if code == "unauthorized_client" && message.contains("attribute condition")
        ));
        assert!(matches!(
            s.parse(&resp(503, Value::Null)),
            Err(KmsError::LoginRefused { code, .. }) if code == "503"
        ));
    }

    #[test]
    fn generate_access_token() {
        let imp = Impersonation {
            base_url: "http://127.0.0.1:9".into(),
            account: "signer@acme.iam.gserviceaccount.com".into(),
        };
        let req = imp.request(&Secret::new("ya29.FEDERATED"));
        assert_eq!(
            req.url,
            "http://127.0.0.1:9/v1/projects/-/serviceAccounts/signer@acme.iam.gserviceaccount.com:generateAccessToken"
        );
        let body: Value = serde_json::from_slice(&req.body).unwrap();
        assert_eq!(body, json!({"scope": [CLOUD_PLATFORM], "lifetime": "600s"}));
        assert!(
            req.headers
                .contains(&("Authorization".into(), "Bearer ya29.FEDERATED".into()))
        );
        assert!(!format!("{req:?}").contains("ya29.FEDERATED"));
        let ok = json!({"accessToken": "ya29.sa", "expireTime": "2026-12-03T22:00:00Z"});
        assert_eq!(imp.parse(&resp(200, ok)).unwrap().expose(), "ya29.sa");
        let denied = json!({"error": {"code": 403, "message": "Permission 'iam.serviceAccounts.getAccessToken' denied on resource (or it may not exist).", "status": "PERMISSION_DENIED"}});
        assert!(matches!(
            imp.parse(&resp(403, denied)),
            Err(KmsError::ServiceAccountDenied { account, message }) if account == imp.account && message.contains("getAccessToken")
        ));
        let unauth = json!({"error": {"code": 401, "status": "UNAUTHENTICATED", "message": "x"}});
        assert!(matches!(
            imp.parse(&resp(401, unauth)),
            Err(KmsError::InvalidCredentials { .. })
        ));
    }
}
