//! Signing the app's JWT with a key that lives in a key service (AWS KMS, Vault/OpenBao
//! transit, Google Cloud KMS, Azure Key Vault) instead of a local private key.
//!
//! Everything here is sans-I/O: each service module builds [`ServiceRequest`]s and reads
//! [`ServiceResponse`]s into typed results or a [`KmsError`]. The only way out to the
//! network is the [`Exchange`] seam, so the program's one budgeted, retried, proxied client
//! carries these calls as it carries GitHub's.
//!
//! Cut by service, each resolving its own settings and environment:
//! - [`aws`]: settings (region, endpoint, credentials from the environment) and `resolve`;
//!   [`aws::kms`] (GetPublicKey, Sign), [`aws::sts`] (AssumeRoleWithWebIdentity),
//!   [`aws::sigv4`] (request signing);
//! - [`vault`]: server settings and `resolve`; [`vault::transit`], [`vault::login`] (JWT auth);
//! - [`gcp`]: Cloud KMS and `resolve`; [`gcp::sts`] (STS and service-account impersonation);
//! - [`azure`]: Key Vault and `resolve`; [`azure::login`] (Entra ID client assertion);
//!
//! and shared by them:
//! - [`backend`]: checks the settings, then hands the key to its service's `resolve`;
//! - `settings`: what the user configured, and the helpers each `resolve` reads and masks with;
//! - [`uri`]: the `kms-key` forms (`awskms://`, `hashivault://`, `gcpkms://`, `azurekms://`);
//!   [`grammar`]: each input's grammar, from whoever defines the value;
//! - [`address`]: the one URL builder and percent-encoder; [`oidc`]: the runner's OIDC token;
//! - `answer`: the lenient typed reading of the login and token answers;
//! - [`spki`]: a service's public key checked usable (DER, PEM and SPKI are [`crate::asn1`]'s);
//! - [`crc32c`]: Google's integrity checksums; [`error`]: what can go wrong, as data.

pub mod address;
mod answer;
pub mod aws;
pub mod azure;
pub mod backend;
pub mod crc32c;
pub mod error;
#[cfg(test)]
mod fuzz;
pub mod gcp;
pub mod grammar;
#[cfg(test)]
mod odd_answers;
pub mod oidc;
mod settings;
pub mod spki;
pub mod uri;
pub mod vault;
mod xml;

use std::fmt;

pub use aws::sigv4;
pub use error::{KmsError, Service};

/// Header names whose values are credentials: never logged, never in a Debug string.
const SECRET_HEADERS: [&str; 3] = ["authorization", "x-vault-token", "x-amz-security-token"];

/// A credential (secret key, session token, Vault token, OIDC or access token). It has no
/// `Display`, and its `Debug` prints no part of it.
#[derive(Clone, PartialEq, Eq)]
pub struct Secret(String);

impl Secret {
    /// Wraps a credential.
    pub fn new(value: impl Into<String>) -> Secret {
        Secret(value.into())
    }

    /// The credential itself, for the one place that sends it (or masks it).
    pub fn expose(&self) -> &str {
        &self.0
    }
}

impl fmt::Debug for Secret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Secret(<redacted>)")
    }
}

pub use crate::method::Method;

/// One call to a key service, as data: the transport sends exactly this.
#[derive(Clone)]
pub struct ServiceRequest {
    /// Who is called, for errors and debug lines.
    pub service: Service,
    /// The HTTP method.
    pub method: Method,
    /// The absolute URL, query included.
    pub url: String,
    /// Headers beyond the transport's own (User-Agent, Accept-Encoding, Content-Length).
    pub headers: Vec<(String, String)>,
    /// The body, empty for GET.
    pub body: Vec<u8>,
}

impl ServiceRequest {
    fn new(service: Service, method: Method, url: String) -> ServiceRequest {
        ServiceRequest {
            service,
            method,
            url,
            headers: Vec::new(),
            body: Vec::new(),
        }
    }

    fn header(mut self, name: &str, value: impl Into<String>) -> ServiceRequest {
        self.headers.push((name.to_string(), value.into()));
        self
    }

    fn json(self, body: &[(&str, Json)]) -> ServiceRequest {
        let mut req = self.header("Content-Type", "application/json");
        req.body = Json::Object(body).to_string().into_bytes();
        req
    }

    /// Whether a header's value is a credential, so a debug line must leave it out.
    pub fn is_secret_header(name: &str) -> bool {
        SECRET_HEADERS.iter().any(|s| s.eq_ignore_ascii_case(name))
    }
}

impl fmt::Debug for ServiceRequest {
    // Bodies can hold an OIDC token (STS, Vault login), so only their size is shown.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let headers: Vec<(&str, &str)> = self
            .headers
            .iter()
            .map(|(k, v)| {
                let v = if ServiceRequest::is_secret_header(k) {
                    "<redacted>"
                } else {
                    v.as_str()
                };
                (k.as_str(), v)
            })
            .collect();
        f.debug_struct("ServiceRequest")
            .field("service", &self.service)
            .field("method", &self.method)
            .field("url", &self.url)
            .field("headers", &headers)
            .field("body_len", &self.body.len())
            .finish()
    }
}

/// A service's answer, as data.
#[derive(Clone, Default)]
pub struct ServiceResponse {
    /// The HTTP status.
    pub status: u16,
    /// Header names in any case.
    pub headers: Vec<(String, String)>,
    /// The whole body.
    pub body: Vec<u8>,
}

/// A service's answer in tests: `status` and `body` (text or a JSON `Value`), no headers.
#[cfg(test)]
pub(crate) fn resp(status: u16, body: impl std::fmt::Display) -> ServiceResponse {
    ServiceResponse {
        status,
        headers: vec![],
        body: body.to_string().into_bytes(),
    }
}

impl ServiceResponse {
    /// A header's value by case-insensitive name.
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(k, _)| k.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }

    /// The body read as a typed answer; anything else is a [`KmsError::BadResponse`].
    fn typed<T: serde::de::DeserializeOwned>(&self, service: Service) -> Result<T, KmsError> {
        serde_json::from_slice(&self.body).map_err(|_| KmsError::BadResponse {
            service,
            what: "a JSON body",
        })
    }

    fn ok(&self) -> bool {
        (200..300).contains(&self.status)
    }
}

impl fmt::Debug for ServiceResponse {
    // Bodies can hold credentials (STS keys, a Vault client token, the OIDC token).
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ServiceResponse")
            .field("status", &self.status)
            .field("body_len", &self.body.len())
            .finish()
    }
}

/// The one seam to the network: sends a request, returns the answer whatever its status.
/// Transport failures (unreachable, timeout, budget spent) are the implementation's own
/// error; service failures come back as a [`KmsError`] through `From`.
pub trait Exchange {
    /// The caller's error type.
    type Error: From<KmsError>;
    /// Sends `req` and returns the service's answer.
    fn exchange(&self, req: &ServiceRequest) -> Result<ServiceResponse, Self::Error>;
    /// The Unix time requests are made (and AWS's signed) at: the world's clock, read
    /// here at the seam and passed in to the request builders, so a test can fix it.
    fn now(&self) -> i64 {
        crate::time::now()
    }
}

/// The public key a service holds for the app, checked usable for RS256.
#[derive(Clone, Debug)]
pub struct CheckedKey {
    /// The key's SubjectPublicKeyInfo DER.
    pub spki_der: Vec<u8>,
    /// The RSA modulus size.
    pub bits: usize,
    /// What GitHub's settings page shows for the key (see [`spki::fingerprint`]).
    pub fingerprint: String,
}

/// One key in one service, as requests and answers: the public key (checked usable for
/// RS256) and RS256 signatures of a JWT signing input (`base64url(header).base64url(claims)`).
pub trait KeyService {
    /// Which service holds the key.
    fn service(&self) -> Service;
    /// The key as the user named it.
    fn key(&self) -> &str;
    /// The request for the key's public half, made at Unix time `now`.
    fn public_key_request(&self, now: i64) -> ServiceRequest;
    /// Reads the public key and checks the key can sign RS256.
    fn parse_public_key(
        &self,
        resp: &ServiceResponse,
    ) -> Result<(CheckedKey, spki::RsaPublicKey), KmsError>;
    /// The request for one signature of `signing_input`, made at Unix time `now`.
    fn sign_request(&self, signing_input: &[u8], now: i64) -> ServiceRequest;
    /// Reads the signature.
    fn parse_sign(&self, resp: &ServiceResponse) -> Result<Vec<u8>, KmsError>;
}

/// A service key whose public key was fetched and checked once; each signature it
/// returns is verified locally, so a wrong padding or a wrong key fails here, named,
/// instead of as GitHub's 401.
#[derive(Debug)]
pub struct RemoteKey<S> {
    service: S,
    checked: CheckedKey,
    rsa: spki::RsaPublicKey,
}

impl<S: KeyService> RemoteKey<S> {
    /// Fetches and checks the key's public half (one request).
    pub fn open<X: Exchange>(service: S, x: &X) -> Result<RemoteKey<S>, X::Error> {
        let resp = x.exchange(&service.public_key_request(x.now()))?;
        let (checked, rsa) = service.parse_public_key(&resp)?;
        Ok(RemoteKey {
            service,
            checked,
            rsa,
        })
    }

    /// The checked public key and its fingerprint.
    pub fn checked(&self) -> &CheckedKey {
        &self.checked
    }

    /// The service behind the key.
    pub fn service(&self) -> &S {
        &self.service
    }

    /// One signature (one request), verified against the public key.
    pub fn sign<X: Exchange>(&self, x: &X, signing_input: &[u8]) -> Result<Vec<u8>, X::Error> {
        let resp = x.exchange(&self.service.sign_request(signing_input, x.now()))?;
        let sig = self.service.parse_sign(&resp)?;
        if !self.rsa.verify_rs256(signing_input, &sig) {
            return Err(KmsError::BadSignature {
                service: self.service.service(),
                key: self.service.key().to_string(),
            }
            .into());
        }
        Ok(sig)
    }
}

/// A request body's JSON, written directly: `serde_json::json!` builds a map per body,
/// which costs more code than these few fixed shapes need.
#[derive(Clone, Copy)]
enum Json<'a> {
    Str(&'a str),
    Bool(bool),
    Num(u64),
    Object(&'a [(&'a str, Json<'a>)]),
}

impl fmt::Display for Json<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match *self {
            Json::Str(s) => {
                f.write_str("\"")?;
                for c in s.chars() {
                    match c {
                        '"' => f.write_str("\\\"")?,
                        '\\' => f.write_str("\\\\")?,
                        c if u32::from(c) < 0x20 => write!(f, "\\u{:04x}", u32::from(c))?,
                        c => write!(f, "{c}")?,
                    }
                }
                f.write_str("\"")
            }
            Json::Bool(b) => write!(f, "{b}"),
            Json::Num(n) => write!(f, "{n}"),
            Json::Object(fields) => {
                f.write_str("{")?;
                for (i, (k, v)) in fields.iter().enumerate() {
                    if i > 0 {
                        f.write_str(",")?;
                    }
                    write!(f, "{}:{v}", Json::Str(k))?;
                }
                f.write_str("}")
            }
        }
    }
}

/// The SHA-256 of the JWT signing input, which Vault, Google and Azure sign.
fn sha256(data: &[u8]) -> [u8; 32] {
    let d = ring::digest::digest(&ring::digest::SHA256, data);
    let mut out = [0; 32];
    out.copy_from_slice(d.as_ref());
    out
}

/// A DNS name of two or more labels (1–63 of `A-Za-z0-9-`, no hyphen at either end),
/// as a tenant's domain or a service account's domain is.
fn dns_name(s: &str) -> bool {
    s.len() <= 253
        && s.split('.').count() >= 2
        && s.split('.').all(|l| {
            (1..=63).contains(&l.len())
                && !l.starts_with('-')
                && !l.ends_with('-')
                && l.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-')
        })
}

/// The first line of a service's message, bounded, for an error's data.
fn short(message: &str) -> String {
    let line = message.lines().find(|l| !l.trim().is_empty()).unwrap_or("");
    line.trim().chars().take(300).collect()
}

fn b64() -> base64::engine::GeneralPurpose {
    base64::engine::general_purpose::STANDARD
}
fn b64url() -> base64::engine::GeneralPurpose {
    base64::engine::general_purpose::URL_SAFE_NO_PAD
}

#[cfg(test)]
mod tests {
    use super::Json;

    #[test]
    fn json_bodies_parse_back() {
        let inner = [("sha256", Json::Str("ab+/="))];
        let body = Json::Object(&[
            ("a", Json::Str("q\"uo\\te\n")),
            ("b", Json::Bool(true)),
            ("n", Json::Num(7)),
            ("o", Json::Object(&inner)),
        ])
        .to_string();
        let v: serde_json::Value = serde_json::from_str(&body).unwrap();
        assert_eq!(
            v,
            serde_json::json!({"a": "q\"uo\\te\n", "b": true, "n": 7, "o": {"sha256": "ab+/="}})
        );
    }
}
