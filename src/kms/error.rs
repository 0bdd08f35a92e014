//! What can go wrong with a key service, and the sentences a user reads about it:
//! the variants carry data, the words are here, beside them.
//!
//! No variant holds a credential: service messages are kept to their first line, and
//! nothing here ever receives a secret key, session token, Vault token or OIDC token.

use std::fmt;

use crate::secret::Shown;

pub use super::grammar::Rule;

/// Which service (or which part of one) a call went to.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Service {
    /// AWS KMS.
    AwsKms,
    /// AWS STS, for `AssumeRoleWithWebIdentity`.
    AwsSts,
    /// Vault or OpenBao (transit, JWT auth).
    Vault,
    /// Google Cloud KMS.
    GoogleKms,
    /// Azure Key Vault.
    AzureKeyVault,
    /// The runner's OIDC token endpoint.
    ActionsOidc,
    /// Google's Security Token Service (the keyless exchange).
    GoogleSts,
    /// Google's IAM Credentials (`generateAccessToken`).
    GoogleIamCredentials,
    /// Microsoft Entra ID's token endpoint (Azure's keyless exchange).
    EntraId,
}

/// Why a keyless setting's value is not one its service accepts.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum SettingProblem {
    /// Not `projects/N/locations/global/workloadIdentityPools/POOL/providers/ID`.
    GcpProvider,
    /// A project id where Google wants the project number.
    GcpProjectNumber,
    /// Not a service account's email or unique id.
    GcpServiceAccount,
    /// Not a tenant's GUID or domain name.
    AzureTenant,
    /// Not a GUID.
    AzureClientId,
    /// An endpoint that is not https (plain http only to this machine), or has user info.
    Endpoint,
    /// A keyless input beside `kms-access-token`, or for another service's key.
    Conflict,
}

/// Why a `kms-key` value is not a key reference.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum UriProblem {
    /// No known scheme (`awskms`, `hashivault`, `openbao`, `gcpkms`, `azurekms`).
    UnknownScheme,
    /// The scheme is there, the key name or id is not.
    NoKey,
    /// A Google key name that is not `projects/P/locations/L/keyRings/R/cryptoKeys/K/cryptoKeyVersions/V`.
    GoogleName,
    /// A Google key name without its `cryptoKeyVersions/N` (asymmetric keys have no primary).
    GoogleVersionMissing,
    /// An Azure reference that is not `<vault host>/<key>[/<version>]`.
    AzureForm,
    /// A Vault key name that is not one of Vault's names (`\w(([\w-.]+)?\w)?`).
    VaultName,
    /// An AWS key that is not a key id, `alias/…`, key ARN or alias ARN.
    AwsKey,
    /// An endpoint before the key that is not `host[:port]`.
    Endpoint,
    /// A Google project that is not a project id, domain-scoped id or number.
    GoogleProject,
    /// A Google location that is not lower-case letters, digits and `-`.
    GoogleLocation,
    /// A key ring or crypto key id that is not `[a-zA-Z0-9_-]{1,63}`.
    GoogleId,
    /// A key version that is not the number Google assigned.
    GoogleVersion,
    /// An Azure vault host that is not `<vault>.vault.azure.net` or another suffix.
    AzureVault,
    /// An Azure key name that is not 1-127 of `0-9a-zA-Z-`.
    AzureKeyName,
    /// An Azure key version that is not 32 hex digits.
    AzureVersion,
}

/// A key-service failure. Each variant is one thing the user can fix.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum KmsError {
    /// The `kms-key` value does not parse.
    #[error("`kms-key` {} is not a key reference: {problem}. Use awskms:///<key id, ARN or alias>, hashivault://<transit key>, gcpkms://projects/P/locations/L/keyRings/R/cryptoKeys/K/cryptoKeyVersions/N or azurekms://<vault>.vault.azure.net/<key>.", Shown::of(.uri))]
    BadUri {
        /// The value as given (a key reference, not a secret).
        uri: String,
        /// What is wrong with it.
        problem: UriProblem,
    },
    /// A key-service input that does not fit its grammar.
    #[error("`{input}` must be {rule}{}. Correct it and run the job again.", given(.rule, .value))]
    BadSetting {
        /// The input (or environment variable).
        input: &'static str,
        /// The value as given (never a credential: those are never quoted).
        value: String,
        /// The grammar it must fit.
        rule: Rule,
    },
    /// A credential from a service or the environment that cannot be one: empty, too
    /// long, or with white space or control characters (XML and JSON escapes included).
    #[error("The credential {what} from {service} is empty, too long, or holds white space or control characters, so it was not used. {}", credential_hint(.service))]
    BadCredential {
        /// Who it came from.
        service: Service,
        /// Which credential (a field of the answer, or a variable).
        what: &'static str,
    },
    /// A setting the service needs is not set (`missing` names the variables or inputs).
    #[error("{service} needs {missing}, and none is set. {}", setting_hint(.service, .missing))]
    MissingSetting {
        /// The service.
        service: Service,
        /// The environment variables or inputs, any one of which would do.
        missing: &'static str,
    },
    /// AWS: no region in the key's ARN, `AWS_REGION` or `AWS_DEFAULT_REGION`.
    #[error(
        "AWS KMS needs a region for the key {key}, and none is set. Set AWS_REGION (configure-aws-credentials sets it), or name the key by its ARN (arn:aws:kms:REGION:ACCOUNT:key/ID)."
    )]
    RegionMissing {
        /// The key as given.
        key: String,
    },
    /// The service has no such key (or, for Google, may not tell whether it exists).
    #[error("{service} has no key {key}{}", not_found_hint(.service))]
    KeyNotFound {
        /// The service.
        service: Service,
        /// The key as the service names it.
        key: String,
    },
    /// The credentials are valid but may not do this.
    #[error(
        "{service} refused access to the key {key} (\"{message}\"). Grant {grant} on that key to the identity this step uses."
    )]
    AccessDenied {
        /// The service.
        service: Service,
        /// The key.
        key: String,
        /// What to grant (a permission, role or policy path).
        grant: String,
        /// The service's own words, first line.
        message: String,
    },
    /// The service does not accept the credentials (unknown, wrong secret, bad token).
    #[error("{service} did not accept the credentials ({code}). {}", credential_hint(.service))]
    InvalidCredentials {
        /// The service.
        service: Service,
        /// The service's code (`InvalidSignatureException`, `UNAUTHENTICATED`, 403 …).
        code: String,
    },
    /// AWS refused the request's date: this machine's clock is more than 5 minutes off.
    #[error(
        "{service} refused the request's time (\"{message}\"). Make sure the runner's clock is synchronised (NTP)."
    )]
    ClockSkew {
        /// The service.
        service: Service,
        /// The service's own words, first line (they give both times).
        message: String,
    },
    /// The credentials were good once and have expired.
    #[error("The {service} credentials have expired ({code}). Fetch them in the same job, right before this step. {}", credential_hint(.service))]
    ExpiredCredentials {
        /// The service.
        service: Service,
        /// The service's code.
        code: String,
    },
    /// The key is not an RSA key.
    #[error("The {service} key {key} is a {kind} key; GitHub Apps sign with RSA (RS256). {}", import_hint(.service))]
    NotRsa {
        /// The service.
        service: Service,
        /// The key.
        key: String,
        /// What kind it is, in the service's words.
        kind: String,
    },
    /// The key exists but is not for signing.
    #[error("The {service} key {key} is for {usage}, not for signing. {}", import_hint(.service))]
    NotForSigning {
        /// The service.
        service: Service,
        /// The key.
        key: String,
        /// Its usage or purpose, in the service's words.
        usage: String,
    },
    /// An RSA signing key that does not do RSASSA-PKCS1-v1_5 with SHA-256.
    #[error("The {service} key {key} signs with {algorithm}, not RSASSA-PKCS1-v1_5 with SHA-256 (RS256), which GitHub requires. {}", import_hint(.service))]
    WrongAlgorithm {
        /// The service.
        service: Service,
        /// The key.
        key: String,
        /// The algorithm(s) the key has.
        algorithm: String,
    },
    /// An RSA key smaller than GitHub's 2048 bits.
    #[error("The {service} key {key} is a {bits}-bit RSA key; GitHub App keys are 2048-bit. {}", import_hint(.service))]
    TooSmall {
        /// The service.
        service: Service,
        /// The key.
        key: String,
        /// Its modulus size.
        bits: usize,
    },
    /// The key is disabled, pending deletion or otherwise not usable now.
    #[error(
        "The {service} key {key} cannot sign now ({state}). Enable it (or cancel its deletion) in {service}, or name another key in `kms-key`."
    )]
    KeyUnusable {
        /// The service.
        service: Service,
        /// The key.
        key: String,
        /// The state or code the service gave.
        state: String,
    },
    /// Vault: nothing is mounted at the transit or auth path used.
    #[error(
        "Vault has nothing mounted at {mount}/. Set `vault-transit-mount` (or `vault-auth-mount` for the login) to the path where the engine or auth method is enabled."
    )]
    MountNotFound {
        /// The mount path.
        mount: String,
    },
    /// Vault: the namespace does not exist.
    #[error("Vault has no namespace \"{namespace}\". Check VAULT_NAMESPACE.")]
    NamespaceNotFound {
        /// The namespace.
        namespace: String,
    },
    /// The OIDC exchange (STS or Vault JWT login) was refused.
    #[error(
        "{service} refused the OIDC login for the role {role} ({code}: \"{message}\"). Check the role's trust: its audience (`oidc-audience`), subject and bound claims must match this job's token (repository, ref, environment)."
    )]
    LoginRefused {
        /// The service.
        service: Service,
        /// The role asked for.
        role: String,
        /// The service's code, if any.
        code: String,
        /// The service's own words, first line.
        message: String,
    },
    /// A keyless setting (input or endpoint variable) whose value is not valid.
    #[error("`{setting}` {} is not valid: {problem}. Fix the value, then rerun the job.", Shown::of(.value))]
    BadKeylessSetting {
        /// The input or environment variable.
        setting: &'static str,
        /// The value as given (a name, not a secret).
        value: String,
        /// What is wrong with it.
        problem: SettingProblem,
    },
    /// Google's STS has no such workload identity provider (or it is disabled or deleted).
    #[error(
        "Google's STS found no workload identity provider {provider} (\"{message}\"). Check `gcp-workload-identity-provider`: the project number, pool and provider ids, and that neither the pool nor the provider is disabled or deleted."
    )]
    ProviderNotFound {
        /// The provider's resource name.
        provider: String,
        /// STS's own words, first line.
        message: String,
    },
    /// The OIDC token's audience is not one the provider or federated credential allows.
    #[error("{service} refused the OIDC token's audience {audience} (\"{message}\"). Add that audience to the {}, or set `oidc-audience` to one it allows.", audience_home(.service))]
    AudienceMismatch {
        /// Google's STS or Entra ID.
        service: Service,
        /// The audience the token was asked for.
        audience: String,
        /// The service's own words, first line.
        message: String,
    },
    /// IAM Credentials refused a token for the service account (no role, or no account).
    #[error(
        "Google's IAM Credentials refused a token for the service account {account} (\"{message}\"). Grant roles/iam.workloadIdentityUser on that account to this repository's principal set in the pool (principalSet://iam.googleapis.com/projects/<number>/locations/global/workloadIdentityPools/<pool>/attribute.repository/<owner>/<repo>), and check the account's email in `gcp-service-account`."
    )]
    ServiceAccountDenied {
        /// The service account.
        account: String,
        /// Google's own words, first line.
        message: String,
    },
    /// Entra ID has no such tenant (or not in this cloud).
    #[error(
        "Microsoft Entra ID has no tenant {tenant} (\"{message}\"). Check `azure-tenant-id` (the directory id of the app registration), and AZURE_AUTHORITY_HOST for a sovereign cloud."
    )]
    TenantNotFound {
        /// `azure-tenant-id`.
        tenant: String,
        /// Entra's own words, first line.
        message: String,
    },
    /// Entra ID has no app with this client id in the tenant.
    #[error(
        "Microsoft Entra ID has no app {client_id} in the tenant {tenant} (\"{message}\"). Check `azure-client-id` (the app registration's Application (client) ID) and `azure-tenant-id`."
    )]
    ClientNotFound {
        /// `azure-tenant-id`.
        tenant: String,
        /// `azure-client-id`.
        client_id: String,
        /// Entra's own words, first line.
        message: String,
    },
    /// Entra ID refused the OIDC token as the app's client assertion (no federated
    /// credential matches its issuer, subject or audience, or it expired).
    #[error(
        "Microsoft Entra ID refused this job's OIDC token for the app {client_id} ({code}: \"{message}\"). Add a federated credential to the app whose issuer is https://token.actions.githubusercontent.com and whose subject matches this job exactly (repo:OWNER/REPO:ref:refs/heads/BRANCH, …:environment:NAME or …:pull_request; case matters)."
    )]
    AssertionRefused {
        /// `azure-client-id`.
        client_id: String,
        /// `AADSTS…`, or the OAuth error.
        code: String,
        /// Entra's own words, first line.
        message: String,
    },
    /// The runner offers no OIDC token: the job lacks `permissions: id-token: write`.
    #[error(
        "The runner offers no OIDC token (ACTIONS_ID_TOKEN_REQUEST_URL is not set). Give the job `permissions: id-token: write` so the action can trade it for credentials; pull requests from forks get none."
    )]
    OidcUnavailable,
    /// The runner's OIDC endpoint refused the request.
    #[error(
        "The runner's OIDC token endpoint answered {status}. Check that the job has `permissions: id-token: write`, then retry the job."
    )]
    OidcRefused {
        /// The HTTP status.
        status: u16,
    },
    /// The service answered something this program does not understand.
    #[error(
        "{service}'s answer could not be read (expected {what}). Check that the address points at {service} itself, not at a proxy's or a login page."
    )]
    BadResponse {
        /// The service.
        service: Service,
        /// What was expected.
        what: &'static str,
    },
    /// An integrity check on the answer failed (CRC32C, key name, key id).
    #[error(
        "{service}'s answer failed an integrity check ({check}). Retry the job; if it fails again, check what sits between the runner and {service}."
    )]
    Integrity {
        /// The service.
        service: Service,
        /// Which check.
        check: &'static str,
    },
    /// The signature the service returned does not verify with the key's public key.
    #[error(
        "The signature {service} returned for the key {key} does not verify with that key's public key, so it was not sent to GitHub. Check that `kms-key` names one key version, then retry the job."
    )]
    BadSignature {
        /// The service.
        service: Service,
        /// The key.
        key: String,
    },
    /// Any other refusal, with the service's status, code and words.
    #[error(
        "{service} refused the request ({status} {code}: \"{message}\"). Check the key in `kms-key` and the credentials this step uses."
    )]
    Refused {
        /// The service.
        service: Service,
        /// The HTTP status.
        status: u16,
        /// The service's code, if any.
        code: String,
        /// The service's own words, first line.
        message: String,
    },
}

impl fmt::Display for Service {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Service::AwsKms => "AWS KMS",
            Service::AwsSts => "AWS STS",
            Service::Vault => "Vault",
            Service::GoogleKms => "Google Cloud KMS",
            Service::AzureKeyVault => "Azure Key Vault",
            Service::ActionsOidc => "the runner's OIDC token endpoint",
            Service::GoogleSts => "Google STS",
            Service::GoogleIamCredentials => "Google IAM Credentials",
            Service::EntraId => "Microsoft Entra ID",
        })
    }
}

impl fmt::Display for SettingProblem {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            SettingProblem::GcpProvider => {
                "a provider is named projects/<project number>/locations/global/workloadIdentityPools/<pool>/providers/<provider>, ids of 4-32 of a-z, 0-9 and '-'; `gcloud iam workload-identity-pools providers describe <provider> --workload-identity-pool=<pool> --location=global --format='value(name)'` prints it"
            }
            SettingProblem::GcpProjectNumber => {
                "Google wants the project number there, not the project id; `gcloud projects describe <id> --format='value(projectNumber)'` prints it"
            }
            SettingProblem::GcpServiceAccount => {
                "a service account is named by its email (NAME@PROJECT.iam.gserviceaccount.com) or its numeric unique id"
            }
            SettingProblem::AzureTenant => {
                "a tenant is its directory id (a GUID like 72f988bf-86f1-41af-91ab-2d7cd011db47) or a domain name it has verified (contoso.onmicrosoft.com)"
            }
            SettingProblem::AzureClientId => {
                "a client id is the app registration's Application (client) ID, a GUID like af3110ba-0ba9-4412-b1a0-59f50b7e9273"
            }
            SettingProblem::Endpoint => {
                "an endpoint is an https URL without user info (plain http only to this machine)"
            }
            SettingProblem::Conflict => {
                "it does not go with the other key settings: keyless inputs replace `kms-access-token`, and each belongs to its own service's `kms-key` (gcp- for gcpkms://, azure- for azurekms://)"
            }
        })
    }
}

impl fmt::Display for UriProblem {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            UriProblem::UnknownScheme => {
                "it does not start with awskms://, hashivault://, openbao://, gcpkms:// or azurekms://"
            }
            UriProblem::NoKey => "the key's name or id is missing after the scheme",
            UriProblem::GoogleName => {
                "a Google key is named projects/P/locations/L/keyRings/R/cryptoKeys/K/cryptoKeyVersions/N"
            }
            UriProblem::GoogleVersionMissing => {
                "a Google asymmetric key has no primary version, so the name must end in /cryptoKeyVersions/N"
            }
            UriProblem::AzureForm => {
                "an Azure key is named azurekms://<vault>.vault.azure.net/<key>[/<version>]"
            }
            UriProblem::VaultName => {
                "a transit key name is letters, digits and '_', with '-' and '.' allowed inside (Vault's name rule)"
            }
            UriProblem::AwsKey => {
                "an AWS key is a key id (a UUID, or mrk- and 32 hex digits), alias/NAME (up to 256 characters of letters, digits, '/', '_' and '-'), or a key or alias ARN (arn:PARTITION:kms:REGION:ACCOUNT:key/ID or ...:alias/NAME)"
            }
            UriProblem::Endpoint => {
                "the endpoint before the key is a host name or IP address with an optional port (awskms://HOST:PORT/KEY)"
            }
            UriProblem::GoogleProject => {
                "the project is a project id (6 to 30 lower-case letters, digits and '-', a letter first, no '-' last), a domain-scoped id (example.com:my-project) or a project number"
            }
            UriProblem::GoogleLocation => {
                "the location is lower-case letters, digits and '-' (global, us-east1, europe)"
            }
            UriProblem::GoogleId => {
                "a key ring or key id is 1 to 63 letters, digits, '_' and '-'"
            }
            UriProblem::GoogleVersion => {
                "the key version is the number Google assigned (cryptoKeyVersions/1)"
            }
            UriProblem::AzureVault => {
                "the vault is a host such as <vault>.vault.azure.net, the vault name 3 to 24 letters, digits and '-' (a letter first, no '--')"
            }
            UriProblem::AzureKeyName => {
                "an Azure key name is 1 to 127 letters, digits and '-'"
            }
            UriProblem::AzureVersion => {
                "an Azure key version is the 32 hexadecimal digits Key Vault assigned"
            }
        })
    }
}

impl fmt::Display for crate::kms::error::Rule {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        use crate::kms::error::Rule;
        f.write_str(match self {
            Rule::RoleArn => {
                "an IAM role ARN: arn:PARTITION:iam::ACCOUNT:role/NAME (or role/PATH/NAME), the name 1 to 64 letters, digits and '+=,.@_-', the account 12 digits"
            }
            Rule::VaultRole => {
                "a Vault role name: letters, digits and '_', with '-' and '.' allowed inside (Vault's name rule)"
            }
            Rule::VaultMount => {
                "a Vault mount path: segments joined by '/', each of letters, digits and -._~!$&'()*+,;=:@, none '.' or '..'"
            }
            Rule::Audience => {
                "a JWT audience: printable characters without spaces, a URI (scheme:...) when it holds ':'"
            }
            Rule::AwsRegion => {
                "an AWS region: lower-case words and a number joined by '-' (us-east-1, us-gov-west-1, cn-north-1)"
            }
            Rule::VaultNamespace => {
                "a Vault namespace path: segments joined by '/', each of letters, digits and -._~!$&'()*+,;=:@, none '.' or '..'"
            }
            Rule::BearerToken => {
                "an OAuth 2 access token: letters, digits and -._~+/ (then any '='), one line, up to 16384 characters"
            }
        })
    }
}

/// How to give a service the credential it found missing.
fn setting_hint(service: &Service, missing: &str) -> &'static str {
    match (service, missing) {
        (Service::AwsKms | Service::AwsSts, _) => {
            "Configure credentials in an earlier step (aws-actions/configure-aws-credentials exports them), or set `aws-role-arn` and give the job `permissions: id-token: write` so the action assumes the role itself."
        }
        (Service::Vault, "VAULT_ADDR") => {
            "Set VAULT_ADDR in the step's `env:` to the server's address, e.g. https://vault.example.com:8200."
        }
        (Service::Vault, _) => {
            "Export a token from an earlier step (hashicorp/vault-action with `exportToken: true`), or set `vault-role` and give the job `permissions: id-token: write` so the action logs in itself."
        }
        (Service::GoogleKms, _) => {
            "Set `gcp-workload-identity-provider` (and `gcp-service-account` to impersonate one) and give the job `permissions: id-token: write` so the action signs in itself, or pass `kms-access-token: ${{ steps.auth.outputs.access_token }}` from google-github-actions/auth run with `token_format: access_token`."
        }
        (_, "azure-tenant-id") | (_, "azure-client-id") => {
            "Set both `azure-tenant-id` and `azure-client-id` (the app registration that holds the federated credential)."
        }
        _ => {
            "Set `azure-tenant-id` and `azure-client-id` and give the job `permissions: id-token: write` so the action signs in itself, or pass `kms-access-token` from an earlier step: `az account get-access-token --resource https://vault.azure.net --query accessToken -o tsv` after azure/login."
        }
    }
}

/// Where a service's credentials come from, for a refusal of them.
fn credential_hint(service: &Service) -> &'static str {
    match service {
        Service::AwsKms | Service::AwsSts => {
            "Check AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY and AWS_SESSION_TOKEN (all from the same configure-aws-credentials run), or use `aws-role-arn`."
        }
        Service::Vault => "Check VAULT_TOKEN (or the `vault-role` login) and VAULT_NAMESPACE.",
        Service::GoogleKms | Service::AzureKeyVault => {
            "Check that `kms-access-token` is an access token for this service, fetched in the same job."
        }
        Service::ActionsOidc => "Give the job `permissions: id-token: write`.",
        Service::GoogleSts | Service::GoogleIamCredentials => {
            "Check `gcp-workload-identity-provider` and `gcp-service-account`; the federated token from Google's STS is used at once, so a refusal means the pool does not grant it this call."
        }
        Service::EntraId => {
            "Check `azure-tenant-id`, `azure-client-id` and the app's federated credential."
        }
    }
}

/// How to make a key usable for RS256 in its service.
fn import_hint(service: &Service) -> &'static str {
    match service {
        Service::AwsKms | Service::AwsSts => {
            "Import the app's .pem into a KMS key with key spec RSA_2048 and key usage SIGN_VERIFY (README, \"AWS KMS\")."
        }
        Service::Vault => {
            "Import the app's .pem as a transit key of type rsa-2048 (README, \"Vault and OpenBao\")."
        }
        Service::GoogleKms => {
            "Import the app's .pem into a key version with purpose ASYMMETRIC_SIGN and algorithm RSA_SIGN_PKCS1_2048_SHA256 (README, \"Google Cloud KMS\")."
        }
        _ => {
            "Import the app's .pem as an RSA key whose operations include sign (README, \"Azure Key Vault\")."
        }
    }
}

/// The value of a setting that does not fit, quoted unless it is a credential (whose
/// value is never kept, so never quoted).
fn given(rule: &Rule, value: &str) -> String {
    if *rule == Rule::BearerToken {
        String::new()
    } else {
        format!("; the value given is {}", Shown::of(value))
    }
}

/// Where to look for a key a service does not have.
fn not_found_hint(service: &Service) -> &'static str {
    match service {
        Service::AwsKms => {
            " in this region and account. Check the id, ARN or alias in `kms-key`, and AWS_REGION: a key lives in one region."
        }
        Service::Vault => {
            " in the transit engine. Check the name in `kms-key`, `vault-transit-mount` and VAULT_NAMESPACE."
        }
        _ => " (or the credentials may not see it). Check the name and version in `kms-key`.",
    }
}

/// Where the audiences an OIDC exchange allows are configured.
fn audience_home(service: &Service) -> &'static str {
    if *service == Service::EntraId {
        "federated credential's audiences (azure/login's default is api://AzureADTokenExchange)"
    } else {
        "provider's allowed audiences (by default it allows https://iam.googleapis.com/<provider>)"
    }
}

impl KmsError {
    /// The heading of the `::error` annotation.
    pub fn title(&self) -> &'static str {
        use KmsError::*;
        match self {
            BadUri { .. } | BadSetting { .. } | MissingSetting { .. } | RegionMissing { .. } => {
                "Invalid key service setting"
            }
            KeyNotFound { .. } => "Key not found",
            AccessDenied { .. } => "Key access denied",
            InvalidCredentials { .. }
            | ExpiredCredentials { .. }
            | ClockSkew { .. }
            | BadCredential { .. } => "Key service credentials refused",
            NotRsa { .. } | NotForSigning { .. } | WrongAlgorithm { .. } | TooSmall { .. } => {
                "Wrong kind of key"
            }
            KeyUnusable { .. } => "Key unusable",
            MountNotFound { .. } | NamespaceNotFound { .. } => "Invalid key service setting",
            LoginRefused { .. } => "Key service login refused",
            OidcUnavailable | OidcRefused { .. } => "OIDC token unavailable",
            BadKeylessSetting { .. } => "Invalid key service setting",
            ProviderNotFound { .. } | TenantNotFound { .. } | ClientNotFound { .. } => {
                "Key service login refused"
            }
            AudienceMismatch { .. } | ServiceAccountDenied { .. } | AssertionRefused { .. } => {
                "Key service login refused"
            }
            BadResponse { .. } | Integrity { .. } | BadSignature { .. } | Refused { .. } => {
                "Key service error"
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::kms::Service;

    fn s(v: &str) -> String {
        v.to_string()
    }

    /// Every key-service error with sample details, and what its message must say.
    #[rustfmt::skip]
    fn kms_catalogue() -> Vec<(KmsError, Vec<&'static str>)> {
        use KmsError::*;
        use Service::*;
        let key = || s("alias/github-app");
        vec![
            (BadUri { uri: s("kms://x"), problem: UriProblem::UnknownScheme }, vec!["\"kms://x\"", "awskms://", "hashivault://"]),
            (BadSetting { input: "vault-role", value: s("a/b"), rule: crate::kms::error::Rule::VaultRole }, vec!["`vault-role`", "\"a/b\"", "Vault role name"]),
            (BadCredential { service: AwsSts, what: "SessionToken" }, vec!["SessionToken", "AWS STS", "control characters"]),
            (MissingSetting { service: AwsKms, missing: "AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY, or aws-role-arn" }, vec!["AWS_ACCESS_KEY_ID", "configure-aws-credentials", "id-token: write"]),
            (RegionMissing { key: key() }, vec!["alias/github-app", "AWS_REGION", "ARN"]),
            (KeyNotFound { service: Vault, key: s("gh-app") }, vec!["Vault has no key gh-app", "`vault-transit-mount`"]),
            (AccessDenied { service: AwsKms, key: key(), grant: s("kms:Sign"), message: s("not authorized to perform: kms:Sign") }, vec!["Grant kms:Sign", "alias/github-app", "not authorized"]),
            (InvalidCredentials { service: AwsKms, code: s("InvalidClientTokenId") }, vec!["InvalidClientTokenId", "AWS_ACCESS_KEY_ID"]),
            (ClockSkew { service: AwsKms, message: s("Signature expired") }, vec!["Signature expired", "NTP"]),
            (ExpiredCredentials { service: AzureKeyVault, code: s("TokenExpired") }, vec!["expired", "TokenExpired", "`kms-access-token`"]),
            (NotRsa { service: AwsKms, key: key(), kind: s("ECC_NIST_P256") }, vec!["ECC_NIST_P256", "RSA_2048", "SIGN_VERIFY"]),
            (NotForSigning { service: Vault, key: s("aes"), usage: s("aes256-gcm96") }, vec!["not for signing", "rsa-2048"]),
            (WrongAlgorithm { service: GoogleKms, key: s("k"), algorithm: s("RSA_SIGN_PSS_2048_SHA256") }, vec!["RSA_SIGN_PSS_2048_SHA256", "RSA_SIGN_PKCS1_2048_SHA256"]),
            (TooSmall { service: AzureKeyVault, key: s("k"), bits: 1024 }, vec!["1024-bit", "2048-bit", "sign"]),
            (KeyUnusable { service: AwsKms, key: key(), state: s("Disabled") }, vec!["Disabled", "Enable it"]),
            (MountNotFound { mount: s("transit2") }, vec!["transit2/", "`vault-transit-mount`"]),
            (NamespaceNotFound { namespace: s("team-a") }, vec!["\"team-a\"", "VAULT_NAMESPACE"]),
            (LoginRefused { service: Vault, role: s("widgets"), code: s("400"), message: s("invalid audience (aud) claim") }, vec!["role widgets", "invalid audience", "`oidc-audience`"]),
            (OidcUnavailable, vec!["ACTIONS_ID_TOKEN_REQUEST_URL", "`permissions: id-token: write`"]),
            (OidcRefused { status: 403 }, vec!["403", "id-token: write"]),
            (BadResponse { service: GoogleKms, what: "signature" }, vec!["Google Cloud KMS", "signature", "Check"]),
            (Integrity { service: GoogleKms, check: "signatureCrc32c" }, vec!["signatureCrc32c", "Retry"]),
            (BadSignature { service: AzureKeyVault, key: s("k") }, vec!["does not verify", "not sent to GitHub"]),
            (Refused { service: ActionsOidc, status: 418, code: s("Teapot"), message: s("no") }, vec!["418 Teapot", "\"no\""]),
            (BadKeylessSetting { setting: "gcp-workload-identity-provider", value: s("projects/acme/locations/global/workloadIdentityPools/p/providers/x"), problem: SettingProblem::GcpProjectNumber }, vec!["`gcp-workload-identity-provider`", "project number", "gcloud projects describe"]),
            (ProviderNotFound { provider: s("projects/1/locations/global/workloadIdentityPools/gh/providers/acme"), message: s("The target service indicated by the \"audience\" parameters is invalid.") }, vec!["no workload identity provider projects/1/", "`gcp-workload-identity-provider`", "disabled or deleted"]),
            (AudienceMismatch { service: GoogleSts, audience: s("https://github.com/acme"), message: s("The audience in JWT does not match the expected values.") }, vec!["Google STS refused", "https://github.com/acme", "allowed audiences", "`oidc-audience`"]),
            (ServiceAccountDenied { account: s("signer@acme.iam.gserviceaccount.com"), message: s("Permission 'iam.serviceAccounts.getAccessToken' denied") }, vec!["signer@acme.iam.gserviceaccount.com", "roles/iam.workloadIdentityUser", "principalSet://", "`gcp-service-account`"]),
            (TenantNotFound { tenant: s("contoso.com"), message: s("AADSTS90002: Tenant 'contoso.com' not found.") }, vec!["no tenant contoso.com", "`azure-tenant-id`", "AZURE_AUTHORITY_HOST"]),
            (ClientNotFound { tenant: s("contoso.com"), client_id: s("af3110ba-0ba9-4412-b1a0-59f50b7e9273"), message: s("AADSTS700016") }, vec!["no app af3110ba", "`azure-client-id`"]),
            (AssertionRefused { client_id: s("af3110ba-0ba9-4412-b1a0-59f50b7e9273"), code: s("AADSTS700213"), message: s("No matching federated identity record found for presented assertion subject") }, vec!["AADSTS700213", "federated credential", "https://token.actions.githubusercontent.com", "case matters"]),
        ]
    }

    /// Each key-service error's place in its catalogue, by an exhaustive `match`.
    fn kms_place(e: &KmsError) -> usize {
        use KmsError::*;
        match e {
            BadUri { .. } => 0,
            BadSetting { .. } => 1,
            BadCredential { .. } => 2,
            MissingSetting { .. } => 3,
            RegionMissing { .. } => 4,
            KeyNotFound { .. } => 5,
            AccessDenied { .. } => 6,
            InvalidCredentials { .. } => 7,
            ClockSkew { .. } => 8,
            ExpiredCredentials { .. } => 9,
            NotRsa { .. } => 10,
            NotForSigning { .. } => 11,
            WrongAlgorithm { .. } => 12,
            TooSmall { .. } => 13,
            KeyUnusable { .. } => 14,
            MountNotFound { .. } => 15,
            NamespaceNotFound { .. } => 16,
            LoginRefused { .. } => 17,
            BadKeylessSetting { .. } => 18,
            ProviderNotFound { .. } => 19,
            AudienceMismatch { .. } => 20,
            ServiceAccountDenied { .. } => 21,
            TenantNotFound { .. } => 22,
            ClientNotFound { .. } => 23,
            AssertionRefused { .. } => 24,
            OidcUnavailable => 25,
            OidcRefused { .. } => 26,
            BadResponse { .. } => 27,
            Integrity { .. } => 28,
            BadSignature { .. } => 29,
            Refused { .. } => 30,
        }
    }

    /// Second forms of variants the catalogue holds once.
    #[test]
    #[rustfmt::skip]
    fn keyless_sentences_name_their_service() {
        use KmsError::*;
        use Service::*;
        for (e, must) in [
            (BadKeylessSetting { setting: "azure-tenant-id", value: s("contoso"), problem: SettingProblem::AzureTenant }, vec!["`azure-tenant-id` \"contoso\"", "GUID", "contoso.onmicrosoft.com"]),
            (AudienceMismatch { service: EntraId, audience: s("api://x"), message: s("AADSTS700212: No matching federated identity record") }, vec!["Microsoft Entra ID", "api://x", "federated credential", "api://AzureADTokenExchange"]),
        ] {
            let msg = e.to_string();
            for m in must {
                assert!(msg.contains(m), "{m:?} missing from {msg}");
            }
        }
    }

    #[test]
    fn every_kms_error_is_specific_and_actionable() {
        crate::catalogue::check(&kms_catalogue(), 31, kms_place, KmsError::title);
        let secret = "-----BEGIN RSA PRIVATE KEY-----";
        let shown = KmsError::BadUri {
            uri: s(secret),
            problem: UriProblem::NoKey,
        }
        .to_string();
        assert!(!shown.contains(secret), "{shown}");
    }
}
