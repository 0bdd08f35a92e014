//! JWT auth: the login that trades the runner's OIDC token for a Vault token.

use serde::Deserialize;

use crate::kms::answer::{self, Field, Object};
use crate::kms::{
    Exchange, Json, KmsError, Method, Secret, Service, ServiceRequest, ServiceResponse,
};

use super::Server;

/// The login's answer, `{"auth": {"client_token": …}}`.
#[derive(Deserialize, Default)]
#[serde(default)]
struct LoginAnswer {
    auth: Object<Auth>,
}

/// The login's `auth`.
#[derive(Deserialize, Default)]
#[serde(default)]
struct Auth {
    client_token: Field<String>,
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
        let token = answer::read::<LoginAnswer>(resp, Service::Vault)?
            .auth
            .0
            .client_token
            .get()
            .filter(|t| !t.is_empty())
            .ok_or(KmsError::BadResponse {
                service: Service::Vault,
                what: "auth.client_token",
            })?;
        if !crate::kms::grammar::credential(&token) {
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

#[cfg(test)]
mod tests {
    use super::super::tests::transit;
    use super::*;
    use crate::kms::resp;

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
