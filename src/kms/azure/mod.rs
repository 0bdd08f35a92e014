//! Azure Key Vault: get-key (the JWK's `n` and `e`, made into SPKI for the fingerprint)
//! and sign with `RS256` over the SHA-256 digest.

pub mod login;

use crate::env::Env;
use crate::kms::Exchange;
use crate::kms::address;
use crate::kms::settings::{Settings, endpoint, masked, non_empty, oidc_token};
use login::EntraLogin;
use std::sync::Mutex;

use base64::Engine;
use serde::Deserialize;

use crate::kms::spki::{self, RsaPublicKey};
use crate::kms::{
    CheckedKey, Json, KeyService, KmsError, Method, Secret, Service, ServiceRequest,
    ServiceResponse, b64url, sha256, short,
};

/// The REST API version used (sign and get-key have been stable since 7.0).
pub const API_VERSION: &str = "7.4";
/// The data action signing needs (in the built-in role Key Vault Crypto User).
pub const SIGN_PERMISSION: &str = "Microsoft.KeyVault/vaults/keys/sign/action";
/// The data action reading the key needs (in Key Vault Crypto User and Key Vault Reader).
pub const READ_PERMISSION: &str = "Microsoft.KeyVault/vaults/keys/read";

/// One key in a vault.
#[derive(Debug)]
pub struct KeyVault {
    /// `https://<vault host>`, or a test server.
    pub base_url: String,
    /// The key name.
    pub name: String,
    /// The version asked for; `None` means the current one.
    pub version: Option<String>,
    /// The Entra access token for `https://vault.azure.net` (`kms-access-token`).
    pub token: Secret,
    /// The version get-key reported, which then signs (so the fingerprint matches).
    resolved: Mutex<Option<String>>,
}

impl KeyVault {
    /// The key `azurekms://<vault_host>/<name>[/<version>]` names.
    pub fn new(vault_host: &str, name: &str, version: Option<&str>, token: Secret) -> KeyVault {
        KeyVault {
            base_url: format!("https://{vault_host}"),
            name: name.to_string(),
            version: version.map(str::to_string),
            token,
            resolved: Mutex::new(None),
        }
    }

    fn request(&self, method: Method, path: &str) -> ServiceRequest {
        let url = address::join(
            &self.base_url,
            &format!("keys/{path}?api-version={API_VERSION}"),
        );
        ServiceRequest::new(Service::AzureKeyVault, method, url)
            .header("Authorization", format!("Bearer {}", self.token.expose()))
    }

    fn version(&self) -> Option<String> {
        self.resolved
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .clone()
            .or_else(|| self.version.clone())
    }

    fn failure(&self, resp: &ServiceResponse, permission: &str) -> KmsError {
        let v: ErrorAnswer = resp.typed(Service::AzureKeyVault).unwrap_or_default();
        let error = v.error.unwrap_or_default();
        let code = error.code.unwrap_or_default();
        let message = short(&error.message.unwrap_or_default());
        let service = Service::AzureKeyVault;
        let key = self.name.clone();
        match resp.status {
            401 if message.to_ascii_lowercase().contains("expired") => {
                KmsError::ExpiredCredentials { service, code }
            }
            401 => KmsError::InvalidCredentials { service, code },
            403 => KmsError::AccessDenied {
                service,
                key,
                grant: permission.to_string(),
                message,
            },
            404 => KmsError::KeyNotFound { service, key },
            status => KmsError::Refused {
                service,
                status,
                code,
                message,
            },
        }
    }

    /// Enabled, RSA and allowed to sign, or the error that says which it is not.
    fn check_kind(&self, jwk: &Jwk, enabled: Option<bool>) -> Result<(), KmsError> {
        let service = Service::AzureKeyVault;
        let key = self.name.as_str();
        let kty = jwk.kty.as_deref().unwrap_or("");
        if kty.starts_with("EC") {
            return Err(KmsError::NotRsa {
                service,
                key: key.into(),
                kind: kty.into(),
            });
        }
        let sign = ["sign".to_string()];
        let ops = jwk.key_ops.as_deref().unwrap_or(&sign);
        if !kty.starts_with("RSA") || !ops.iter().any(|o| o == "sign") {
            return Err(KmsError::NotForSigning {
                service,
                key: key.into(),
                usage: format!("{kty} {}", ops.join(",")),
            });
        }
        if enabled == Some(false) {
            return Err(KmsError::KeyUnusable {
                service,
                key: key.into(),
                state: "disabled".into(),
            });
        }
        Ok(())
    }

    /// The version in the key's `kid` (`https://<vault>/keys/<name>/<version>`): the
    /// signature is asked of that very version.
    fn kid_version(&self, jwk: &Jwk) -> Result<String, KmsError> {
        jwk.kid
            .as_deref()
            .and_then(|kid| kid.rsplit_once(&format!("/keys/{}/", self.name)))
            .map(|(_, v)| v.to_string())
            // Key Vault's versions are 32 hex digits; letters and digits (as local test
            // servers use) are all that may go into the sign URL's path.
            .filter(|v| (1..=64).contains(&v.len()) && v.bytes().all(|b| b.is_ascii_alphanumeric()))
            .ok_or(KmsError::BadResponse {
                service: Service::AzureKeyVault,
                what: "key.kid as <vault>/keys/<name>/<version>",
            })
    }
}

impl KeyService for KeyVault {
    fn service(&self) -> Service {
        Service::AzureKeyVault
    }

    fn key(&self) -> &str {
        &self.name
    }

    /// `GET {vault}/keys/<name>[/<version>]`.
    fn public_key_request(&self, _now: i64) -> ServiceRequest {
        match &self.version {
            Some(v) => self.request(Method::Get, &format!("{}/{v}", self.name)),
            None => self.request(Method::Get, &self.name),
        }
    }

    /// `POST {vault}/keys/<name>/<version>/sign {"alg":"RS256","value":<digest>}`.
    fn sign_request(&self, signing_input: &[u8], _now: i64) -> ServiceRequest {
        let path = match self.version() {
            Some(v) => format!("{}/{v}/sign", self.name),
            None => format!("{}/sign", self.name),
        };
        let digest = b64url().encode(sha256(signing_input));
        self.request(Method::Post, &path)
            .json(&[("alg", Json::Str("RS256")), ("value", Json::Str(&digest))])
    }

    /// Reads the key: enabled, RSA, allowed to sign; its SPKI from `n` and `e`.
    fn parse_public_key(
        &self,
        resp: &ServiceResponse,
    ) -> Result<(CheckedKey, RsaPublicKey), KmsError> {
        if !resp.ok() {
            return Err(self.failure(resp, READ_PERMISSION));
        }
        let bundle: KeyBundle = resp.typed(Service::AzureKeyVault)?;
        let jwk = bundle.key.unwrap_or_default();
        let enabled = bundle.attributes.and_then(|a| a.enabled);
        self.check_kind(&jwk, enabled)?;
        let service = Service::AzureKeyVault;
        let bad = |what| KmsError::BadResponse { service, what };
        let part = |value: &Option<String>| {
            value
                .as_deref()
                .and_then(|s| b64url().decode(s.trim_end_matches('=')).ok())
                .map(|v| spki::unsigned(&v))
        };
        let rsa = RsaPublicKey {
            n: part(&jwk.n).ok_or(bad("key.n as base64url"))?,
            e: part(&jwk.e).ok_or(bad("key.e as base64url"))?,
        };
        let version = self.kid_version(&jwk)?;
        let checked = spki::check(service, &self.name, &rsa.to_spki_der())?;
        *self.resolved.lock().unwrap_or_else(|e| e.into_inner()) = Some(version);
        Ok(checked)
    }

    /// Reads the signature (already base64url, as JWTs want it); checks which key signed.
    fn parse_sign(&self, resp: &ServiceResponse) -> Result<Vec<u8>, KmsError> {
        if !resp.ok() {
            return Err(self.failure(resp, SIGN_PERMISSION));
        }
        let v: SignAnswer = resp.typed(Service::AzureKeyVault)?;
        let service = Service::AzureKeyVault;
        let kid = v.kid.as_deref().unwrap_or("");
        let want = match self.version() {
            Some(ver) => format!("/keys/{}/{ver}", self.name),
            None => format!("/keys/{}/", self.name),
        };
        if !(kid.ends_with(&want) || (self.version().is_none() && kid.contains(&want))) {
            return Err(KmsError::Integrity {
                service,
                check: "kid",
            });
        }
        v.value
            .and_then(|s| b64url().decode(s.trim_end_matches('=')).ok())
            .ok_or(KmsError::BadResponse {
                service,
                what: "value as base64url",
            })
    }
}

/// A key bundle (`GET /keys/<name>[/<version>]`), as far as the checks read it.
#[derive(Deserialize, Default)]
#[serde(default)]
struct KeyBundle {
    key: Option<Jwk>,
    attributes: Option<Attributes>,
}

/// The bundle's JSON Web Key.
#[derive(Deserialize, Default)]
#[serde(default)]
struct Jwk {
    kty: Option<String>,
    /// Absent means every operation the key type allows.
    key_ops: Option<Vec<String>>,
    n: Option<String>,
    e: Option<String>,
    kid: Option<String>,
}

/// The bundle's attributes.
#[derive(Deserialize, Default)]
#[serde(default)]
struct Attributes {
    enabled: Option<bool>,
}

/// `sign`'s answer.
#[derive(Deserialize, Default)]
#[serde(default)]
struct SignAnswer {
    kid: Option<String>,
    value: Option<String>,
}

/// Key Vault's error body, `{"error":{"code":…,"message":…}}`.
#[derive(Deserialize, Default)]
#[serde(default)]
struct ErrorAnswer {
    error: Option<ErrorBody>,
}

/// The error's code and message.
#[derive(Deserialize, Default)]
#[serde(default)]
struct ErrorBody {
    code: Option<String>,
    message: Option<String>,
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
        (Some(t), Some(c)) => (login::tenant(t)?, login::client_id(c)?),
        (None, Some(_)) => return Err(missing_azure("azure-tenant-id")),
        (Some(_), None) => return Err(missing_azure("azure-client-id")),
    };
    let authority = match env("AZURE_AUTHORITY_HOST").map(|h| h.trim().to_string()) {
        // azure-identity takes a bare host too.
        Some(h) if !h.is_empty() && !h.contains("://") => format!("https://{h}"),
        Some(h) if !h.is_empty() => h,
        _ => login::authority_for(vault_host).to_string(),
    };
    let authority = endpoint(&|_| Some(authority.clone()), "AZURE_AUTHORITY_HOST", "")?;
    Ok(Some(EntraLogin {
        authority,
        tenant,
        client_id: client,
        scope: format!("{}/.default", login::resource_for(vault_host)),
        audience: non_empty(&settings.oidc_audience)
            .unwrap_or(login::AUDIENCE)
            .to_string(),
    }))
}

fn missing_azure(missing: &'static str) -> KmsError {
    KmsError::MissingSetting {
        service: Service::AzureKeyVault,
        missing,
    }
}

/// The key `name` (at `version`, else the latest) in the vault at `vault_host`, with
/// `kms-access-token` or a token from an Entra login with the runner's OIDC token.
pub fn resolve<X: Exchange>(
    settings: &Settings,
    env: Env,
    x: &X,
    mask: &dyn Fn(&str),
    (vault_host, name, version): (&str, &str, Option<&str>),
) -> Result<KeyVault, X::Error> {
    let token = azure_token(settings, env, vault_host, x, mask)?;
    let mut kv = KeyVault::new(vault_host, name, version, token);
    // A vault host on this machine (a local test server) speaks plain http;
    // `ServiceUrl` allows plain http for loopback hosts only.
    let plain = format!("http://{vault_host}");
    if crate::url::ServiceUrl::parse(&plain).is_ok() {
        kv.base_url = plain;
    }
    Ok(kv)
}

#[cfg(test)]
mod tests {
    use crate::kms::resp;
    use serde_json::{Value, json};

    use super::*;
    use crate::kms::spki::SIGNING_INPUT;

    fn vault() -> KeyVault {
        KeyVault::new(
            "v.vault.azure.net",
            "gh-app",
            None,
            Secret::new("eyJ.AZ.TOKEN"),
        )
    }

    fn jwk(kty: &str) -> Value {
        let der = spki::pem_der(&crate::fixture("app.pub.pem")).unwrap();
        let Some(spki::PublicKey::Rsa(rsa)) = spki::parse(&der) else {
            panic!()
        };
        json!({"key": {"kid": "https://v.vault.azure.net/keys/gh-app/0a1b2c", "kty": kty,
            "key_ops": ["sign", "verify"], "n": b64url().encode(&rsa.n), "e": b64url().encode(&rsa.e)},
            "attributes": {"enabled": true}})
    }

    #[test]
    fn get_then_sign_that_version() {
        let kv = vault();
        assert_eq!(
            kv.public_key_request(0).url,
            "https://v.vault.azure.net/keys/gh-app?api-version=7.4"
        );
        let (checked, _) = kv.parse_public_key(&resp(200, jwk("RSA-HSM"))).unwrap();
        assert_eq!(
            checked.fingerprint,
            spki::fingerprint(&spki::pem_der(&crate::fixture("app.pub.pem")).unwrap())
        );
        let req = kv.sign_request(SIGNING_INPUT.as_bytes(), 0);
        assert_eq!(
            req.url,
            "https://v.vault.azure.net/keys/gh-app/0a1b2c/sign?api-version=7.4"
        );
        let body: Value = serde_json::from_slice(&req.body).unwrap();
        assert_eq!(
            body,
            json!({"alg": "RS256", "value": "ouWJSE32drYKbU1sC2bVhxGNZy79uVL2GLNXuSGKQ9s"})
        );
        assert!(!format!("{req:?}{kv:?}").contains("AZ.TOKEN"));
        let ok = json!({"kid": "https://v.vault.azure.net/keys/gh-app/0a1b2c", "value": "AAEC"});
        assert_eq!(kv.parse_sign(&resp(200, ok)).unwrap(), vec![0, 1, 2]);
        let other = json!({"kid": "https://v.vault.azure.net/keys/gh-app/ffff", "value": "AAEC"});
        assert!(matches!(
            kv.parse_sign(&resp(200, other)),
            Err(KmsError::Integrity { check: "kid", .. })
        ));
    }

    #[test]
    fn key_kinds_and_errors() {
        let kind = |body: Value| {
            format!(
                "{:?}",
                vault().parse_public_key(&resp(200, body)).unwrap_err()
            )
        };
        assert!(kind(jwk("EC")).starts_with("NotRsa"));
        assert!(kind(jwk("oct-HSM")).starts_with("NotForSigning"));
        let mut no_sign = jwk("RSA");
        no_sign["key"]["key_ops"] = json!(["encrypt", "decrypt"]);
        assert!(kind(no_sign).starts_with("NotForSigning"));
        for kid in [
            "https://v/keys/gh-app/..",
            "https://v/keys/gh-app/a%2F",
            "https://v/keys/gh-app/",
        ] {
            let mut hostile = jwk("RSA");
            hostile["key"]["kid"] = json!(kid);
            assert!(kind(hostile).starts_with("BadResponse"), "{kid}");
        }
        let mut disabled = jwk("RSA");
        disabled["attributes"]["enabled"] = json!(false);
        assert!(kind(disabled).starts_with("KeyUnusable"));

        let err = |status, code: &str, msg: &str| {
            format!(
                "{:?}",
                vault()
                    .parse_sign(&resp(
                        status,
                        json!({"error": {"code": code, "message": msg}})
                    ))
                    .unwrap_err()
            )
        };
        assert!(
            err(401, "Unauthorized", "[TokenExpired] Error validating token")
                .starts_with("ExpiredCredentials")
        );
        assert!(
            err(401, "Unauthorized", "AKV10022: Invalid audience")
                .starts_with("InvalidCredentials")
        );
        assert!(err(403, "Forbidden", "no sign").contains(SIGN_PERMISSION));
        assert!(
            err(
                404,
                "KeyNotFound",
                "A key with (name/id) gh-app was not found"
            )
            .starts_with("KeyNotFound")
        );
    }
}
