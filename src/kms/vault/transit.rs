//! Transit keys: read the public key, sign a SHA-256 digest with PKCS#1 v1.5.

use std::collections::BTreeMap;

use base64::Engine;
use serde::Deserialize;

use crate::kms::answer::{self, Field, Object};
use crate::kms::spki::{self, RsaPublicKey};
use crate::kms::{
    CheckedKey, Json, KeyService, KmsError, Method, Secret, Service, ServiceRequest,
    ServiceResponse, b64, sha256,
};

use super::Server;

/// The key read's answer, as far as the checks read it.
#[derive(Deserialize, Default)]
#[serde(default)]
struct KeyAnswer {
    data: Object<KeyData>,
}

/// The key's `data`: its type, whether it signs, and each version's public key.
#[derive(Deserialize, Default)]
#[serde(default)]
struct KeyData {
    #[serde(rename = "type")]
    kind: Field<String>,
    supports_signing: Field<bool>,
    latest_version: Field<u64>,
    keys: Field<BTreeMap<String, Object<KeyVersion>>>,
}

/// One version of the key.
#[derive(Deserialize, Default)]
#[serde(default)]
struct KeyVersion {
    public_key: Field<String>,
}

/// The sign answer, `{"data": {"signature": "vault:v<N>:<base64>"}}`.
#[derive(Deserialize, Default)]
#[serde(default)]
struct SignAnswer {
    data: Object<Signed>,
}

/// The sign answer's `data`.
#[derive(Deserialize, Default)]
#[serde(default)]
struct Signed {
    signature: Field<String>,
}

/// One transit key.
#[derive(Debug)]
pub struct Transit {
    /// Address and namespace.
    pub server: Server,
    /// The Vault token (`VAULT_TOKEN`, or from [`JwtLogin`](super::JwtLogin)).
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
        let data = answer::read::<KeyAnswer>(resp, Service::Vault)?.data.0;
        let kind = data.kind.get().unwrap_or_default();
        let key = self.name.as_str();
        if kind.starts_with("ecdsa") || kind.starts_with("ed25519") {
            return Err(KmsError::NotRsa {
                service: Service::Vault,
                key: key.into(),
                kind,
            });
        }
        if !kind.starts_with("rsa") || data.supports_signing.get() == Some(false) {
            return Err(KmsError::NotForSigning {
                service: Service::Vault,
                key: key.into(),
                usage: kind,
            });
        }
        let bad = KmsError::BadResponse {
            service: Service::Vault,
            what: "data.latest_version and its public_key",
        };
        let version = data.latest_version.get().ok_or(bad.clone())?;
        let pem = data
            .keys
            .get()
            .and_then(|mut keys| keys.remove(&version.to_string()))
            .and_then(|v| v.0.public_key.get())
            .ok_or(bad.clone())?;
        let der = spki::pem_der(&pem).ok_or(bad)?;
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
        answer::read::<SignAnswer>(resp, Service::Vault)?
            .data
            .0
            .signature
            .get()
            .as_deref()
            .and_then(|s| s.strip_prefix("vault:v"))
            .and_then(|s| s.split_once(':'))
            .and_then(|(_, sig)| b64().decode(sig).ok())
            .ok_or(KmsError::BadResponse {
                service: Service::Vault,
                what: "data.signature as vault:v<N>:<base64>",
            })
    }
}

#[cfg(test)]
mod tests {
    use crate::kms::resp;
    use serde_json::Value;

    use super::*;

    pub(super) fn transit() -> Transit {
        super::super::tests::transit()
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
        let (checked, _) = t.parse_public_key(&resp(200, body("rsa-2048"))).unwrap();
        assert_eq!(checked.bits, 2048);
        assert!(matches!(
            t.parse_public_key(&resp(200, body("ecdsa-p256"))),
            Err(KmsError::NotRsa { .. })
        ));
        assert!(matches!(
            t.parse_public_key(&resp(200, body("aes256-gcm96"))),
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
}
