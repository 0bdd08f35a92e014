//! STS `AssumeRoleWithWebIdentity`: the runner's OIDC token for a role's credentials.

use super::sigv4::Credentials;
use super::{Env, aws_host, credential_error, error_code, var};
use crate::kms::address;
use crate::kms::{
    Exchange, KmsError, Method, Secret, Service, ServiceRequest, ServiceResponse, grammar, xml,
};

/// STS's shortest session, plenty for two signatures.
const SESSION_SECS: u32 = 900;

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
            .map(|e| address::endpoint(&e))
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
        let form = address::form(&[
            ("Action", "AssumeRoleWithWebIdentity"),
            ("Version", "2011-06-15"),
            ("RoleArn", self.role_arn.as_str()),
            ("RoleSessionName", self.session_name.as_str()),
            ("WebIdentityToken", oidc_token.expose()),
            ("DurationSeconds", &SESSION_SECS.to_string()),
        ]);
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
    use super::super::tests::env;
    use super::*;
    use crate::kms::resp;

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
