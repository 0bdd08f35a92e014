//! Which key signs the app's JWTs, and the settings of a key service.

use crate::inputs::Raw;
use crate::inputs::error::InputError;
use crate::kms::Secret;
use crate::kms::backend::Settings;

use super::Context;

/// Which key signs the app's JWTs: exactly one of `private-key` and `kms-key`.
#[derive(Debug, Clone)]
pub enum KeySource {
    /// `private-key`: the PEM text (parsed by `key.rs`).
    Local(String),
    /// `kms-key` and the settings around it.
    Service(Box<Settings>),
}

impl KeySource {
    pub(super) fn of(raw: &Raw, ctx: &Context) -> Result<KeySource, InputError> {
        let service = match (raw.get("private-key"), raw.get("kms-key")) {
            (Some(_), Some(_)) => return Err(InputError::TwoKeys),
            (None, None) => return Err(InputError::NoKey),
            (Some(pem), None) => return Ok(KeySource::Local(pem.to_string())),
            (None, Some(uri)) => uri,
        };
        let owned = |name: &str| raw.get(name).map(str::to_string);
        // CloudTrail shows the session name: the run makes it traceable.
        let run = ctx.run_id.clone().unwrap_or_default();
        Ok(KeySource::Service(Box::new(Settings {
            kms_key: service.to_string(),
            access_token: raw.get("kms-access-token").map(Secret::new),
            oidc_audience: owned("oidc-audience"),
            aws_role_arn: owned("aws-role-arn"),
            vault_role: owned("vault-role"),
            vault_auth_mount: owned("vault-auth-mount"),
            vault_transit_mount: owned("vault-transit-mount"),
            gcp_workload_identity_provider: owned("gcp-workload-identity-provider"),
            gcp_service_account: owned("gcp-service-account"),
            azure_tenant_id: owned("azure-tenant-id"),
            azure_client_id: owned("azure-client-id"),
            session_name: format!("app-token-action-{run}")
                .trim_end_matches('-')
                .into(),
            endpoint_override: ctx.cloudkms_endpoint.clone(),
        })))
    }
}
