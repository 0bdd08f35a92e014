//! What can go wrong with a key service, as data only. The sentences a user reads are
//! written from these variants where every other message lives (`src/error.rs`).
//!
//! No variant holds a credential: service messages are kept to their first line, and
//! nothing here ever receives a secret key, session token, Vault token or OIDC token.

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
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum KmsError {
    /// The `kms-key` value does not parse.
    BadUri {
        /// The value as given (a key reference, not a secret).
        uri: String,
        /// What is wrong with it.
        problem: UriProblem,
    },
    /// A key-service input that does not fit its grammar.
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
    BadCredential {
        /// Who it came from.
        service: Service,
        /// Which credential (a field of the answer, or a variable).
        what: &'static str,
    },
    /// A setting the service needs is not set (`missing` names the variables or inputs).
    MissingSetting {
        /// The service.
        service: Service,
        /// The environment variables or inputs, any one of which would do.
        missing: &'static str,
    },
    /// AWS: no region in the key's ARN, `AWS_REGION` or `AWS_DEFAULT_REGION`.
    RegionMissing {
        /// The key as given.
        key: String,
    },
    /// The service has no such key (or, for Google, may not tell whether it exists).
    KeyNotFound {
        /// The service.
        service: Service,
        /// The key as the service names it.
        key: String,
    },
    /// The credentials are valid but may not do this.
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
    InvalidCredentials {
        /// The service.
        service: Service,
        /// The service's code (`InvalidSignatureException`, `UNAUTHENTICATED`, 403 …).
        code: String,
    },
    /// AWS refused the request's date: this machine's clock is more than 5 minutes off.
    ClockSkew {
        /// The service.
        service: Service,
        /// The service's own words, first line (they give both times).
        message: String,
    },
    /// The credentials were good once and have expired.
    ExpiredCredentials {
        /// The service.
        service: Service,
        /// The service's code.
        code: String,
    },
    /// The key is not an RSA key.
    NotRsa {
        /// The service.
        service: Service,
        /// The key.
        key: String,
        /// What kind it is, in the service's words.
        kind: String,
    },
    /// The key exists but is not for signing.
    NotForSigning {
        /// The service.
        service: Service,
        /// The key.
        key: String,
        /// Its usage or purpose, in the service's words.
        usage: String,
    },
    /// An RSA signing key that does not do RSASSA-PKCS1-v1_5 with SHA-256.
    WrongAlgorithm {
        /// The service.
        service: Service,
        /// The key.
        key: String,
        /// The algorithm(s) the key has.
        algorithm: String,
    },
    /// An RSA key smaller than GitHub's 2048 bits.
    TooSmall {
        /// The service.
        service: Service,
        /// The key.
        key: String,
        /// Its modulus size.
        bits: usize,
    },
    /// The key is disabled, pending deletion or otherwise not usable now.
    KeyUnusable {
        /// The service.
        service: Service,
        /// The key.
        key: String,
        /// The state or code the service gave.
        state: String,
    },
    /// Vault: nothing is mounted at the transit or auth path used.
    MountNotFound {
        /// The mount path.
        mount: String,
    },
    /// Vault: the namespace does not exist.
    NamespaceNotFound {
        /// The namespace.
        namespace: String,
    },
    /// The OIDC exchange (STS or Vault JWT login) was refused.
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
    BadKeylessSetting {
        /// The input or environment variable.
        setting: &'static str,
        /// The value as given (a name, not a secret).
        value: String,
        /// What is wrong with it.
        problem: SettingProblem,
    },
    /// Google's STS has no such workload identity provider (or it is disabled or deleted).
    ProviderNotFound {
        /// The provider's resource name.
        provider: String,
        /// STS's own words, first line.
        message: String,
    },
    /// The OIDC token's audience is not one the provider or federated credential allows.
    AudienceMismatch {
        /// Google's STS or Entra ID.
        service: Service,
        /// The audience the token was asked for.
        audience: String,
        /// The service's own words, first line.
        message: String,
    },
    /// IAM Credentials refused a token for the service account (no role, or no account).
    ServiceAccountDenied {
        /// The service account.
        account: String,
        /// Google's own words, first line.
        message: String,
    },
    /// Entra ID has no such tenant (or not in this cloud).
    TenantNotFound {
        /// `azure-tenant-id`.
        tenant: String,
        /// Entra's own words, first line.
        message: String,
    },
    /// Entra ID has no app with this client id in the tenant.
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
    AssertionRefused {
        /// `azure-client-id`.
        client_id: String,
        /// `AADSTS…`, or the OAuth error.
        code: String,
        /// Entra's own words, first line.
        message: String,
    },
    /// The runner offers no OIDC token: the job lacks `permissions: id-token: write`.
    OidcUnavailable,
    /// The runner's OIDC endpoint refused the request.
    OidcRefused {
        /// The HTTP status.
        status: u16,
    },
    /// The service answered something this program does not understand.
    BadResponse {
        /// The service.
        service: Service,
        /// What was expected.
        what: &'static str,
    },
    /// An integrity check on the answer failed (CRC32C, key name, key id).
    Integrity {
        /// The service.
        service: Service,
        /// Which check.
        check: &'static str,
    },
    /// The signature the service returned does not verify with the key's public key.
    BadSignature {
        /// The service.
        service: Service,
        /// The key.
        key: String,
    },
    /// Any other refusal, with the service's status, code and words.
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
