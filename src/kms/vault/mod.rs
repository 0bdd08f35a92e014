//! Vault and OpenBao: transit keys (read, sign a SHA-256 digest with PKCS#1 v1.5) and
//! the JWT auth login that trades the runner's OIDC token for a Vault token.

pub mod login;
pub mod transit;

pub use login::JwtLogin;
pub use transit::Transit;

use crate::kms::address;
use crate::kms::answer::{self, Field};
use crate::kms::grammar::{self, Rule};
use crate::kms::settings::{Settings, env_secret, masked, non_empty, oidc_token};
use serde::Deserialize;

use crate::kms::{Exchange, KmsError, Method, Service, ServiceRequest, ServiceResponse, short};

/// Where transit is mounted unless told otherwise (cosign's `TRANSIT_SECRET_ENGINE_PATH`).
pub const DEFAULT_TRANSIT_MOUNT: &str = "transit";
/// Where JWT auth is mounted unless told otherwise (vault-action's default `path`).
pub const DEFAULT_AUTH_MOUNT: &str = "jwt";

use crate::env::Env;

/// The first of `VAULT_<name>` and `BAO_<name>` that is set (vault-action exports the
/// former, the `bao` CLI reads both).
pub fn env_var(env: Env, name: &str) -> Option<String> {
    [format!("VAULT_{name}"), format!("BAO_{name}")]
        .iter()
        .filter_map(|k| env(k))
        .map(|v| v.trim().to_string())
        .find(|v| !v.is_empty())
}

/// The server's address and namespace, shared by transit and the login.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Server {
    /// `VAULT_ADDR` without a trailing `/`.
    pub addr: String,
    /// `VAULT_NAMESPACE`, sent as `X-Vault-Namespace`.
    pub namespace: Option<String>,
}

impl Server {
    /// From `VAULT_ADDR` (or `BAO_ADDR`) and `VAULT_NAMESPACE` (or `BAO_NAMESPACE`).
    pub fn from_env(env: Env) -> Result<Server, KmsError> {
        let addr = env_var(env, "ADDR").ok_or(KmsError::MissingSetting {
            service: Service::Vault,
            missing: "VAULT_ADDR",
        })?;
        let namespace = env_var(env, "NAMESPACE").map(|n| n.trim_matches('/').to_string());
        // The namespace goes into a header and the policy paths: a Vault path or nothing.
        if let Some(ns) = namespace
            .as_ref()
            .filter(|ns| !crate::kms::grammar::vault_mount(ns))
        {
            return Err(KmsError::BadSetting {
                input: "VAULT_NAMESPACE",
                value: ns.clone(),
                rule: crate::kms::grammar::Rule::VaultNamespace,
            });
        }
        Ok(Server {
            addr: addr.trim_end_matches('/').to_string(),
            namespace,
        })
    }

    fn request(&self, method: Method, path: &str) -> ServiceRequest {
        let req = ServiceRequest::new(
            Service::Vault,
            method,
            address::join(&self.addr, &format!("v1/{path}")),
        );
        match &self.namespace {
            Some(ns) => req.header("X-Vault-Namespace", ns.clone()),
            None => req,
        }
    }

    /// The error every Vault call can give: `{"errors": [...]}` by status.
    fn error(&self, resp: &ServiceResponse, mount: &str) -> (String, Option<KmsError>) {
        let errors: Vec<String> = answer::read_error::<ErrorAnswer>(resp)
            .errors
            .get()
            .unwrap_or_default()
            .into_iter()
            .filter_map(Field::get)
            .collect();
        // Vault wraps multierrors as "1 error occurred:\n\t* permission denied\n\n".
        let joined = errors.join("; ").replace("1 error occurred:", "");
        let message = short(&joined).trim_start_matches("* ").to_string();
        let known = if resp.status == 404 && message.contains("namespace not found") {
            Some(KmsError::NamespaceNotFound {
                namespace: self.namespace.clone().unwrap_or_default(),
            })
        } else if resp.status == 404 && message.contains("no handler for route") {
            Some(KmsError::MountNotFound {
                mount: mount.to_string(),
            })
        } else {
            None
        };
        (message, known)
    }
}

/// Vault's error body, `{"errors": [...]}`; entries that are not strings are skipped.
#[derive(Deserialize, Default)]
#[serde(default)]
struct ErrorAnswer {
    errors: Field<Vec<Field<String>>>,
}

/// `vault-transit-mount`, else `TRANSIT_SECRET_ENGINE_PATH` (checked as the input is),
/// else `transit`.
fn transit_mount(settings: &Settings, env: Env) -> Result<String, KmsError> {
    if let Some(m) = non_empty(&settings.vault_transit_mount) {
        return Ok(m.to_string());
    }
    match env("TRANSIT_SECRET_ENGINE_PATH").filter(|m| !m.trim().is_empty()) {
        Some(m) if !grammar::vault_mount(m.trim()) => Err(KmsError::BadSetting {
            input: "TRANSIT_SECRET_ENGINE_PATH",
            value: m,
            rule: Rule::VaultMount,
        }),
        Some(m) => Ok(m.trim().to_string()),
        None => Ok(DEFAULT_TRANSIT_MOUNT.to_string()),
    }
}

/// The transit key `name`, with the token in the environment or, with `vault-role`, one
/// from a JWT login with the runner's OIDC token.
pub fn resolve<X: Exchange>(
    settings: &Settings,
    env: Env,
    x: &X,
    mask: &dyn Fn(&str),
    name: &str,
) -> Result<Transit, X::Error> {
    let mount = transit_mount(settings, env)?;
    let server = Server::from_env(env)?;
    let token = match non_empty(&settings.vault_role) {
        Some(role) => {
            let oidc = oidc_token(x, env, non_empty(&settings.oidc_audience), mask)?;
            let login = JwtLogin {
                server: server.clone(),
                mount: non_empty(&settings.vault_auth_mount)
                    .unwrap_or(DEFAULT_AUTH_MOUNT)
                    .to_string(),
                role: role.to_string(),
            };
            masked(login.login(x, &oidc)?, mask)
        }
        None => match env_var(env, "TOKEN") {
            Some(t) => masked(env_secret(Service::Vault, "VAULT_TOKEN", &t)?, mask),
            None => {
                return Err(KmsError::MissingSetting {
                    service: Service::Vault,
                    missing: "VAULT_TOKEN, or vault-role",
                }
                .into());
            }
        },
    };
    Ok(Transit::new(server, token, &mount, name))
}

#[cfg(test)]
pub(super) mod tests {
    use super::*;
    use crate::kms::Secret;

    pub(crate) fn transit() -> Transit {
        let env = |k: &str| match k {
            "BAO_ADDR" => Some("http://127.0.0.1:8200/".to_string()),
            "VAULT_NAMESPACE" => Some("team-a/".to_string()),
            _ => None,
        };
        Transit::new(
            Server::from_env(&env).unwrap(),
            Secret::new("s.TOKEN"),
            "/transit/",
            "gh-app",
        )
    }
}
