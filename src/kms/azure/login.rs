//! Azure keyless: the runner's OIDC token (audience `api://AzureADTokenExchange`) as
//! the client assertion of a client-credentials request to Microsoft Entra ID
//! (`POST <authority>/<tenant>/oauth2/v2.0/token`), for an access token to Key Vault
//! (Microsoft identity platform, "client credentials flow", third case: a federated
//! credential; azure/login's default audience).

use serde::Deserialize;

use crate::kms::address;
use crate::kms::answer::{self, Field};
use crate::kms::error::SettingProblem;
use crate::kms::{
    Exchange, KmsError, Method, Secret, Service, ServiceRequest, ServiceResponse, dns_name, short,
};

/// The audience a federated credential expects unless set otherwise (azure/login's default).
pub const AUDIENCE: &str = "api://AzureADTokenExchange";
/// The public cloud's authority (`AZURE_AUTHORITY_HOST` replaces it, as azure-identity reads it).
pub const DEFAULT_AUTHORITY: &str = "https://login.microsoftonline.com";
/// RFC 7523's client assertion type.
pub const ASSERTION_TYPE: &str = "urn:ietf:params:oauth:client-assertion-type:jwt-bearer";
/// Key Vault's resource in the public cloud.
pub const VAULT_RESOURCE: &str = "https://vault.azure.net";

/// A GUID as Entra writes ids: 8-4-4-4-12 hex digits.
fn guid(s: &str) -> bool {
    let groups: Vec<&str> = s.split('-').collect();
    groups.len() == 5
        && groups
            .iter()
            .zip([8, 4, 4, 4, 12])
            .all(|(g, n)| g.len() == n && g.bytes().all(|b| b.is_ascii_hexdigit()))
}

/// `azure-tenant-id`: the directory's GUID, or one of its verified domain names.
pub fn tenant(value: &str) -> Result<String, KmsError> {
    let v = value.trim();
    if guid(v) || dns_name(v) {
        return Ok(v.to_string());
    }
    Err(KmsError::BadKeylessSetting {
        setting: "azure-tenant-id",
        value: value.to_string(),
        problem: SettingProblem::AzureTenant,
    })
}

/// `azure-client-id`: the app registration's (or managed identity's) client id, a GUID.
pub fn client_id(value: &str) -> Result<String, KmsError> {
    let v = value.trim();
    if guid(v) {
        return Ok(v.to_string());
    }
    Err(KmsError::BadKeylessSetting {
        setting: "azure-client-id",
        value: value.to_string(),
        problem: SettingProblem::AzureClientId,
    })
}

/// The Key Vault resource for a vault or managed HSM host: the host without its first
/// label when that is a Key Vault DNS suffix (`vault.azure.net`, `vault.azure.cn`,
/// `vault.usgovcloudapi.net`, `managedhsm.azure.net`, …), else the public vault's.
pub fn resource_for(vault_host: &str) -> String {
    let host = vault_host
        .split(':')
        .next()
        .unwrap_or("")
        .to_ascii_lowercase();
    match host.split_once('.') {
        Some((_, suffix)) if suffix.starts_with("vault.") || suffix.starts_with("managedhsm.") => {
            format!("https://{suffix}")
        }
        _ => VAULT_RESOURCE.to_string(),
    }
}

/// The authority for a vault's cloud: US Government's and China's vaults sign in at
/// their own (azure-identity's `AzureAuthorityHosts`).
pub fn authority_for(vault_host: &str) -> &'static str {
    let host = vault_host
        .split(':')
        .next()
        .unwrap_or("")
        .to_ascii_lowercase();
    if host.ends_with(".usgovcloudapi.net") {
        "https://login.microsoftonline.us"
    } else if host.ends_with(".azure.cn") {
        "https://login.chinacloudapi.cn"
    } else {
        DEFAULT_AUTHORITY
    }
}

/// The token answer, `{"access_token": …}` (with its type and lifetime, which are not read).
#[derive(Deserialize, Default)]
#[serde(default)]
struct TokenAnswer {
    access_token: Field<String>,
}

/// Entra's refusal: `{"error": …, "error_description": "AADSTS…: …", "error_codes": [n]}`.
#[derive(Deserialize, Default)]
#[serde(default)]
struct ErrorAnswer {
    error: Field<String>,
    error_description: Field<String>,
    error_codes: Field<Vec<Field<u64>>>,
}

/// One client-credentials request with a federated assertion.
#[derive(Clone, Debug)]
pub struct EntraLogin {
    /// `https://login.microsoftonline.com`, or `AZURE_AUTHORITY_HOST`.
    pub authority: String,
    /// `azure-tenant-id`.
    pub tenant: String,
    /// `azure-client-id`.
    pub client_id: String,
    /// `<resource>/.default`.
    pub scope: String,
    /// The audience the OIDC token was asked for (for a mismatch's message).
    pub audience: String,
}

impl EntraLogin {
    /// `POST <authority>/<tenant>/oauth2/v2.0/token`, a form.
    pub fn request(&self, oidc_token: &Secret) -> ServiceRequest {
        let url = address::join(
            &self.authority,
            &format!("{}/oauth2/v2.0/token", self.tenant),
        );
        let form = [
            ("client_id", self.client_id.as_str()),
            ("grant_type", "client_credentials"),
            ("client_assertion_type", ASSERTION_TYPE),
            ("client_assertion", oidc_token.expose()),
            ("scope", self.scope.as_str()),
        ];
        let mut req = ServiceRequest::new(Service::EntraId, Method::Post, url)
            .header("Content-Type", "application/x-www-form-urlencoded")
            .header("Accept", "application/json");
        req.body = address::form(&form).into_bytes();
        req
    }

    /// Reads `access_token`; names a wrong tenant, an unknown app, an audience the
    /// federated credential does not list, and any other refused assertion.
    pub fn parse(&self, resp: &ServiceResponse) -> Result<Secret, KmsError> {
        if !resp.ok() {
            return Err(self.failure(resp));
        }
        answer::read::<TokenAnswer>(resp, Service::EntraId)?
            .access_token
            .get()
            .filter(|t| !t.is_empty())
            .map(Secret::new)
            .ok_or(KmsError::BadResponse {
                service: Service::EntraId,
                what: "access_token",
            })
    }

    fn failure(&self, resp: &ServiceResponse) -> KmsError {
        let v: ErrorAnswer = answer::read_error(resp);
        let error = v.error.get().unwrap_or_default();
        let message = short(&v.error_description.get().unwrap_or_default());
        // `error_codes: [90002]`, and the same number after "AADSTS" in the text.
        let first = v.error_codes.get().and_then(|c| c.into_iter().next());
        let number = first.and_then(Field::get).or_else(|| {
            let digits = message.strip_prefix("AADSTS")?;
            let end = digits.find(|c: char| !c.is_ascii_digit())?;
            digits[..end].parse().ok()
        });
        let code = match number {
            Some(n) => format!("AADSTS{n}"),
            None if !error.is_empty() => error.clone(),
            None => resp.status.to_string(),
        };
        match (number, error.as_str()) {
            (Some(90002), _) | (_, "invalid_tenant") => KmsError::TenantNotFound {
                tenant: self.tenant.clone(),
                message,
            },
            (Some(700016), _) => KmsError::ClientNotFound {
                tenant: self.tenant.clone(),
                client_id: self.client_id.clone(),
                message,
            },
            (Some(700212), _) => KmsError::AudienceMismatch {
                service: Service::EntraId,
                audience: self.audience.clone(),
                message,
            },
            // 70021, 700211 (issuer), 700213 and 7002138 (subject), 700024 (expired), …
            (Some(n), _) if n / 100 == 7000 || n / 1000 == 7002 || n == 70021 => {
                KmsError::AssertionRefused {
                    client_id: self.client_id.clone(),
                    code,
                    message,
                }
            }
            (_, "invalid_client" | "unauthorized_client") => KmsError::AssertionRefused {
                client_id: self.client_id.clone(),
                code,
                message,
            },
            _ => KmsError::Refused {
                service: Service::EntraId,
                status: resp.status,
                code,
                message,
            },
        }
    }

    /// Trades `oidc_token` for a Key Vault access token.
    pub fn login<X: Exchange>(&self, x: &X, oidc_token: &Secret) -> Result<Secret, X::Error> {
        let resp = x.exchange(&self.request(oidc_token))?;
        Ok(self.parse(&resp)?)
    }
}

#[cfg(test)]
mod tests {
    use crate::kms::resp;
    use serde_json::json;

    use super::*;

    const TENANT: &str = "72f988bf-86f1-41af-91ab-2d7cd011db47";
    const CLIENT: &str = "af3110ba-0ba9-4412-b1a0-59f50b7e9273";

    fn login() -> EntraLogin {
        EntraLogin {
            authority: "https://login.microsoftonline.com/".into(),
            tenant: TENANT.into(),
            client_id: CLIENT.into(),
            scope: format!("{}/.default", resource_for("acme.vault.azure.net")),
            audience: AUDIENCE.into(),
        }
    }

    #[test]
    fn grammar() {
        for ok in [
            TENANT,
            "contoso.onmicrosoft.com",
            "contoso.com",
            "72F988BF-86F1-41AF-91AB-2D7CD011DB47",
        ] {
            assert_eq!(tenant(ok).unwrap(), ok);
        }
        for bad in [
            "",
            "contoso",
            "common org",
            "72f988bf86f141af91ab2d7cd011db47",
            "a/b.com",
            "-a.com",
        ] {
            assert!(tenant(bad).is_err(), "{bad}");
        }
        assert!(client_id(CLIENT).is_ok());
        for bad in [
            "contoso.com",
            "af3110ba-0ba9-4412-b1a0-59f50b7e927",
            "{af3110ba-0ba9-4412-b1a0-59f50b7e9273}",
        ] {
            assert!(client_id(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn resource_and_authority_follow_the_vault_cloud() {
        assert_eq!(
            resource_for("acme.vault.azure.net"),
            "https://vault.azure.net"
        );
        assert_eq!(
            resource_for("acme.vault.azure.cn"),
            "https://vault.azure.cn"
        );
        assert_eq!(
            resource_for("Acme.Vault.UsGovCloudApi.net"),
            "https://vault.usgovcloudapi.net"
        );
        assert_eq!(
            resource_for("acme.managedhsm.azure.net"),
            "https://managedhsm.azure.net"
        );
        assert_eq!(resource_for("127.0.0.1:8443"), VAULT_RESOURCE);
        assert_eq!(
            authority_for("acme.vault.usgovcloudapi.net"),
            "https://login.microsoftonline.us"
        );
        assert_eq!(
            authority_for("acme.vault.azure.cn"),
            "https://login.chinacloudapi.cn"
        );
        assert_eq!(authority_for("acme.vault.azure.net"), DEFAULT_AUTHORITY);
    }

    #[test]
    fn request_is_client_credentials_with_the_assertion() {
        let req = login().request(&Secret::new("eyJ.OIDC.SIG"));
        assert_eq!(
            req.url,
            format!("https://login.microsoftonline.com/{TENANT}/oauth2/v2.0/token")
        );
        assert_eq!(
            String::from_utf8(req.body.clone()).unwrap(),
            format!(
                "client_id={CLIENT}&grant_type=client_credentials&client_assertion_type=urn%3Aietf%3Aparams%3Aoauth%3Aclient-assertion-type%3Ajwt-bearer&client_assertion=eyJ.OIDC.SIG&scope=https%3A%2F%2Fvault.azure.net%2F.default"
            )
        );
        assert!(req.headers.contains(&(
            "Content-Type".into(),
            "application/x-www-form-urlencoded".into()
        )));
        assert!(!format!("{req:?}").contains("OIDC"));
    }

    #[test]
    fn answers() {
        let l = login();
        let ok = json!({"token_type": "Bearer", "expires_in": 3599, "ext_expires_in": 3599, "access_token": "eyJ0.AT"});
        assert_eq!(l.parse(&resp(200, ok)).unwrap().expose(), "eyJ0.AT");
        let refused = |status, error: &str, n: u64, text: &str| {
            let body = json!({"error": error, "error_description": format!("AADSTS{n}: {text}"), "error_codes": [n]});
            format!("{:?}", l.parse(&resp(status, body)).unwrap_err())
        };
        assert!(
            refused(400, "invalid_request", 90002, "Tenant 'x' not found.")
                .starts_with("TenantNotFound")
        );
        assert!(
            refused(
                400,
                "unauthorized_client",
                700016,
                "Application with identifier 'x' was not found in the directory 'y'."
            )
            .starts_with("ClientNotFound")
        );
        assert!(refused(400, "invalid_client", 700212, "No matching federated identity record found for presented assertion audience 'api://x'.").starts_with("AudienceMismatch"));
        let subject = refused(
            401,
            "invalid_client",
            700213,
            "No matching federated identity record found for presented assertion subject 'repo:acme/widgets:ref:refs/heads/main'.",
        );
        assert!(
            subject.starts_with("AssertionRefused") && subject.contains("AADSTS700213"),
            "{subject}"
        );
        assert!(
            refused(
                400,
                "invalid_client",
                700211,
                "No matching federated identity record found for presented assertion issuer 'x'."
            )
            .starts_with("AssertionRefused")
        );
        assert!(
            refused(
                400,
                "invalid_resource",
                500011,
                "The resource principal named https://vault.azure.net was not found."
            )
            .starts_with("Refused")
        );
        // The code read from the text when `error_codes` is missing.
        let text_only = json!({"error": "invalid_request", "error_description": "AADSTS90002: Tenant 'x' not found."});
        assert!(matches!(
            l.parse(&resp(400, text_only)),
            Err(KmsError::TenantNotFound { .. })
        ));
    }
}
