//! AWS KMS (`GetPublicKey`, `Sign` with `MessageType: RAW`) and STS
//! (`AssumeRoleWithWebIdentity`), configured the way the AWS SDKs read their environment.

pub mod kms;
pub mod sigv4;
pub mod sts;

use serde::Deserialize;

use super::Exchange;
use super::answer::{self, Field};
use super::grammar;
use super::oidc;
use super::settings::{Settings, non_empty, oidc_token};
use super::{KmsError, Secret, Service, ServiceResponse, short, xml};
pub use kms::Kms;
pub use sigv4::Credentials;
pub use sts::Sts;

use crate::env::Env;

fn var(env: Env, name: &str) -> Option<String> {
    env(name)
        .map(|v| v.trim().to_string())
        .filter(|v| !v.is_empty())
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

/// An AWS error in JSON 1.1: `__type` (else `code`) and `message` (else `Message`).
#[derive(Deserialize, Default)]
#[serde(default)]
struct JsonError {
    #[serde(rename = "__type")]
    kind: Field<String>,
    code: Field<String>,
    message: Field<String>,
    #[serde(rename = "Message")]
    message_capitalised: Field<String>,
}

/// `(code, message)` of an AWS error in JSON 1.1 (`__type`, `message`) or query XML
/// (`<Code>`, `<Message>`), the code without its `namespace#` prefix.
fn error_code(resp: &ServiceResponse) -> (String, String) {
    let body = String::from_utf8_lossy(&resp.body);
    let (code, message) = match answer::parse::<JsonError>(body.as_bytes()) {
        Some(v) => (
            v.kind.get().or(v.code.get()),
            v.message.get().or(v.message_capitalised.get()),
        ),
        None => (xml::text(&body, "Code"), xml::text(&body, "Message")),
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

/// The KMS key `awskms://[endpoint]/key_id` names, signed for with the credentials in
/// the environment or, with `aws-role-arn`, the role's from STS.
pub fn resolve<X: Exchange>(
    settings: &Settings,
    env: Env,
    x: &X,
    mask: &dyn Fn(&str),
    endpoint: Option<&str>,
    key_id: &str,
) -> Result<Kms, X::Error> {
    let from_env = env_credentials(env)?;
    if let Some(c) = &from_env {
        mask_credentials(c, mask);
    }
    let credentials = match (non_empty(&settings.aws_role_arn), from_env) {
        (Some(role), _) => assume_role(settings, env, x, mask, role, key_id)?,
        (None, Some(c)) => c,
        (None, None) => {
            return Err(KmsError::MissingSetting {
                service: Service::AwsKms,
                missing: "AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY, or aws-role-arn",
            }
            .into());
        }
    };
    Ok(Kms::new(endpoint, key_id, credentials, env)?)
}

fn mask_credentials(c: &Credentials, mask: &dyn Fn(&str)) {
    mask(c.secret_access_key.expose());
    if let Some(t) = &c.session_token {
        mask(t.expose());
    }
}

/// The runner's OIDC token traded at STS for `role`'s credentials, masked on arrival.
fn assume_role<X: Exchange>(
    settings: &Settings,
    env: Env,
    x: &X,
    mask: &dyn Fn(&str),
    role: &str,
    key_id: &str,
) -> Result<Credentials, X::Error> {
    let audience = non_empty(&settings.oidc_audience).unwrap_or(oidc::AWS_AUDIENCE);
    let token = oidc_token(x, env, Some(audience), mask)?;
    let region = match region(key_id, env) {
        Ok(r) => Some(r),
        Err(KmsError::RegionMissing { .. }) => None,
        Err(e) => return Err(e.into()),
    };
    let sts = Sts::new(role, &settings.session_name, region.as_deref(), env);
    let c = sts.assume(x, &token)?;
    mask_credentials(&c, mask);
    Ok(c)
}

#[cfg(test)]
pub(super) mod tests {
    use std::collections::HashMap;

    use super::*;

    pub(super) fn env(pairs: &[(&str, &str)]) -> impl Fn(&str) -> Option<String> {
        let map: HashMap<String, String> = pairs
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect();
        move |k| map.get(k).cloned()
    }

    pub(super) fn creds() -> Credentials {
        Credentials {
            access_key_id: "AKID".into(),
            secret_access_key: Secret::new("SECRET"),
            session_token: None,
        }
    }

    const ARN: &str = "arn:aws:kms:eu-west-1:111122223333:alias/app";

    #[test]
    fn region_from_the_arn_then_the_environment() {
        let arn = ARN;
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
    }

    #[test]
    fn a_region_that_is_not_one_is_refused() {
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
    }

    #[test]
    fn kms_endpoint_from_the_uri_then_the_environment_then_the_region() {
        let kms = Kms::new(None, ARN, creds(), &env(&[])).unwrap();
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
}
