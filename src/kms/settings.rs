//! What the user configured for a key service, checked against each input's grammar
//! before any request, and the helpers every service's `resolve` shares to read its
//! environment and mask each secret the moment it is read or received.

use super::error::SettingProblem;
use super::grammar::{self, Rule};
use super::oidc::TokenRequest;
use super::uri::KeyRef;
use super::{Exchange, KmsError, Secret, Service};
use crate::env::Env;

/// What the user configured (action inputs or CLI flags); the environment supplies the rest.
#[derive(Clone, Debug, Default)]
pub struct Settings {
    /// `kms-key`.
    pub kms_key: String,
    /// `kms-access-token`: Google's or Azure's bearer token.
    pub access_token: Option<Secret>,
    /// `oidc-audience`; each service's usual default when unset.
    pub oidc_audience: Option<String>,
    /// `aws-role-arn`: assume this role with the runner's OIDC token.
    pub aws_role_arn: Option<String>,
    /// `vault-role`: log in to this JWT-auth role with the runner's OIDC token.
    pub vault_role: Option<String>,
    /// `vault-auth-mount` (default `jwt`).
    pub vault_auth_mount: Option<String>,
    /// `vault-transit-mount` (default `TRANSIT_SECRET_ENGINE_PATH`, else `transit`).
    pub vault_transit_mount: Option<String>,
    /// `gcp-workload-identity-provider`: trade the runner's OIDC token at Google's STS.
    pub gcp_workload_identity_provider: Option<String>,
    /// `gcp-service-account`: then impersonate this service account.
    pub gcp_service_account: Option<String>,
    /// `azure-tenant-id`: trade the runner's OIDC token at this Entra tenant.
    pub azure_tenant_id: Option<String>,
    /// `azure-client-id`: for the app registration with the federated credential.
    pub azure_client_id: Option<String>,
    /// The STS session name (CloudTrail shows it), e.g. the repository and run id.
    pub session_name: String,
    /// A URL to use instead of Google's endpoint (`CLOUDSDK_API_ENDPOINT_OVERRIDES_CLOUDKMS`,
    /// gcloud's own override: a private endpoint, or a local test server).
    pub endpoint_override: Option<String>,
}

pub(super) fn non_empty(v: &Option<String>) -> Option<&str> {
    v.as_deref().map(str::trim).filter(|v| !v.is_empty())
}

/// The secret, masked first.
pub(super) fn masked(secret: Secret, mask: &dyn Fn(&str)) -> Secret {
    mask(secret.expose());
    secret
}

pub(super) fn oidc_token<X: Exchange>(
    x: &X,
    env: Env,
    audience: Option<&str>,
    mask: &dyn Fn(&str),
) -> Result<Secret, X::Error> {
    let runner = TokenRequest::from_env(env)?;
    mask(runner.request_token.expose());
    Ok(masked(runner.fetch(x, audience)?, mask))
}

impl Settings {
    /// Checks every key-service input against its grammar (see [`super::grammar`]) and
    /// parses `kms-key`: the first value that does not fit is the error, before any request.
    pub fn check(&self) -> Result<KeyRef, KmsError> {
        let key = KeyRef::parse(&self.kms_key)?;
        let inputs = [
            ("aws-role-arn", &self.aws_role_arn, Rule::RoleArn),
            ("vault-role", &self.vault_role, Rule::VaultRole),
            ("vault-auth-mount", &self.vault_auth_mount, Rule::VaultMount),
            (
                "vault-transit-mount",
                &self.vault_transit_mount,
                Rule::VaultMount,
            ),
            ("oidc-audience", &self.oidc_audience, Rule::Audience),
        ];
        for (input, value, rule) in inputs {
            if let Some(v) = non_empty(value).filter(|v| !rule.fits(v)) {
                return Err(KmsError::BadSetting {
                    input,
                    value: v.to_string(),
                    rule,
                });
            }
        }
        if let Some(t) = &self.access_token
            && !Rule::BearerToken.fits(t.expose().trim())
        {
            return Err(bad_token("kms-access-token"));
        }
        Ok(key)
    }
}

/// A bearer token that is not one; its value is never kept.
pub(super) fn bad_token(input: &'static str) -> KmsError {
    KmsError::BadSetting {
        input,
        value: String::new(),
        rule: Rule::BearerToken,
    }
}

/// A credential read from the environment, refused before it is masked or sent.
pub(super) fn env_secret(
    service: Service,
    what: &'static str,
    value: &str,
) -> Result<Secret, KmsError> {
    if grammar::credential(value) {
        Ok(Secret::new(value))
    } else {
        Err(KmsError::BadCredential { service, what })
    }
}

/// An endpoint from the environment (a vendor tool's override), checked like every
/// service address: https, or plain http to this machine only.
pub(super) fn endpoint(env: Env, var: &'static str, default: &str) -> Result<String, KmsError> {
    let Some(url) = env(var)
        .map(|v| v.trim().to_string())
        .filter(|v| !v.is_empty())
    else {
        return Ok(default.to_string());
    };
    match crate::url::ServiceUrl::parse(&url) {
        Ok(u) => Ok(u.as_str().to_string()),
        Err(_) => Err(KmsError::BadKeylessSetting {
            setting: var,
            value: url,
            problem: SettingProblem::Endpoint,
        }),
    }
}
