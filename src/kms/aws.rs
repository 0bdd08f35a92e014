//! AWS KMS (`GetPublicKey`, `Sign` with `MessageType: RAW`) and STS
//! (`AssumeRoleWithWebIdentity`), configured the way the AWS SDKs read their environment.

use base64::Engine;

use super::grammar;
use super::sigv4::{self, Credentials};
use super::spki::{self, RsaPublicKey};
use super::{
    CheckedKey, Exchange, Json, KeyService, KmsError, Method, Secret, Service, ServiceRequest,
    ServiceResponse, b64, percent_encode, short, xml,
};

/// The only algorithm the JWT's RS256 can use.
const ALGORITHM: &str = "RSASSA_PKCS1_V1_5_SHA_256";
/// STS's shortest session, plenty for two signatures.
const SESSION_SECS: u32 = 900;

pub use crate::env::Env;

fn var(env: Env, name: &str) -> Option<String> {
    env(name)
        .map(|v| v.trim().to_string())
        .filter(|v| !v.is_empty())
}

/// `https://host/` from an endpoint given as `host[:port]` or as a URL.
fn endpoint_url(endpoint: &str) -> String {
    let url = if endpoint.contains("://") {
        endpoint.to_string()
    } else {
        format!("https://{endpoint}")
    };
    if url
        .split_once("://")
        .is_some_and(|(_, rest)| rest.contains('/'))
    {
        url
    } else {
        format!("{url}/")
    }
}

fn aws_host(service: &str, region: &str) -> String {
    let suffix = if region.starts_with("cn-") {
        "amazonaws.com.cn"
    } else {
        "amazonaws.com"
    };
    format!("https://{service}.{region}.{suffix}/")
}

/// The region in a key or alias ARN (`arn:<partition>:kms:<region>:…`).
fn arn_region(key_id: &str) -> Option<&str> {
    let mut parts = key_id.split(':');
    (parts.next() == Some("arn")).then_some(())?;
    let _partition = parts.next()?;
    (parts.next() == Some("kms")).then_some(())?;
    parts.next().filter(|r| !r.is_empty())
}

/// The region to use: the key ARN's, else `AWS_REGION`, else `AWS_DEFAULT_REGION`.
/// A region from the environment must be a region: it becomes part of the endpoint's host.
pub fn region(key_id: &str, env: Env) -> Result<String, KmsError> {
    if let Some(r) = arn_region(key_id) {
        return Ok(r.to_string());
    }
    for input in ["AWS_REGION", "AWS_DEFAULT_REGION"] {
        if let Some(r) = var(env, input) {
            if !grammar::aws_region(&r) {
                return Err(KmsError::BadSetting {
                    input,
                    value: r,
                    rule: grammar::Rule::AwsRegion,
                });
            }
            return Ok(r);
        }
    }
    Err(KmsError::RegionMissing {
        key: key_id.to_string(),
    })
}

/// Credentials from `AWS_ACCESS_KEY_ID`, `AWS_SECRET_ACCESS_KEY` and `AWS_SESSION_TOKEN`;
/// `None` when neither key variable is set.
pub fn env_credentials(env: Env) -> Result<Option<Credentials>, KmsError> {
    match (
        var(env, "AWS_ACCESS_KEY_ID"),
        var(env, "AWS_SECRET_ACCESS_KEY"),
    ) {
        (None, None) => Ok(None),
        (Some(access_key_id), Some(secret)) => {
            let check = |what: &'static str, v: &str| {
                if grammar::credential(v) {
                    Ok(Secret::new(v))
                } else {
                    Err(KmsError::BadCredential {
                        service: Service::AwsKms,
                        what,
                    })
                }
            };
            check("AWS_ACCESS_KEY_ID", &access_key_id)?;
            Ok(Some(Credentials {
                secret_access_key: check("AWS_SECRET_ACCESS_KEY", &secret)?,
                session_token: var(env, "AWS_SESSION_TOKEN")
                    .map(|t| check("AWS_SESSION_TOKEN", &t))
                    .transpose()?,
                access_key_id,
            }))
        }
        (Some(_), None) => Err(KmsError::MissingSetting {
            service: Service::AwsKms,
            missing: "AWS_SECRET_ACCESS_KEY",
        }),
        (None, Some(_)) => Err(KmsError::MissingSetting {
            service: Service::AwsKms,
            missing: "AWS_ACCESS_KEY_ID",
        }),
    }
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
            .map(|e| endpoint_url(&e))
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

    /// `GetPublicKey` for the key, signed at Unix time `now`.
    pub fn public_key_request_at(&self, now: i64) -> ServiceRequest {
        self.request("GetPublicKey", &[("KeyId", Json::Str(&self.key_id))], now)
    }

    /// `Sign` of the whole JWT signing input: KMS hashes it (RAW), which real KMS and moto
    /// both do right (moto ignores `DIGEST` and hashes anyway).
    pub fn sign_request_at(&self, signing_input: &[u8], now: i64) -> ServiceRequest {
        let message = b64().encode(signing_input);
        let body = [
            ("KeyId", Json::Str(&self.key_id)),
            ("Message", Json::Str(&message)),
            ("MessageType", Json::Str("RAW")),
            ("SigningAlgorithm", Json::Str(ALGORITHM)),
        ];
        self.request("Sign", &body, now)
    }

    fn answer(
        &self,
        resp: &ServiceResponse,
        permission: &str,
    ) -> Result<serde_json::Value, KmsError> {
        if resp.ok() {
            return resp.json(Service::AwsKms);
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

    fn public_key_request(&self) -> ServiceRequest {
        self.public_key_request_at(crate::time::now())
    }

    fn sign_request(&self, signing_input: &[u8]) -> ServiceRequest {
        self.sign_request_at(signing_input, crate::time::now())
    }

    /// Reads `GetPublicKey`'s answer and checks the key signs RS256.
    fn parse_public_key(
        &self,
        resp: &ServiceResponse,
    ) -> Result<(CheckedKey, RsaPublicKey), KmsError> {
        let v = self.answer(resp, "kms:GetPublicKey")?;
        let key = self.key_id.as_str();
        let s = |k: &str| v.get(k).and_then(|x| x.as_str()).unwrap_or("");
        let usage = s("KeyUsage");
        if usage != "SIGN_VERIFY" {
            return Err(KmsError::NotForSigning {
                service: Service::AwsKms,
                key: key.into(),
                usage: usage.into(),
            });
        }
        let spec = if s("KeySpec").is_empty() {
            s("CustomerMasterKeySpec")
        } else {
            s("KeySpec")
        };
        if !spec.starts_with("RSA_") {
            return Err(KmsError::NotRsa {
                service: Service::AwsKms,
                key: key.into(),
                kind: spec.into(),
            });
        }
        let algorithms: Vec<&str> = v
            .get("SigningAlgorithms")
            .and_then(|a| a.as_array())
            .map(|a| a.iter().filter_map(|x| x.as_str()).collect())
            .unwrap_or_default();
        if !algorithms.contains(&ALGORITHM) {
            return Err(KmsError::WrongAlgorithm {
                service: Service::AwsKms,
                key: key.into(),
                algorithm: algorithms.join(", "),
            });
        }
        let der = b64()
            .decode(s("PublicKey"))
            .map_err(|_| KmsError::BadResponse {
                service: Service::AwsKms,
                what: "PublicKey as base64",
            })?;
        spki::check(Service::AwsKms, key, &der)
    }

    /// Reads `Sign`'s answer: the signature bytes.
    fn parse_sign(&self, resp: &ServiceResponse) -> Result<Vec<u8>, KmsError> {
        let v = self.answer(resp, "kms:Sign")?;
        v.get("Signature")
            .and_then(|s| s.as_str())
            .and_then(|s| b64().decode(s).ok())
            .ok_or(KmsError::BadResponse {
                service: Service::AwsKms,
                what: "Signature as base64",
            })
    }
}

/// The authentication codes of KMS (JSON) and of moto or STS (query XML), else a refusal.
fn credential_error(service: Service, status: u16, code: String, message: String) -> KmsError {
    match code.as_str() {
        // "Signature expired: 20150830T123600Z is now earlier than … (… - 5 min.)"
        "InvalidSignatureException" | "SignatureDoesNotMatch"
            if message.contains("Signature expired") =>
        {
            KmsError::ClockSkew { service, message }
        }
        "UnrecognizedClientException"
        | "InvalidClientTokenId"
        | "InvalidSignatureException"
        | "SignatureDoesNotMatch"
        | "IncompleteSignature"
        | "MissingAuthenticationToken"
        | "InvalidAccessKeyId" => KmsError::InvalidCredentials { service, code },
        "ExpiredTokenException" | "ExpiredToken" | "RequestExpired" => {
            KmsError::ExpiredCredentials { service, code }
        }
        _ => KmsError::Refused {
            service,
            status,
            code,
            message,
        },
    }
}

/// `(code, message)` of an AWS error in JSON 1.1 (`__type`, `message`) or query XML
/// (`<Code>`, `<Message>`), the code without its `namespace#` prefix.
fn error_code(resp: &ServiceResponse) -> (String, String) {
    let body = String::from_utf8_lossy(&resp.body);
    let (code, message) = match serde_json::from_str::<serde_json::Value>(&body) {
        Ok(v) => {
            let s = |k: &str| v.get(k).and_then(|x| x.as_str()).map(str::to_string);
            (
                s("__type").or_else(|| s("code")),
                s("message").or_else(|| s("Message")),
            )
        }
        Err(_) => (xml::text(&body, "Code"), xml::text(&body, "Message")),
    };
    let code = code
        .or_else(|| {
            resp.header("x-amzn-errortype")
                .map(|h| h.split(':').next().unwrap_or("").to_string())
        })
        .unwrap_or_default();
    let code = code.rsplit('#').next().unwrap_or("").to_string();
    (code, short(&message.unwrap_or_default()))
}

/// STS `AssumeRoleWithWebIdentity`: the runner's OIDC token for a role's credentials.
#[derive(Clone, Debug)]
pub struct Sts {
    /// The STS endpoint URL.
    pub url: String,
    /// The role to assume.
    pub role_arn: String,
    /// The session name AWS records in CloudTrail (2 to 64 characters).
    pub session_name: String,
}

impl Sts {
    /// STS at `AWS_ENDPOINT_URL_STS`, else `AWS_ENDPOINT_URL`, else the region's (the
    /// global endpoint if no region is known).
    pub fn new(role_arn: &str, session_name: &str, region: Option<&str>, env: Env) -> Sts {
        let url = var(env, "AWS_ENDPOINT_URL_STS")
            .or_else(|| var(env, "AWS_ENDPOINT_URL"))
            .map(|e| endpoint_url(&e))
            .unwrap_or_else(|| match region {
                Some(r) => aws_host("sts", r),
                None => "https://sts.amazonaws.com/".to_string(),
            });
        // STS wants [\w+=,.@-]{2,64}; anything else would only earn a ValidationError.
        let mut name: String = session_name
            .chars()
            .map(|c| {
                if c.is_ascii_alphanumeric() || "+=,.@-_".contains(c) {
                    c
                } else {
                    '-'
                }
            })
            .take(64)
            .collect();
        while name.len() < 2 {
            name.push('-');
        }
        Sts {
            url,
            role_arn: role_arn.to_string(),
            session_name: name,
        }
    }

    /// The unsigned query-protocol request that trades `oidc_token` for credentials.
    pub fn request(&self, oidc_token: &Secret) -> ServiceRequest {
        let form = [
            ("Action", "AssumeRoleWithWebIdentity"),
            ("Version", "2011-06-15"),
            ("RoleArn", self.role_arn.as_str()),
            ("RoleSessionName", self.session_name.as_str()),
            ("WebIdentityToken", oidc_token.expose()),
            ("DurationSeconds", &SESSION_SECS.to_string()),
        ]
        .iter()
        .map(|(k, v)| format!("{k}={}", percent_encode(v)))
        .collect::<Vec<_>>()
        .join("&");
        let mut req = ServiceRequest::new(Service::AwsSts, Method::Post, self.url.clone()).header(
            "Content-Type",
            "application/x-www-form-urlencoded; charset=utf-8",
        );
        req.body = form.into_bytes();
        req
    }

    /// Reads the XML answer: the role's temporary credentials.
    pub fn parse(&self, resp: &ServiceResponse) -> Result<Credentials, KmsError> {
        let body = String::from_utf8_lossy(&resp.body);
        if !resp.ok() {
            let (code, message) = error_code(resp);
            return Err(match code.as_str() {
                "InvalidIdentityToken"
                | "IDPRejectedClaim"
                | "AccessDenied"
                | "ExpiredTokenException"
                | "IDPCommunicationError" => KmsError::LoginRefused {
                    service: Service::AwsSts,
                    role: self.role_arn.clone(),
                    code,
                    message,
                },
                _ => credential_error(Service::AwsSts, resp.status, code, message),
            });
        }
        let fields = xml::texts(&body, &["AccessKeyId", "SecretAccessKey", "SessionToken"]);
        let [Some(access_key_id), Some(secret), Some(token)] = fields else {
            return Err(KmsError::BadResponse {
                service: Service::AwsSts,
                what: "Credentials (AccessKeyId, SecretAccessKey, SessionToken)",
            });
        };
        // XML character references can decode to anything: refuse what cannot be a credential.
        for (what, v) in [
            ("AccessKeyId", &access_key_id),
            ("SecretAccessKey", &secret),
            ("SessionToken", &token),
        ] {
            if !grammar::credential(v) {
                return Err(KmsError::BadCredential {
                    service: Service::AwsSts,
                    what,
                });
            }
        }
        Ok(Credentials {
            access_key_id,
            secret_access_key: Secret::new(secret),
            session_token: Some(Secret::new(token)),
        })
    }

    /// Trades `oidc_token` for the role's credentials.
    pub fn assume<X: Exchange>(&self, x: &X, oidc_token: &Secret) -> Result<Credentials, X::Error> {
        let resp = x.exchange(&self.request(oidc_token))?;
        Ok(self.parse(&resp)?)
    }
}

#[cfg(test)]
mod tests {
    use std::collections::HashMap;

    use serde_json::json;

    use super::*;

    fn env(pairs: &[(&str, &str)]) -> impl Fn(&str) -> Option<String> {
        let map: HashMap<String, String> = pairs
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect();
        move |k| map.get(k).cloned()
    }

    fn creds() -> Credentials {
        Credentials {
            access_key_id: "AKID".into(),
            secret_access_key: Secret::new("SECRET"),
            session_token: None,
        }
    }

    fn resp(status: u16, body: &str) -> ServiceResponse {
        ServiceResponse {
            status,
            headers: vec![],
            body: body.as_bytes().to_vec(),
        }
    }

    #[test]
    fn region_and_endpoint_resolution() {
        let arn = "arn:aws:kms:eu-west-1:111122223333:alias/app";
        let e = env(&[
            ("AWS_REGION", "us-east-2"),
            ("AWS_DEFAULT_REGION", "us-west-1"),
        ]);
        assert_eq!(region(arn, &e).unwrap(), "eu-west-1");
        assert_eq!(region("alias/app", &e).unwrap(), "us-east-2");
        assert_eq!(
            region(
                "alias/app",
                &env(&[("AWS_DEFAULT_REGION", "us-west-1"), ("AWS_REGION", "")])
            )
            .unwrap(),
            "us-west-1"
        );
        assert_eq!(
            region("alias/app", &env(&[])),
            Err(KmsError::RegionMissing {
                key: "alias/app".into()
            })
        );

        // A region becomes part of a host name: anything else is refused, not sent.
        for bad in [
            "x.evil.example/?",
            "us east-1",
            "US-EAST-1",
            "us-east-1\u{1b}",
        ] {
            assert!(
                matches!(
                    region("alias/app", &env(&[("AWS_REGION", bad)])),
                    Err(KmsError::BadSetting {
                        input: "AWS_REGION",
                        ..
                    })
                ),
                "{bad:?}"
            );
        }
        let kms = Kms::new(None, arn, creds(), &env(&[])).unwrap();
        assert_eq!(kms.url, "https://kms.eu-west-1.amazonaws.com/");
        let e = env(&[
            ("AWS_REGION", "cn-north-1"),
            ("AWS_ENDPOINT_URL", "http://127.0.0.1:1"),
        ]);
        assert_eq!(
            Kms::new(None, "k", creds(), &e).unwrap().url,
            "http://127.0.0.1:1/"
        );
        let e = env(&[
            ("AWS_REGION", "cn-north-1"),
            ("AWS_ENDPOINT_URL", "http://a"),
            ("AWS_ENDPOINT_URL_KMS", "http://b:2"),
        ]);
        assert_eq!(Kms::new(None, "k", creds(), &e).unwrap().url, "http://b:2/");
        assert_eq!(
            Kms::new(Some("localhost:4566"), "k", creds(), &e)
                .unwrap()
                .url,
            "https://localhost:4566/"
        );
        assert_eq!(
            Kms::new(None, "k", creds(), &env(&[("AWS_REGION", "cn-north-1")]))
                .unwrap()
                .url,
            "https://kms.cn-north-1.amazonaws.com.cn/"
        );
    }

    #[test]
    fn credentials_from_env() {
        assert!(env_credentials(&env(&[])).unwrap().is_none());
        let c = env_credentials(&env(&[
            ("AWS_ACCESS_KEY_ID", "A"),
            ("AWS_SECRET_ACCESS_KEY", "S"),
            ("AWS_SESSION_TOKEN", "T"),
        ]))
        .unwrap()
        .unwrap();
        assert_eq!(
            (c.access_key_id.as_str(), c.secret_access_key.expose()),
            ("A", "S")
        );
        assert_eq!(c.session_token.unwrap().expose(), "T");
        assert_eq!(
            env_credentials(&env(&[("AWS_ACCESS_KEY_ID", "A")])).unwrap_err(),
            KmsError::MissingSetting {
                service: Service::AwsKms,
                missing: "AWS_SECRET_ACCESS_KEY"
            }
        );
    }

    #[test]
    fn sign_request_is_raw_rs256() {
        let kms = Kms::new(
            None,
            "alias/app",
            creds(),
            &env(&[("AWS_REGION", "us-east-1")]),
        )
        .unwrap();
        let req = kms.sign_request_at(b"header.claims", 1_700_000_000);
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

    #[test]
    fn kms_errors_json_and_xml() {
        let kms = Kms::new(
            None,
            "alias/nope",
            creds(),
            &env(&[("AWS_REGION", "us-east-1")]),
        )
        .unwrap();
        let cases = [
            (
                400,
                r#"{"__type":"NotFoundException","message":"Alias … is not found."}"#,
                "KeyNotFound",
            ),
            (
                400,
                r#"{"__type":"com.amazonaws.kms#AccessDeniedException","message":"no"}"#,
                "AccessDenied",
            ),
            (
                400,
                r#"{"__type":"InvalidKeyUsageException","message":"x"}"#,
                "NotForSigning",
            ),
            (
                400,
                r#"{"__type":"ValidationException","message":"1 validation error detected: Value 'k' at 'KeyId' failed to satisfy constraint: Member must point to a key with usage: 'SIGN_VERIFY'"}"#,
                "NotForSigning",
            ),
            (
                400,
                r#"{"__type":"DisabledException","message":"x"}"#,
                "KeyUnusable",
            ),
            (
                400,
                r#"{"__type":"UnrecognizedClientException","message":"x"}"#,
                "InvalidCredentials",
            ),
            (
                403,
                "<ErrorResponse><Error><Code>SignatureDoesNotMatch</Code><Message>m</Message></Error></ErrorResponse>",
                "InvalidCredentials",
            ),
            (
                400,
                r#"{"__type":"ExpiredTokenException","message":"x"}"#,
                "ExpiredCredentials",
            ),
            (
                400,
                r#"{"__type":"InvalidSignatureException","message":"Signature expired: 20150830T123600Z is now earlier than 20150830T124600Z (20150830T125100Z - 5 min.)"}"#,
                "ClockSkew",
            ),
            (
                500,
                r#"{"__type":"KMSInternalException","message":"x"}"#,
                "Refused",
            ),
        ];
        for (status, body, want) in cases {
            let err = kms.parse_sign(&resp(status, body)).unwrap_err();
            assert!(format!("{err:?}").starts_with(want), "{body}: {err:?}");
        }
        match kms.parse_sign(&resp(
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
            .parse_public_key(&resp(200, &body("SIGN_VERIFY", "RSA_2048", ALGORITHM)))
            .unwrap();
        assert_eq!(checked.bits, 2048);
        assert!(matches!(
            kms.parse_public_key(&resp(200, &body("ENCRYPT_DECRYPT", "RSA_2048", ALGORITHM))),
            Err(KmsError::NotForSigning { .. })
        ));
        assert!(matches!(
            kms.parse_public_key(&resp(
                200,
                &body("SIGN_VERIFY", "ECC_NIST_P256", "ECDSA_SHA_256")
            )),
            Err(KmsError::NotRsa { .. })
        ));
        assert!(matches!(
            kms.parse_public_key(&resp(
                200,
                &body("SIGN_VERIFY", "RSA_2048", "RSASSA_PSS_SHA_256")
            )),
            Err(KmsError::WrongAlgorithm { .. })
        ));
    }

    #[test]
    fn sts_request_and_answer() {
        let sts = Sts::new("arn:aws:iam::1:role/r", "x", Some("eu-west-1"), &env(&[]));
        assert_eq!(sts.url, "https://sts.eu-west-1.amazonaws.com/");
        assert_eq!(sts.session_name, "x-");
        let req = sts.request(&Secret::new("e.y.J"));
        let body = String::from_utf8(req.body.clone()).unwrap();
        assert!(
            body.contains("RoleArn=arn%3Aaws%3Aiam%3A%3A1%3Arole%2Fr&"),
            "{body}"
        );
        assert!(body.contains("WebIdentityToken=e.y.J&DurationSeconds=900"));
        assert!(!format!("{req:?}").contains("e.y.J"));

        let ok = "<AssumeRoleWithWebIdentityResponse><AssumeRoleWithWebIdentityResult><Credentials><AccessKeyId>ASIA1</AccessKeyId><SecretAccessKey>s/k+</SecretAccessKey><SessionToken>tok</SessionToken><Expiration>2026-12-01T07:33:46Z</Expiration></Credentials></AssumeRoleWithWebIdentityResult></AssumeRoleWithWebIdentityResponse>";
        let c = sts.parse(&resp(200, ok)).unwrap();
        assert_eq!(
            (c.access_key_id.as_str(), c.secret_access_key.expose()),
            ("ASIA1", "s/k+")
        );
        let denied = "<ErrorResponse><Error><Type>Sender</Type><Code>AccessDenied</Code><Message>Not authorized to perform sts:AssumeRoleWithWebIdentity</Message></Error></ErrorResponse>";
        assert!(
            matches!(sts.parse(&resp(403, denied)), Err(KmsError::LoginRefused { code, .. }) if code == "AccessDenied")
        );
        assert!(matches!(
            sts.parse(&resp(200, "<x/>")),
            Err(KmsError::BadResponse { .. })
        ));
        // Character references that decode to control characters or line breaks.
        for (field, value) in [
            ("SessionToken", "tok&#10;::set-output name=x::y"),
            ("SecretAccessKey", "s&#x1b;[0m"),
            ("AccessKeyId", "ASIA&#13;1"),
            ("SessionToken", "t&#x85;"),
        ] {
            let xml = ok.replace(&format!("<{field}>"), &format!("<{field}>{value}"));
            assert_eq!(
                sts.parse(&resp(200, &xml)).unwrap_err(),
                KmsError::BadCredential {
                    service: Service::AwsSts,
                    what: field
                },
                "{xml}"
            );
        }
    }
}
