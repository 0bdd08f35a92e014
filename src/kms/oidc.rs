//! The runner's OIDC token, as `@actions/core`'s `getIDToken` asks for it: `GET` the URL
//! in `ACTIONS_ID_TOKEN_REQUEST_URL` with `audience` set, bearer
//! `ACTIONS_ID_TOKEN_REQUEST_TOKEN`, and read `.value`.

use serde::Deserialize;

use super::address;
use super::answer::{self, Field};
use super::{Exchange, KmsError, Method, Secret, Service, ServiceRequest, ServiceResponse};

/// The audience AWS STS expects (configure-aws-credentials' default).
pub const AWS_AUDIENCE: &str = "sts.amazonaws.com";

/// The runner's answer, `{"count": …, "value": "<jwt>"}`.
#[derive(Deserialize, Default)]
#[serde(default)]
struct TokenAnswer {
    value: Field<String>,
}

/// Where and how to ask the runner for a token.
#[derive(Clone, Debug)]
pub struct TokenRequest {
    /// `ACTIONS_ID_TOKEN_REQUEST_URL`.
    pub url: String,
    /// `ACTIONS_ID_TOKEN_REQUEST_TOKEN`.
    pub request_token: Secret,
}

impl TokenRequest {
    /// From the runner's variables, present only with `permissions: id-token: write`.
    pub fn from_env(env: &dyn Fn(&str) -> Option<String>) -> Result<TokenRequest, KmsError> {
        let get = |k: &str| env(k).filter(|v| !v.trim().is_empty());
        match (
            get("ACTIONS_ID_TOKEN_REQUEST_URL"),
            get("ACTIONS_ID_TOKEN_REQUEST_TOKEN"),
        ) {
            (_, Some(token)) if !super::grammar::credential(token.trim()) => {
                Err(KmsError::BadCredential {
                    service: Service::ActionsOidc,
                    what: "ACTIONS_ID_TOKEN_REQUEST_TOKEN",
                })
            }
            (Some(url), Some(token)) => Ok(TokenRequest {
                url: url.trim().to_string(),
                request_token: Secret::new(token.trim()),
            }),
            _ => Err(KmsError::OidcUnavailable),
        }
    }

    /// The request for a token with `audience` (`None`: the runner's default, the owner's URL).
    pub fn request(&self, audience: Option<&str>) -> ServiceRequest {
        // Replace any audience already in the URL rather than send two.
        let audience = audience.filter(|a| !a.is_empty());
        let url = address::with_param(&self.url, "audience", audience);
        ServiceRequest::new(Service::ActionsOidc, Method::Get, url)
            .header(
                "Authorization",
                format!("Bearer {}", self.request_token.expose()),
            )
            .header("Accept", "application/json")
    }

    /// Reads `{"value": "<jwt>"}`.
    pub fn parse(resp: &ServiceResponse) -> Result<Secret, KmsError> {
        if !resp.ok() {
            return Err(KmsError::OidcRefused {
                status: resp.status,
            });
        }
        let token = answer::read::<TokenAnswer>(resp, Service::ActionsOidc)?
            .value
            .get()
            .filter(|v| !v.is_empty())
            .ok_or(KmsError::BadResponse {
                service: Service::ActionsOidc,
                what: "value",
            })?;
        if !super::grammar::credential(&token) {
            return Err(KmsError::BadCredential {
                service: Service::ActionsOidc,
                what: "value",
            });
        }
        Ok(Secret::new(token))
    }

    /// Fetches a token for `audience`.
    pub fn fetch<X: Exchange>(&self, x: &X, audience: Option<&str>) -> Result<Secret, X::Error> {
        let resp = x.exchange(&self.request(audience))?;
        Ok(TokenRequest::parse(&resp)?)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn runner(url: &str) -> TokenRequest {
        let env = |k: &str| match k {
            "ACTIONS_ID_TOKEN_REQUEST_URL" => Some(url.to_string()),
            "ACTIONS_ID_TOKEN_REQUEST_TOKEN" => Some("REQ-TOKEN".to_string()),
            _ => None,
        };
        TokenRequest::from_env(&env).unwrap()
    }

    #[test]
    fn audience_is_one_encoded_query_parameter() {
        let r = runner(
            "https://pipelines.actions.githubusercontent.com/abc/idtoken?api-version=2.0&audience=old",
        );
        let req = r.request(Some("https://github.com/acme org"));
        assert_eq!(
            req.url,
            "https://pipelines.actions.githubusercontent.com/abc/idtoken?api-version=2.0&audience=https%3A%2F%2Fgithub.com%2Facme%20org"
        );
        assert_eq!(
            runner("http://x/t").request(Some(AWS_AUDIENCE)).url,
            "http://x/t?audience=sts.amazonaws.com"
        );
        assert_eq!(runner("http://x/t?a=1").request(None).url, "http://x/t?a=1");
        assert!(
            req.headers
                .contains(&("Authorization".into(), "Bearer REQ-TOKEN".into()))
        );
        assert!(!format!("{req:?}{r:?}").contains("REQ-TOKEN"));
    }

    #[test]
    fn answers_and_absence() {
        assert_eq!(
            TokenRequest::from_env(&|_| None).unwrap_err(),
            KmsError::OidcUnavailable
        );
        let resp = |status, body: &str| ServiceResponse {
            status,
            headers: vec![],
            body: body.into(),
        };
        assert_eq!(
            TokenRequest::parse(&resp(200, r#"{"count":1,"value":"a.b.c"}"#))
                .unwrap()
                .expose(),
            "a.b.c"
        );
        assert!(matches!(
            TokenRequest::parse(&resp(200, r#"{"value":""}"#)),
            Err(KmsError::BadResponse { .. })
        ));
        assert_eq!(
            TokenRequest::parse(&resp(401, "")),
            Err(KmsError::OidcRefused { status: 401 })
        );
    }
}
