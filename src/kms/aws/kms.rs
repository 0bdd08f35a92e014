//! AWS KMS (`GetPublicKey`, `Sign` with `MessageType: RAW`) and STS
//! (`AssumeRoleWithWebIdentity`), configured the way the AWS SDKs read their environment.

use base64::Engine;
use serde::Deserialize;
use serde::de::DeserializeOwned;

use super::sigv4::{self, Credentials};
use super::{Env, aws_host, credential_error, error_code, region, var};
use crate::kms::address;
use crate::kms::spki::{self, RsaPublicKey};
use crate::kms::{
    CheckedKey, Json, KeyService, KmsError, Method, Service, ServiceRequest, ServiceResponse, b64,
};

/// The only algorithm the JWT's RS256 can use.
pub(crate) const ALGORITHM: &str = "RSASSA_PKCS1_V1_5_SHA_256";

/// `GetPublicKey`'s answer, as far as the checks read it. Absent or `null` fields (moto
/// sends `null` for what a key does not have) read as empty, so the check that needs one
/// names what is missing.
#[derive(Deserialize)]
#[serde(rename_all = "PascalCase")]
struct PublicKeyAnswer {
    key_usage: Option<String>,
    key_spec: Option<String>,
    customer_master_key_spec: Option<String>,
    signing_algorithms: Option<Vec<String>>,
    public_key: Option<String>,
}

/// `Sign`'s answer.
#[derive(Deserialize)]
#[serde(rename_all = "PascalCase")]
struct SignAnswer {
    signature: Option<String>,
}

/// Where and how to reach one KMS key.
#[derive(Clone, Debug)]
pub struct Kms {
    /// The KMS endpoint URL.
    pub url: String,
    /// The region requests are signed for (keys live in one region).
    pub region: String,
    /// The key id, ARN, alias or alias ARN, as given.
    pub key_id: String,
    /// The credentials that sign the requests.
    pub credentials: Credentials,
    /// Seconds to add to this machine's clock (AWS refuses requests 5 min off).
    pub clock_offset: i64,
}

impl Kms {
    /// The key `awskms://[endpoint]/key_id` names: the endpoint from the URI, else
    /// `AWS_ENDPOINT_URL_KMS`, else `AWS_ENDPOINT_URL`, else AWS's for the region.
    pub fn new(
        endpoint: Option<&str>,
        key_id: &str,
        credentials: Credentials,
        env: Env,
    ) -> Result<Kms, KmsError> {
        let region = region(key_id, env)?;
        let url = endpoint
            .map(str::to_string)
            .or_else(|| var(env, "AWS_ENDPOINT_URL_KMS"))
            .or_else(|| var(env, "AWS_ENDPOINT_URL"))
            .map(|e| address::endpoint(&e))
            .unwrap_or_else(|| aws_host("kms", &region));
        Ok(Kms {
            url,
            region,
            key_id: key_id.to_string(),
            credentials,
            clock_offset: 0,
        })
    }

    fn request(&self, operation: &str, body: &[(&str, Json)], now: i64) -> ServiceRequest {
        let mut req = ServiceRequest::new(Service::AwsKms, Method::Post, self.url.clone())
            .header("Content-Type", "application/x-amz-json-1.1")
            .header("X-Amz-Target", format!("TrentService.{operation}"));
        req.body = Json::Object(body).to_string().into_bytes();
        sigv4::sign(
            &mut req,
            &self.credentials,
            &self.region,
            "kms",
            &sigv4::amz_date(now + self.clock_offset),
        );
        req
    }

    fn answer<T: DeserializeOwned>(
        &self,
        resp: &ServiceResponse,
        permission: &str,
    ) -> Result<T, KmsError> {
        if resp.ok() {
            return resp.typed(Service::AwsKms);
        }
        let (code, message) = error_code(resp);
        let key = self.key_id.clone();
        let service = Service::AwsKms;
        Err(match code.as_str() {
            "NotFoundException" => KmsError::KeyNotFound { service, key },
            "AccessDeniedException" | "AccessDenied" => KmsError::AccessDenied {
                service,
                key,
                grant: permission.to_string(),
                message,
            },
            // Real KMS's answer to GetPublicKey on a symmetric key.
            "InvalidKeyUsageException" | "UnsupportedOperationException" => {
                KmsError::NotForSigning {
                    service,
                    key,
                    usage: message,
                }
            }
            // moto's words for what real KMS calls InvalidKeyUsageException.
            "ValidationException" if message.contains("SIGN_VERIFY") => KmsError::NotForSigning {
                service,
                key,
                usage: message,
            },
            "ValidationException" if message.contains("SigningAlgorithm") => {
                KmsError::WrongAlgorithm {
                    service,
                    key,
                    algorithm: message,
                }
            }
            "DisabledException" | "KMSInvalidStateException" | "KeyUnavailableException" => {
                KmsError::KeyUnusable {
                    service,
                    key,
                    state: code,
                }
            }
            _ => credential_error(service, resp.status, code, message),
        })
    }
}

impl KeyService for Kms {
    fn service(&self) -> Service {
        Service::AwsKms
    }

    fn key(&self) -> &str {
        &self.key_id
    }

    /// `GetPublicKey` for the key, signed at `now`.
    fn public_key_request(&self, now: i64) -> ServiceRequest {
        self.request("GetPublicKey", &[("KeyId", Json::Str(&self.key_id))], now)
    }

    /// `Sign` of the whole JWT signing input, signed at `now`: KMS hashes it (RAW), which
    /// real KMS and moto both do right (moto ignores `DIGEST` and hashes anyway).
    fn sign_request(&self, signing_input: &[u8], now: i64) -> ServiceRequest {
        let message = b64().encode(signing_input);
        let body = [
            ("KeyId", Json::Str(&self.key_id)),
            ("Message", Json::Str(&message)),
            ("MessageType", Json::Str("RAW")),
            ("SigningAlgorithm", Json::Str(ALGORITHM)),
        ];
        self.request("Sign", &body, now)
    }

    /// Reads `GetPublicKey`'s answer and checks the key signs RS256.
    fn parse_public_key(
        &self,
        resp: &ServiceResponse,
    ) -> Result<(CheckedKey, RsaPublicKey), KmsError> {
        let v: PublicKeyAnswer = self.answer(resp, "kms:GetPublicKey")?;
        let key = self.key_id.as_str();
        let usage = v.key_usage.unwrap_or_default();
        if usage != "SIGN_VERIFY" {
            return Err(KmsError::NotForSigning {
                service: Service::AwsKms,
                key: key.into(),
                usage,
            });
        }
        let spec = match v.key_spec.filter(|s| !s.is_empty()) {
            Some(spec) => spec,
            None => v.customer_master_key_spec.unwrap_or_default(),
        };
        let algorithms = v.signing_algorithms.unwrap_or_default();
        if !spec.starts_with("RSA_") {
            return Err(KmsError::NotRsa {
                service: Service::AwsKms,
                key: key.into(),
                kind: spec,
            });
        }
        if !algorithms.iter().any(|a| a == ALGORITHM) {
            return Err(KmsError::WrongAlgorithm {
                service: Service::AwsKms,
                key: key.into(),
                algorithm: algorithms.join(", "),
            });
        }
        let der = b64()
            .decode(v.public_key.unwrap_or_default())
            .map_err(|_| KmsError::BadResponse {
                service: Service::AwsKms,
                what: "PublicKey as base64",
            })?;
        spki::check(Service::AwsKms, key, &der)
    }

    /// Reads `Sign`'s answer: the signature bytes.
    fn parse_sign(&self, resp: &ServiceResponse) -> Result<Vec<u8>, KmsError> {
        let v: SignAnswer = self.answer(resp, "kms:Sign")?;
        v.signature
            .and_then(|s| b64().decode(s).ok())
            .ok_or(KmsError::BadResponse {
                service: Service::AwsKms,
                what: "Signature as base64",
            })
    }
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::super::tests::{creds, env};
    use super::*;
    use crate::kms::resp;

    #[test]
    fn sign_request_is_raw_rs256() {
        let kms = Kms::new(
            None,
            "alias/app",
            creds(),
            &env(&[("AWS_REGION", "us-east-1")]),
        )
        .unwrap();
        let req = kms.sign_request(b"header.claims", 1_700_000_000);
        let body: serde_json::Value = serde_json::from_slice(&req.body).unwrap();
        assert_eq!(body["MessageType"], "RAW");
        assert_eq!(body["SigningAlgorithm"], ALGORITHM);
        assert_eq!(
            b64().decode(body["Message"].as_str().unwrap()).unwrap(),
            b"header.claims"
        );
        assert!(
            req.headers
                .iter()
                .any(|(k, v)| k == "X-Amz-Target" && v == "TrentService.Sign")
        );
    }

    fn kms_nope() -> Kms {
        Kms::new(
            None,
            "alias/nope",
            creds(),
            &env(&[("AWS_REGION", "us-east-1")]),
        )
        .unwrap()
    }

    /// One test per KMS error answer (JSON 1.1 or query XML): the variant it becomes.
    macro_rules! kms_errors {
        ($($name:ident: $status:expr, $body:expr => $want:literal;)*) => {
            mod kms_errors {
                use super::*;
                $(
                    #[test]
                    fn $name() {
                        let err = kms_nope().parse_sign(&resp($status, $body)).unwrap_err();
                        assert!(format!("{err:?}").starts_with($want), "{}: {err:?}", $body);
                    }
                )*
            }
        };
    }

    kms_errors! {
        not_found: 400, r#"{"__type":"NotFoundException","message":"Alias … is not found."}"# => "KeyNotFound";
        access_denied_namespaced: 400, r#"{"__type":"com.amazonaws.kms#AccessDeniedException","message":"no"}"# => "AccessDenied";
        invalid_key_usage: 400, r#"{"__type":"InvalidKeyUsageException","message":"x"}"# => "NotForSigning";
        moto_validation_sign_verify: 400, r#"{"__type":"ValidationException","message":"1 validation error detected: Value 'k' at 'KeyId' failed to satisfy constraint: Member must point to a key with usage: 'SIGN_VERIFY'"}"# => "NotForSigning";
        disabled: 400, r#"{"__type":"DisabledException","message":"x"}"# => "KeyUnusable";
        unrecognized_client: 400, r#"{"__type":"UnrecognizedClientException","message":"x"}"# => "InvalidCredentials";
        xml_signature_does_not_match: 403, "<ErrorResponse><Error><Code>SignatureDoesNotMatch</Code><Message>m</Message></Error></ErrorResponse>" => "InvalidCredentials";
        expired_token: 400, r#"{"__type":"ExpiredTokenException","message":"x"}"# => "ExpiredCredentials";
        signature_expired_is_clock_skew: 400, r#"{"__type":"InvalidSignatureException","message":"Signature expired: 20150830T123600Z is now earlier than 20150830T124600Z (20150830T125100Z - 5 min.)"}"# => "ClockSkew";
        internal_error_is_refused: 500, r#"{"__type":"KMSInternalException","message":"x"}"# => "Refused";
    }

    #[test]
    fn access_denied_names_the_permission() {
        match kms_nope().parse_sign(&resp(
            400,
            r#"{"__type":"AccessDeniedException","message":"no"}"#,
        )) {
            Err(KmsError::AccessDenied { grant, .. }) => assert_eq!(grant, "kms:Sign"),
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn public_key_checks() {
        let kms = Kms::new(None, "k", creds(), &env(&[("AWS_REGION", "us-east-1")])).unwrap();
        let der = spki::pem_der(&crate::fixture("app.pub.pem")).unwrap();
        let body = |usage: &str, spec: &str, alg: &str| {
            json!({"KeyId":"k","PublicKey": b64().encode(&der),"KeyUsage":usage,"KeySpec":spec,"SigningAlgorithms":[alg]}).to_string()
        };
        let (checked, _) = kms
            .parse_public_key(&resp(200, body("SIGN_VERIFY", "RSA_2048", ALGORITHM)))
            .unwrap();
        assert_eq!(checked.bits, 2048);
        assert!(matches!(
            kms.parse_public_key(&resp(200, body("ENCRYPT_DECRYPT", "RSA_2048", ALGORITHM))),
            Err(KmsError::NotForSigning { .. })
        ));
        assert!(matches!(
            kms.parse_public_key(&resp(
                200,
                body("SIGN_VERIFY", "ECC_NIST_P256", "ECDSA_SHA_256")
            )),
            Err(KmsError::NotRsa { .. })
        ));
        assert!(matches!(
            kms.parse_public_key(&resp(
                200,
                body("SIGN_VERIFY", "RSA_2048", "RSASSA_PSS_SHA_256")
            )),
            Err(KmsError::WrongAlgorithm { .. })
        ));
    }
}
