//! Vault and OpenBao: transit keys (read, sign a SHA-256 digest with PKCS#1 v1.5) and
//! the JWT auth login that trades the runner's OIDC token for a Vault token.

use crate::kms::address;
use crate::kms::grammar::{self, Rule};
use crate::kms::settings::{Settings, env_secret, masked, non_empty, oidc_token};
use base64::Engine;
use serde_json::Value;

use crate::kms::spki::{self, RsaPublicKey};
use crate::kms::{
    CheckedKey, Exchange, Json, KeyService, KmsError, Method, Secret, Service, ServiceRequest,
    ServiceResponse, b64, sha256, short,
};

/// Where transit is mounted unless told otherwise (cosign's `TRANSIT_SECRET_ENGINE_PATH`).
pub const DEFAULT_TRANSIT_MOUNT: &str = "transit";
/// Where JWT auth is mounted unless told otherwise (vault-action's default `path`).
pub const DEFAULT_AUTH_MOUNT: &str = "jwt";

pub use crate::env::Env;

/// The first of `VAULT_<name>` and `BAO_<name>` that is set (vault-action exports the
/// former, the `bao` CLI reads both).
pub fn env_var(env: Env, name: &str) -> Option<String> {
    [format!("VAULT_{name}"), format!("BAO_{name}")]
        .iter()
        .filter_map(|k| env(k))
        .map(|v| v.trim().to_string())
        .find(|v| !v.is_empty())
}

/// The server's address and namespace, shared by transit and the login.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Server {
    /// `VAULT_ADDR` without a trailing `/`.
    pub addr: String,
    /// `VAULT_NAMESPACE`, sent as `X-Vault-Namespace`.
    pub namespace: Option<String>,
}

impl Server {
    /// From `VAULT_ADDR` (or `BAO_ADDR`) and `VAULT_NAMESPACE` (or `BAO_NAMESPACE`).
    pub fn from_env(env: Env) -> Result<Server, KmsError> {
        let addr = env_var(env, "ADDR").ok_or(KmsError::MissingSetting {
            service: Service::Vault,
            missing: "VAULT_ADDR",
        })?;
        let namespace = env_var(env, "NAMESPACE").map(|n| n.trim_matches('/').to_string());
        // The namespace goes into a header and the policy paths: a Vault path or nothing.
        if let Some(ns) = namespace
            .as_ref()
            .filter(|ns| !crate::kms::grammar::vault_mount(ns))
        {
            return Err(KmsError::BadSetting {
                input: "VAULT_NAMESPACE",
                value: ns.clone(),
                rule: crate::kms::grammar::Rule::VaultNamespace,
            });
        }
        Ok(Server {
            addr: addr.trim_end_matches('/').to_string(),
            namespace,
        })
    }

    fn request(&self, method: Method, path: &str) -> ServiceRequest {
        let req = ServiceRequest::new(
            Service::Vault,
            method,
            address::join(&self.addr, &format!("v1/{path}")),
        );
        match &self.namespace {
            Some(ns) => req.header("X-Vault-Namespace", ns.clone()),
            None => req,
        }
    }

    /// The error every Vault call can give: `{"errors": [...]}` by status.
    fn error(&self, resp: &ServiceResponse, mount: &str) -> (String, Option<KmsError>) {
        let errors: Vec<String> = resp
            .json(Service::Vault)
            .ok()
            .and_then(|v| v.get("errors").and_then(Value::as_array).cloned())
            .unwrap_or_default()
            .iter()
            .filter_map(|e| e.as_str().map(str::to_string))
            .collect();
        // Vault wraps multierrors as "1 error occurred:\n\t* permission denied\n\n".
        let joined = errors.join("; ").replace("1 error occurred:", "");
        let message = short(&joined).trim_start_matches("* ").to_string();
        let known = if resp.status == 404 && message.contains("namespace not found") {
            Some(KmsError::NamespaceNotFound {
                namespace: self.namespace.clone().unwrap_or_default(),
            })
        } else if resp.status == 404 && message.contains("no handler for route") {
            Some(KmsError::MountNotFound {
                mount: mount.to_string(),
            })
        } else {
            None
        };
        (message, known)
    }
}

/// One transit key.
#[derive(Debug)]
pub struct Transit {
    /// Address and namespace.
    pub server: Server,
    /// The Vault token (`VAULT_TOKEN`, or from [`JwtLogin`]).
    pub token: Secret,
    /// The transit engine's mount path.
    pub mount: String,
    /// The key name.
    pub name: String,
    /// Seen in the key read: the version whose public key was checked (and signs).
    version: std::sync::atomic::AtomicU64,
}

impl Transit {
    /// The key `name` in the transit engine at `mount`.
    pub fn new(server: Server, token: Secret, mount: &str, name: &str) -> Transit {
        Transit {
            server,
            token,
            mount: mount.trim_matches('/').to_string(),
            name: name.to_string(),
            version: std::sync::atomic::AtomicU64::new(0),
        }
    }

    fn authed(&self, method: Method, path: &str) -> ServiceRequest {
        self.server
            .request(method, path)
            .header("X-Vault-Token", self.token.expose())
    }

    /// The policy paths a token needs, as Vault policy text.
    pub fn policy(&self) -> String {
        format!(
            "path \"{m}/keys/{n}\" {{ capabilities = [\"read\"] }}\npath \"{m}/sign/{n}/sha2-256\" {{ capabilities = [\"update\"] }}",
            m = self.mount,
            n = self.name
        )
    }

    fn failure(&self, resp: &ServiceResponse, capability: &str) -> KmsError {
        let (message, known) = self.server.error(resp, &self.mount);
        if let Some(e) = known {
            return e;
        }
        let key = self.name.clone();
        let service = Service::Vault;
        match resp.status {
            404 => KmsError::KeyNotFound { service, key },
            400 if message.contains("key not found") => KmsError::KeyNotFound { service, key },
            400 if message.contains("does not support signing") => KmsError::NotForSigning {
                service,
                key,
                usage: message,
            },
            403 if message.contains("invalid token") => KmsError::InvalidCredentials {
                service,
                code: "invalid token".into(),
            },
            403 => KmsError::AccessDenied {
                service,
                key,
                grant: format!(
                    "path \"{}\" {{ capabilities = [\"{capability}\"] }}",
                    if capability == "read" {
                        format!("{}/keys/{}", self.mount, self.name)
                    } else {
                        format!("{}/sign/{}/sha2-256", self.mount, self.name)
                    }
                ),
                message,
            },
            status => KmsError::Refused {
                service,
                status,
                code: String::new(),
                message,
            },
        }
    }
}

impl KeyService for Transit {
    fn service(&self) -> Service {
        Service::Vault
    }

    fn key(&self) -> &str {
        &self.name
    }

    /// `GET /v1/<mount>/keys/<name>`.
    fn public_key_request(&self, _now: i64) -> ServiceRequest {
        self.authed(Method::Get, &format!("{}/keys/{}", self.mount, self.name))
    }

    /// Sign the SHA-256 of the signing input with PKCS#1 v1.5 (transit's RSA default is
    /// PSS, which GitHub refuses), with the key version that was read.
    fn sign_request(&self, signing_input: &[u8], _now: i64) -> ServiceRequest {
        let input = b64().encode(sha256(signing_input));
        let mut body = vec![
            ("input", Json::Str(&input)),
            ("prehashed", Json::Bool(true)),
            ("signature_algorithm", Json::Str("pkcs1v15")),
        ];
        let version = self.version.load(std::sync::atomic::Ordering::Relaxed);
        if version > 0 {
            body.push(("key_version", Json::Num(version)));
        }
        self.authed(
            Method::Post,
            &format!("{}/sign/{}/sha2-256", self.mount, self.name),
        )
        .json(&body)
    }

    /// Reads the key: an RSA signing key, its latest version's public key.
    fn parse_public_key(
        &self,
        resp: &ServiceResponse,
    ) -> Result<(CheckedKey, RsaPublicKey), KmsError> {
        if !resp.ok() {
            return Err(self.failure(resp, "read"));
        }
        let v = resp.json(Service::Vault)?;
        let data = &v["data"];
        let kind = data["type"].as_str().unwrap_or("");
        let key = self.name.as_str();
        if kind.starts_with("ecdsa") || kind.starts_with("ed25519") {
            return Err(KmsError::NotRsa {
                service: Service::Vault,
                key: key.into(),
                kind: kind.into(),
            });
        }
        if !kind.starts_with("rsa") || data["supports_signing"] == false {
            return Err(KmsError::NotForSigning {
                service: Service::Vault,
                key: key.into(),
                usage: kind.into(),
            });
        }
        let bad = KmsError::BadResponse {
            service: Service::Vault,
            what: "data.latest_version and its public_key",
        };
        let version = data["latest_version"].as_u64().ok_or(bad.clone())?;
        let pem = data["keys"][version.to_string()]["public_key"]
            .as_str()
            .ok_or(bad.clone())?;
        let der = spki::pem_der(pem).ok_or(bad)?;
        let checked = spki::check(Service::Vault, key, &der)?;
        self.version
            .store(version, std::sync::atomic::Ordering::Relaxed);
        Ok(checked)
    }

    /// Reads a signature `vault:v<N>:<base64>`.
    fn parse_sign(&self, resp: &ServiceResponse) -> Result<Vec<u8>, KmsError> {
        if !resp.ok() {
            return Err(self.failure(resp, "update"));
        }
        let v = resp.json(Service::Vault)?;
        v["data"]["signature"]
            .as_str()
            .and_then(|s| s.strip_prefix("vault:v"))
            .and_then(|s| s.split_once(':'))
            .and_then(|(_, sig)| b64().decode(sig).ok())
            .ok_or(KmsError::BadResponse {
                service: Service::Vault,
                what: "data.signature as vault:v<N>:<base64>",
            })
    }
}

/// JWT auth: the runner's OIDC token for a Vault token with the role's policies.
#[derive(Clone, Debug)]
pub struct JwtLogin {
    /// Address and namespace.
    pub server: Server,
    /// The auth method's mount path (`jwt` unless configured).
    pub mount: String,
    /// The role to log in as.
    pub role: String,
}

impl JwtLogin {
    /// `POST /v1/auth/<mount>/login {"role", "jwt"}`, sent without a token.
    pub fn request(&self, oidc_token: &Secret) -> ServiceRequest {
        self.server
            .request(
                Method::Post,
                &format!("auth/{}/login", self.mount.trim_matches('/')),
            )
            .json(&[
                ("role", Json::Str(&self.role)),
                ("jwt", Json::Str(oidc_token.expose())),
            ])
    }

    /// Reads `auth.client_token`.
    pub fn parse(&self, resp: &ServiceResponse) -> Result<Secret, KmsError> {
        if !resp.ok() {
            let mount = format!("auth/{}", self.mount.trim_matches('/'));
            let (message, known) = self.server.error(resp, &mount);
            // Login routes need no token, so a 403 means no auth method is mounted there
            // (OpenBao answers an unknown unauthenticated path "permission denied").
            if resp.status == 403 && known.is_none() {
                return Err(KmsError::MountNotFound { mount });
            }
            return Err(known.unwrap_or(KmsError::LoginRefused {
                service: Service::Vault,
                role: self.role.clone(),
                code: resp.status.to_string(),
                message,
            }));
        }
        let v = resp.json(Service::Vault)?;
        let token = v["auth"]["client_token"]
            .as_str()
            .filter(|t| !t.is_empty())
            .ok_or(KmsError::BadResponse {
                service: Service::Vault,
                what: "auth.client_token",
            })?;
        if !crate::kms::grammar::credential(token) {
            return Err(KmsError::BadCredential {
                service: Service::Vault,
                what: "auth.client_token",
            });
        }
        Ok(Secret::new(token))
    }

    /// Logs in with `oidc_token`.
    pub fn login<X: Exchange>(&self, x: &X, oidc_token: &Secret) -> Result<Secret, X::Error> {
        let resp = x.exchange(&self.request(oidc_token))?;
        Ok(self.parse(&resp)?)
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
        None => Ok(DEFAULT_TRANSIT_MOUNT.to_string()),
    }
}

/// The transit key `name`, with the token in the environment or, with `vault-role`, one
/// from a JWT login with the runner's OIDC token.
pub fn resolve<X: Exchange>(
    settings: &Settings,
    env: Env,
    x: &X,
    mask: &dyn Fn(&str),
    name: &str,
) -> Result<Transit, X::Error> {
    let mount = transit_mount(settings, env)?;
    let server = Server::from_env(env)?;
    let token = match non_empty(&settings.vault_role) {
        Some(role) => {
            let oidc = oidc_token(x, env, non_empty(&settings.oidc_audience), mask)?;
            let login = JwtLogin {
                server: server.clone(),
                mount: non_empty(&settings.vault_auth_mount)
                    .unwrap_or(DEFAULT_AUTH_MOUNT)
                    .to_string(),
                role: role.to_string(),
            };
            masked(login.login(x, &oidc)?, mask)
        }
        None => match env_var(env, "TOKEN") {
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
    Ok(Transit::new(server, token, &mount, name))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn resp(status: u16, body: &str) -> ServiceResponse {
        ServiceResponse {
            status,
            headers: vec![],
            body: body.as_bytes().to_vec(),
        }
    }

    fn transit() -> Transit {
        let env = |k: &str| match k {
            "BAO_ADDR" => Some("http://127.0.0.1:8200/".to_string()),
            "VAULT_NAMESPACE" => Some("team-a/".to_string()),
            _ => None,
        };
        Transit::new(
            Server::from_env(&env).unwrap(),
            Secret::new("s.TOKEN"),
            "/transit/",
            "gh-app",
        )
    }

    #[test]
    fn requests() {
        let t = transit();
        let read = t.public_key_request(0);
        assert_eq!(read.url, "http://127.0.0.1:8200/v1/transit/keys/gh-app");
        assert!(
            read.headers
                .contains(&("X-Vault-Namespace".into(), "team-a".into()))
        );
        assert!(!format!("{read:?}").contains("s.TOKEN"));
        let sign = t.sign_request(b"abc", 0);
        assert_eq!(
            sign.url,
            "http://127.0.0.1:8200/v1/transit/sign/gh-app/sha2-256"
        );
        let body: Value = serde_json::from_slice(&sign.body).unwrap();
        assert_eq!(body["signature_algorithm"], "pkcs1v15");
        assert_eq!(body["prehashed"], true);
        assert_eq!(
            b64().decode(body["input"].as_str().unwrap()).unwrap(),
            sha256(b"abc")
        );
        for bad in ["..", "a/../b", "team a", "t\r\nX-Injected: 1"] {
            let env = |k: &str| match k {
                "VAULT_ADDR" => Some("http://v".to_string()),
                "VAULT_NAMESPACE" => Some(bad.to_string()),
                _ => None,
            };
            assert!(
                matches!(
                    Server::from_env(&env),
                    Err(KmsError::BadSetting {
                        input: "VAULT_NAMESPACE",
                        ..
                    })
                ),
                "{bad:?}"
            );
        }
        assert_eq!(
            Server::from_env(&|_| None).unwrap_err(),
            KmsError::MissingSetting {
                service: Service::Vault,
                missing: "VAULT_ADDR"
            }
        );
    }

    #[test]
    fn errors() {
        let t = transit();
        let cases = [
            (
                400,
                r#"{"errors":["signing key not found"]}"#,
                "KeyNotFound",
            ),
            (404, r#"{"errors":[]}"#, "KeyNotFound"),
            (
                403,
                r#"{"errors":["1 error occurred:\n\t* permission denied\n\n"]}"#,
                "AccessDenied",
            ),
            (
                400,
                r#"{"errors":["key type aes256-gcm96 does not support signing"]}"#,
                "NotForSigning",
            ),
            (
                404,
                r#"{"errors":["no handler for route \"transit2/sign/gh-app/sha2-256\". route entry not found."]}"#,
                "MountNotFound",
            ),
            (
                404,
                r#"{"errors":["namespace not found"]}"#,
                "NamespaceNotFound",
            ),
            (
                500,
                r#"{"errors":["crypto/rsa: input must be hashed message"]}"#,
                "Refused",
            ),
        ];
        for (status, body, want) in cases {
            let err = t.parse_sign(&resp(status, body)).unwrap_err();
            assert!(format!("{err:?}").starts_with(want), "{body}: {err:?}");
        }
        match t.parse_sign(&resp(403, r#"{"errors":["permission denied"]}"#)) {
            Err(KmsError::AccessDenied { grant, message, .. }) => {
                assert_eq!(
                    grant,
                    r#"path "transit/sign/gh-app/sha2-256" { capabilities = ["update"] }"#
                );
                assert_eq!(message, "permission denied");
            }
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn key_kinds() {
        let t = transit();
        let body = |kind: &str| {
            format!(
                r#"{{"data":{{"type":"{kind}","latest_version":1,"keys":{{"1":{{"public_key":{:?}}}}}}}}}"#,
                crate::fixture("app.pub.pem")
            )
        };
        let (checked, _) = t.parse_public_key(&resp(200, &body("rsa-2048"))).unwrap();
        assert_eq!(checked.bits, 2048);
        assert!(matches!(
            t.parse_public_key(&resp(200, &body("ecdsa-p256"))),
            Err(KmsError::NotRsa { .. })
        ));
        assert!(matches!(
            t.parse_public_key(&resp(200, &body("aes256-gcm96"))),
            Err(KmsError::NotForSigning { .. })
        ));
        let sign = t.sign_request(b"abc", 0);
        let body: Value = serde_json::from_slice(&sign.body).unwrap();
        assert_eq!(body["key_version"], 1, "signs with the version it checked");
        let sig = t
            .parse_sign(&resp(
                200,
                r#"{"data":{"signature":"vault:v1:AAEC","key_version":1}}"#,
            ))
            .unwrap();
        assert_eq!(sig, vec![0, 1, 2]);
    }

    #[test]
    fn login() {
        let l = JwtLogin {
            server: transit().server,
            mount: "jwt".into(),
            role: "r".into(),
        };
        let req = l.request(&Secret::new("OIDC.JWT.X"));
        assert_eq!(req.url, "http://127.0.0.1:8200/v1/auth/jwt/login");
        assert!(!req.headers.iter().any(|(k, _)| k == "X-Vault-Token"));
        assert!(!format!("{req:?}").contains("OIDC.JWT.X"));
        assert_eq!(
            l.parse(&resp(200, r#"{"auth":{"client_token":"s.x"}}"#))
                .unwrap()
                .expose(),
            "s.x"
        );
        assert!(matches!(
            l.parse(&resp(400, r#"{"errors":["error validating token: invalid audience (aud) claim"]}"#)),
            Err(KmsError::LoginRefused { message, .. }) if message.contains("invalid audience")
        ));
    }
}
