//! Google Cloud KMS: `getPublicKey` (with the algorithm check) and `asymmetricSign` of a
//! SHA-256 digest, both checked end to end with CRC32C as Google asks clients to.

pub mod sts;

use crate::env::Env;
use crate::kms::Exchange;
use crate::kms::address;
use crate::kms::grammar;
use crate::kms::settings::{Settings, bad_token, endpoint, masked, non_empty, oidc_token};
use base64::Engine;
use serde::Deserialize;
use serde::de::IgnoredAny;
use sts::{GoogleSts, Impersonation, Provider};

use crate::kms::crc32c::crc32c;
use crate::kms::spki::{self, RsaPublicKey};
use crate::kms::{
    CheckedKey, Json, KeyService, KmsError, Method, Secret, Service, ServiceRequest,
    ServiceResponse, b64, sha256, short,
};

/// Google's endpoint.
pub const DEFAULT_BASE_URL: &str = "https://cloudkms.googleapis.com";
/// The permission `asymmetricSign` needs (role Cloud KMS CryptoKey Signer).
pub const SIGN_PERMISSION: &str = "cloudkms.cryptoKeyVersions.useToSign";
/// The permission `getPublicKey` needs (role Cloud KMS CryptoKey Public Key Viewer).
pub const VIEW_PERMISSION: &str = "cloudkms.cryptoKeyVersions.viewPublicKey";

/// One key version in Cloud KMS.
#[derive(Clone, Debug)]
pub struct CloudKms {
    /// `https://cloudkms.googleapis.com`, or a test server.
    pub base_url: String,
    /// `projects/…/cryptoKeyVersions/N`.
    pub version_name: String,
    /// The OAuth 2 access token (`kms-access-token`).
    pub token: Secret,
}

impl CloudKms {
    fn request(&self, method: Method, suffix: &str) -> ServiceRequest {
        let url = address::join(&self.base_url, &format!("v1/{}{suffix}", self.version_name));
        ServiceRequest::new(Service::GoogleKms, method, url)
            .header("Authorization", format!("Bearer {}", self.token.expose()))
    }

    fn failure(&self, resp: &ServiceResponse, permission: &str) -> KmsError {
        let v: ErrorAnswer = resp.typed(Service::GoogleKms).unwrap_or_default();
        let error = v.error.unwrap_or_default();
        let status = error.status.unwrap_or_default();
        let message = short(&error.message.unwrap_or_default());
        let service = Service::GoogleKms;
        let key = self.version_name.clone();
        match (resp.status, status.as_str()) {
            (401, _) | (_, "UNAUTHENTICATED") => KmsError::InvalidCredentials {
                service,
                code: "UNAUTHENTICATED".into(),
            },
            // Google says "(or it may not exist)": a missing key looks the same.
            (403, _) | (_, "PERMISSION_DENIED") => KmsError::AccessDenied {
                service,
                key,
                grant: permission.to_string(),
                message,
            },
            (404, _) | (_, "NOT_FOUND") => KmsError::KeyNotFound { service, key },
            (_, "FAILED_PRECONDITION") => KmsError::KeyUnusable {
                service,
                key,
                state: message,
            },
            (status_code, _) => KmsError::Refused {
                service,
                status: status_code,
                code: status,
                message,
            },
        }
    }
}

/// An Int64Value field: a JSON string (numbers accepted too); anything else is no value,
/// so a check on it fails as an integrity check, not as an unreadable answer.
#[derive(Deserialize)]
#[serde(untagged)]
enum Int64 {
    Text(String),
    Number(u64),
    Other(IgnoredAny),
}

/// A CRC32C as Google sends it, if it is one.
fn crc_field(v: &Option<Int64>) -> Option<u32> {
    match v {
        Some(Int64::Text(s)) => s.parse().ok(),
        Some(Int64::Number(n)) => u32::try_from(*n).ok(),
        _ => None,
    }
}

/// `getPublicKey`'s answer.
#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct PublicKeyAnswer {
    pem: Option<String>,
    pem_crc32c: Option<Int64>,
    name: Option<String>,
    algorithm: Option<String>,
}

/// `asymmetricSign`'s answer.
#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct SignAnswer {
    signature: Option<String>,
    signature_crc32c: Option<Int64>,
    verified_digest_crc32c: Option<bool>,
    name: Option<String>,
}

/// Google's error body, `{"error":{"status":…,"message":…}}`.
#[derive(Deserialize, Default)]
struct ErrorAnswer {
    error: Option<ErrorBody>,
}

/// The error's status and message.
#[derive(Deserialize, Default)]
struct ErrorBody {
    status: Option<String>,
    message: Option<String>,
}

impl KeyService for CloudKms {
    fn service(&self) -> Service {
        Service::GoogleKms
    }

    fn key(&self) -> &str {
        &self.version_name
    }

    /// `GET …/cryptoKeyVersions/N/publicKey`.
    fn public_key_request(&self, _now: i64) -> ServiceRequest {
        self.request(Method::Get, "/publicKey")
    }

    /// `POST …:asymmetricSign` with the SHA-256 digest and its CRC32C.
    fn sign_request(&self, signing_input: &[u8], _now: i64) -> ServiceRequest {
        let digest = sha256(signing_input);
        let (sha256, crc) = (b64().encode(digest), crc32c(&digest).to_string());
        self.request(Method::Post, ":asymmetricSign").json(&[
            ("digest", Json::Object(&[("sha256", Json::Str(&sha256))])),
            ("digestCrc32c", Json::Str(&crc)),
        ])
    }

    /// Reads the public key; checks its CRC32C, its name, and that it is an RSA PKCS#1
    /// v1.5 SHA-256 signing key.
    fn parse_public_key(
        &self,
        resp: &ServiceResponse,
    ) -> Result<(CheckedKey, RsaPublicKey), KmsError> {
        if !resp.ok() {
            return Err(self.failure(resp, VIEW_PERMISSION));
        }
        let v: PublicKeyAnswer = resp.typed(Service::GoogleKms)?;
        let service = Service::GoogleKms;
        let key = self.version_name.as_str();
        let pem = v.pem.as_deref().ok_or(KmsError::BadResponse {
            service,
            what: "pem",
        })?;
        if crc_field(&v.pem_crc32c) != Some(crc32c(pem.as_bytes())) {
            return Err(KmsError::Integrity {
                service,
                check: "pemCrc32c",
            });
        }
        if v.name.as_deref().is_some_and(|n| n != key) {
            return Err(KmsError::Integrity {
                service,
                check: "name",
            });
        }
        let algorithm = v.algorithm.as_deref().unwrap_or("");
        let (name, kind) = (key.to_string(), algorithm.to_string());
        if algorithm.starts_with("EC_") || algorithm.contains("ED25519") {
            return Err(KmsError::NotRsa {
                service,
                key: name,
                kind,
            });
        }
        // RSA_DECRYPT_*, GOOGLE_SYMMETRIC_ENCRYPTION, HMAC_*: keys that do not sign.
        if !algorithm.starts_with("RSA_SIGN") {
            return Err(KmsError::NotForSigning {
                service,
                key: name,
                usage: kind,
            });
        }
        // RSA_SIGN_PSS_*, RSA_SIGN_RAW_PKCS1_*, or another hash.
        if !(algorithm.starts_with("RSA_SIGN_PKCS1_") && algorithm.ends_with("_SHA256")) {
            return Err(KmsError::WrongAlgorithm {
                service,
                key: name,
                algorithm: kind,
            });
        }
        let der = spki::pem_der(pem).ok_or(KmsError::BadResponse {
            service,
            what: "pem as a PUBLIC KEY block",
        })?;
        spki::check(service, key, &der)
    }

    /// Reads the signature; checks Google verified the digest's CRC32C, the signature's
    /// CRC32C, and that the version requested is the one that signed.
    fn parse_sign(&self, resp: &ServiceResponse) -> Result<Vec<u8>, KmsError> {
        if !resp.ok() {
            return Err(self.failure(resp, SIGN_PERMISSION));
        }
        let v: SignAnswer = resp.typed(Service::GoogleKms)?;
        let service = Service::GoogleKms;
        let sig = v
            .signature
            .and_then(|s| b64().decode(s).ok())
            .ok_or(KmsError::BadResponse {
                service,
                what: "signature as base64",
            })?;
        let integrity = |check| Err(KmsError::Integrity { service, check });
        if v.verified_digest_crc32c != Some(true) {
            return integrity("verifiedDigestCrc32c");
        }
        if crc_field(&v.signature_crc32c) != Some(crc32c(&sig)) {
            return integrity("signatureCrc32c");
        }
        if v.name.as_deref() != Some(self.version_name.as_str()) {
            return integrity("name");
        }
        Ok(sig)
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
            account: sts::service_account(sa)?,
            base_url: endpoint(
                env,
                "CLOUDSDK_API_ENDPOINT_OVERRIDES_IAMCREDENTIALS",
                sts::DEFAULT_IAMCREDENTIALS_URL,
            )?,
        }),
        None => None,
    };
    let sts = GoogleSts {
        base_url: endpoint(
            env,
            "CLOUDSDK_API_ENDPOINT_OVERRIDES_STS",
            sts::DEFAULT_STS_URL,
        )?,
        oidc_audience: non_empty(&settings.oidc_audience)
            .map(str::to_string)
            .unwrap_or_else(|| provider.default_audience()),
        provider,
    };
    Ok(Some((sts, impersonation)))
}

/// The key version `version_name`, with a token from `kms-access-token`, the
/// environment, or Google's keyless exchange.
pub fn resolve<X: Exchange>(
    settings: &Settings,
    env: Env,
    x: &X,
    mask: &dyn Fn(&str),
    version_name: String,
) -> Result<CloudKms, X::Error> {
    let token = google_token(settings, env, x, mask)?;
    Ok(CloudKms {
        base_url: settings
            .endpoint_override
            .clone()
            .unwrap_or_else(|| DEFAULT_BASE_URL.to_string()),
        version_name,
        token,
    })
}

#[cfg(test)]
mod tests {
    use crate::kms::resp;
    use serde_json::{Value, json};

    use super::*;
    use crate::kms::spki::SIGNING_INPUT;

    const NAME: &str = "projects/p/locations/global/keyRings/r/cryptoKeys/k/cryptoKeyVersions/1";

    fn kms() -> CloudKms {
        CloudKms {
            base_url: "http://127.0.0.1:9/".into(),
            version_name: NAME.into(),
            token: Secret::new("ya29.TOKEN"),
        }
    }

    #[test]
    fn sign_request_carries_the_recorded_digest_and_crc() {
        let req = kms().sign_request(SIGNING_INPUT.as_bytes(), 0);
        assert_eq!(
            req.url,
            format!("http://127.0.0.1:9/v1/{NAME}:asymmetricSign")
        );
        let body: Value = serde_json::from_slice(&req.body).unwrap();
        assert_eq!(
            body,
            json!({"digest":{"sha256":"ouWJSE32drYKbU1sC2bVhxGNZy79uVL2GLNXuSGKQ9s="},"digestCrc32c":"1627050769"})
        );
        assert!(!format!("{req:?}").contains("ya29"));
    }

    #[test]
    fn sign_answer_checks() {
        let sig = vec![7u8; 256];
        let good = json!({"signature": b64().encode(&sig), "signatureCrc32c": crc32c(&sig).to_string(), "verifiedDigestCrc32c": true, "name": NAME});
        assert_eq!(kms().parse_sign(&resp(200, good.clone())).unwrap(), sig);
        for (field, value, check) in [
            ("verifiedDigestCrc32c", json!(false), "verifiedDigestCrc32c"),
            ("signatureCrc32c", json!("1"), "signatureCrc32c"),
            ("name", json!(format!("{NAME}0")), "name"),
        ] {
            let mut bad = good.clone();
            bad[field] = value;
            assert_eq!(
                kms().parse_sign(&resp(200, bad)),
                Err(KmsError::Integrity {
                    service: Service::GoogleKms,
                    check
                })
            );
        }
        let denied = json!({"error":{"code":403,"message":"Permission 'cloudkms.cryptoKeyVersions.useToSign' denied on resource 'x' (or it may not exist).","status":"PERMISSION_DENIED"}});
        assert!(
            matches!(kms().parse_sign(&resp(403, denied)), Err(KmsError::AccessDenied { grant, .. }) if grant == SIGN_PERMISSION)
        );
        let unauth = json!({"error":{"code":401,"message":"Request had invalid authentication credentials.","status":"UNAUTHENTICATED"}});
        assert!(matches!(
            kms().parse_sign(&resp(401, unauth)),
            Err(KmsError::InvalidCredentials { .. })
        ));
    }

    #[test]
    fn public_key_checks() {
        let pem = crate::fixture("app.pub.pem");
        let body = |alg: &str| json!({"pem": pem, "pemCrc32c": crc32c(pem.as_bytes()).to_string(), "algorithm": alg, "name": NAME});
        assert_eq!(
            kms()
                .parse_public_key(&resp(200, body("RSA_SIGN_PKCS1_2048_SHA256")))
                .unwrap()
                .0
                .bits,
            2048
        );
        let kind = |alg| {
            format!(
                "{:?}",
                kms().parse_public_key(&resp(200, body(alg))).unwrap_err()
            )
        };
        assert!(kind("RSA_SIGN_PSS_2048_SHA256").starts_with("WrongAlgorithm"));
        assert!(kind("RSA_SIGN_PKCS1_4096_SHA512").starts_with("WrongAlgorithm"));
        assert!(kind("RSA_DECRYPT_OAEP_2048_SHA256").starts_with("NotForSigning"));
        assert!(kind("GOOGLE_SYMMETRIC_ENCRYPTION").starts_with("NotForSigning"));
        assert!(kind("EC_SIGN_P256_SHA256").starts_with("NotRsa"));
        let mut bad = body("RSA_SIGN_PKCS1_2048_SHA256");
        bad["pemCrc32c"] = json!("0");
        assert!(matches!(
            kms().parse_public_key(&resp(200, bad)),
            Err(KmsError::Integrity {
                check: "pemCrc32c",
                ..
            })
        ));
    }
}
