//! Mocks of the two key services with no local emulator: Google Cloud KMS
//! (`getPublicKey`, `asymmetricSign`) and Azure Key Vault (get-key, sign). Each checks what
//! the real service checks (bearer token, key path, algorithm, digest length, CRC32C) and
//! signs the digest it is sent with a given RSA key, so the mock GitHub API accepts the JWT.

use std::io::BufReader;
use std::net::{TcpListener, TcpStream};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use base64::Engine;
use base64::engine::general_purpose::{STANDARD, URL_SAFE_NO_PAD};
use num_bigint::BigUint;
use serde_json::{Value, json};

use app_token_action::kms::crc32c::crc32c;
use app_token_action::kms::spki::RsaPublicKey;

use crate::http::{self, Request, Response};

/// SHA-256's DigestInfo prefix (RFC 8017 §9.2 note 1).
const SHA256_PREFIX: [u8; 19] = [
    0x30, 0x31, 0x30, 0x0d, 0x06, 0x09, 0x60, 0x86, 0x48, 0x01, 0x65, 0x03, 0x04, 0x02, 0x01, 0x05,
    0x00, 0x04, 0x20,
];

/// An RSA private key's n, e and d, read from a PKCS#1 PEM.
#[derive(Clone)]
struct RsaKey {
    n: BigUint,
    e: BigUint,
    d: BigUint,
    len: usize,
}

fn tlv(der: &[u8]) -> (u8, &[u8], &[u8]) {
    let tag = der[0];
    let (len, skip) = if der[1] < 0x80 {
        (usize::from(der[1]), 2)
    } else {
        let n = usize::from(der[1] & 0x7f);
        (
            der[2..2 + n]
                .iter()
                .fold(0, |a, &b| (a << 8) | usize::from(b)),
            2 + n,
        )
    };
    (tag, &der[skip..skip + len], &der[skip + len..])
}

impl RsaKey {
    fn from_pkcs1_pem(pem_text: &str) -> RsaKey {
        let der = pem::parse(pem_text).expect("PEM").into_contents();
        let (_, seq, _) = tlv(&der);
        let (_, _, rest) = tlv(seq); // version
        let (_, n, rest) = tlv(rest);
        let (_, e, rest) = tlv(rest);
        let (_, d, _) = tlv(rest);
        let n = BigUint::from_bytes_be(n);
        RsaKey {
            len: n.to_bytes_be().len(),
            n,
            e: BigUint::from_bytes_be(e),
            d: BigUint::from_bytes_be(d),
        }
    }

    fn public(&self) -> RsaPublicKey {
        RsaPublicKey {
            n: self.n.to_bytes_be(),
            e: self.e.to_bytes_be(),
        }
    }

    /// RSASSA-PKCS1-v1_5 over a SHA-256 digest given as is.
    fn sign_digest(&self, digest: &[u8]) -> Vec<u8> {
        let mut em = vec![0x00, 0x01];
        em.resize(self.len - SHA256_PREFIX.len() - digest.len() - 1, 0xff);
        em.push(0);
        em.extend_from_slice(&SHA256_PREFIX);
        em.extend_from_slice(digest);
        let s = BigUint::from_bytes_be(&em)
            .modpow(&self.d, &self.n)
            .to_bytes_be();
        let mut out = vec![0; self.len - s.len()];
        out.extend(s);
        out
    }
}

fn public_pem(key: &RsaKey) -> String {
    super::public_pem(&key.public().to_spki_der())
}

/// Which service the mock plays.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Flavour {
    /// Google Cloud KMS.
    Google,
    /// Azure Key Vault.
    Azure,
}

/// What the mock does; change it between calls with [`CloudMock::set`].
#[derive(Clone, Debug)]
pub struct Settings {
    /// The one access token accepted.
    pub token: String,
    /// Treat the right token as expired (Azure: `[TokenExpired]`).
    pub token_expired: bool,
    /// Google: the full key version name. Azure: the key name.
    pub key: String,
    /// Azure: the key's current version.
    pub version: String,
    /// Google: the version's algorithm.
    pub algorithm: String,
    /// Azure: the JWK's `kty` and `key_ops`, and `attributes.enabled`.
    pub kty: String,
    /// Azure: the JWK's `key_ops`.
    pub key_ops: Vec<String>,
    /// Azure: `attributes.enabled`.
    pub enabled: bool,
    /// Operations the caller lacks the permission for: `"read"`, `"sign"`.
    pub denied: Vec<&'static str>,
    /// Google: send a wrong `signatureCrc32c` (corruption in transit).
    pub corrupt_crc: bool,
    /// Sign with another key than the one reported (a rotated or mixed-up version).
    pub sign_with_other_key: bool,
}

/// One request the mock received (no header values: the token is a secret).
#[derive(Clone, Debug)]
pub struct Seen {
    /// The method.
    pub method: String,
    /// The request target (path and query).
    pub target: String,
    /// The JSON body (`null` when there is none).
    pub body: Value,
}

struct Shared {
    flavour: Flavour,
    key: RsaKey,
    other_key: RsaKey,
    settings: Mutex<Settings>,
    seen: Mutex<Vec<Seen>>,
    base_url: String,
    shutdown: AtomicBool,
}

/// A running mock; dropping it stops accepting.
pub struct CloudMock {
    shared: Arc<Shared>,
    /// `http://127.0.0.1:<port>`
    pub url: String,
}

impl CloudMock {
    /// Google Cloud KMS holding `version_name` (an RSA_SIGN_PKCS1_2048_SHA256 version).
    pub fn google(version_name: &str, token: &str, private_pem: &str) -> CloudMock {
        CloudMock::start(Flavour::Google, version_name, "", token, private_pem)
    }

    /// An Azure key vault holding key `name` at `version`.
    pub fn azure(name: &str, version: &str, token: &str, private_pem: &str) -> CloudMock {
        CloudMock::start(Flavour::Azure, name, version, token, private_pem)
    }

    fn start(
        flavour: Flavour,
        key: &str,
        version: &str,
        token: &str,
        private_pem: &str,
    ) -> CloudMock {
        let listener = TcpListener::bind("127.0.0.1:0").expect("bind");
        let url = format!("http://127.0.0.1:{}", listener.local_addr().unwrap().port());
        let shared = Arc::new(Shared {
            flavour,
            key: RsaKey::from_pkcs1_pem(private_pem),
            other_key: RsaKey::from_pkcs1_pem(crate::OTHER_KEY_PEM),
            settings: Mutex::new(Settings {
                token: token.into(),
                token_expired: false,
                key: key.into(),
                version: version.into(),
                algorithm: "RSA_SIGN_PKCS1_2048_SHA256".into(),
                kty: "RSA".into(),
                key_ops: vec!["sign".into(), "verify".into()],
                enabled: true,
                denied: Vec::new(),
                corrupt_crc: false,
                sign_with_other_key: false,
            }),
            seen: Mutex::new(Vec::new()),
            base_url: url.clone(),
            shutdown: AtomicBool::new(false),
        });
        let accept = shared.clone();
        std::thread::spawn(move || {
            for conn in listener.incoming() {
                if accept.shutdown.load(Ordering::SeqCst) {
                    break;
                }
                let Ok(tcp) = conn else { continue };
                let s = accept.clone();
                std::thread::spawn(move || serve(&s, tcp));
            }
        });
        CloudMock { shared, url }
    }

    /// Changes what the mock does from the next request on.
    pub fn set(&self, change: impl FnOnce(&mut Settings)) {
        change(&mut self.shared.settings.lock().unwrap());
    }

    /// The requests so far.
    pub fn seen(&self) -> Vec<Seen> {
        self.shared.seen.lock().unwrap().clone()
    }

    /// The public half of the signing key as SPKI PEM.
    pub fn public_pem(&self) -> String {
        public_pem(&self.shared.key)
    }
}

impl Drop for CloudMock {
    fn drop(&mut self) {
        self.shared.shutdown.store(true, Ordering::SeqCst);
        // Wake the accept loop so it sees the flag.
        let _ = TcpStream::connect(self.url.trim_start_matches("http://"));
    }
}

fn serve(shared: &Shared, tcp: TcpStream) {
    let _ = tcp.set_read_timeout(Some(Duration::from_secs(30)));
    let mut r = BufReader::new(tcp);
    while let Ok(Some(req)) = http::read_request(&mut r) {
        let body = serde_json::from_slice(&req.body).unwrap_or(Value::Null);
        shared.seen.lock().unwrap().push(Seen {
            method: req.method.clone(),
            target: req.target.clone(),
            body: body.clone(),
        });
        let settings = shared.settings.lock().unwrap().clone();
        let (status, answer) = match shared.flavour {
            Flavour::Google => google(shared, &settings, &req, &body),
            Flavour::Azure => azure(shared, &settings, &req, &body),
        };
        let mut resp = Response::new(status);
        resp.set_header("Content-Type", "application/json; charset=utf-8");
        resp.body = answer.to_string().into_bytes();
        if http::write_response(r.get_mut(), &resp, req.keep_alive()).is_err() || !req.keep_alive()
        {
            return;
        }
    }
}

impl Shared {
    fn signer(&self, s: &Settings) -> &RsaKey {
        if s.sign_with_other_key {
            &self.other_key
        } else {
            &self.key
        }
    }
}

fn bearer_ok(req: &Request, s: &Settings) -> bool {
    req.header("authorization") == Some(&format!("Bearer {}", s.token))
}

fn google_error(status: u16, code: &str, message: &str) -> (u16, Value) {
    (
        status,
        json!({"error": {"code": status, "message": message, "status": code}}),
    )
}

fn google(shared: &Shared, s: &Settings, req: &Request, body: &Value) -> (u16, Value) {
    if !bearer_ok(req, s) {
        return google_error(
            401,
            "UNAUTHENTICATED",
            "Request had invalid authentication credentials. Expected OAuth 2 access token, login cookie or other valid authentication credential.",
        );
    }
    let path = req.target.strip_prefix("/v1/").unwrap_or("");
    let (name, op, permission) = if let (Some(n), "GET") =
        (path.strip_suffix("/publicKey"), req.method.as_str())
    {
        (n, "read", "cloudkms.cryptoKeyVersions.viewPublicKey")
    } else if let (Some(n), "POST") = (path.strip_suffix(":asymmetricSign"), req.method.as_str()) {
        (n, "sign", "cloudkms.cryptoKeyVersions.useToSign")
    } else {
        return google_error(404, "NOT_FOUND", "Method not found.");
    };
    // Google answers an unknown key like a refused one: it will not say whether it exists.
    if name != s.key || s.denied.contains(&op) {
        return google_error(
            403,
            "PERMISSION_DENIED",
            &format!(
                "Permission '{permission}' denied on resource '{name}' (or it may not exist)."
            ),
        );
    }
    if op == "read" {
        let pem = public_pem(&shared.key);
        return (
            200,
            json!({"pem": pem, "algorithm": s.algorithm, "pemCrc32c": crc32c(pem.as_bytes()).to_string(), "name": name, "protectionLevel": "SOFTWARE"}),
        );
    }
    if body.get("data").is_some() && body.get("digest").is_some() {
        return google_error(
            400,
            "INVALID_ARGUMENT",
            "Only one of data or digest may be set.",
        );
    }
    let Some(digest) = body["digest"].as_object() else {
        return google_error(400, "INVALID_ARGUMENT", "digest is required.");
    };
    let Some(b64) = digest
        .get("sha256")
        .and_then(Value::as_str)
        .filter(|_| digest.len() == 1)
    else {
        return google_error(
            400,
            "INVALID_ARGUMENT",
            "The digest type does not match the algorithm of the key version.",
        );
    };
    let Ok(digest) = STANDARD.decode(b64) else {
        return google_error(
            400,
            "INVALID_ARGUMENT",
            "Invalid value at 'digest.sha256' (TYPE_BYTES)",
        );
    };
    if digest.len() != 32 {
        return google_error(
            400,
            "INVALID_ARGUMENT",
            &format!(
                "provided digest has incorrect size (got {}, want 32)",
                digest.len()
            ),
        );
    }
    let verified = match &body["digestCrc32c"] {
        Value::Null => false,
        v if v.as_str() == Some(&crc32c(&digest).to_string()) => true,
        _ => {
            return google_error(
                400,
                "INVALID_ARGUMENT",
                "The checksum in field digest_crc32c did not match the data in field digest.",
            );
        }
    };
    let sig = shared.signer(s).sign_digest(&digest);
    let crc = crc32c(&sig) ^ u32::from(s.corrupt_crc);
    (
        200,
        json!({"signature": STANDARD.encode(&sig), "signatureCrc32c": crc.to_string(), "verifiedDigestCrc32c": verified, "name": name, "protectionLevel": "SOFTWARE"}),
    )
}

fn azure_error(status: u16, code: &str, message: &str) -> (u16, Value) {
    (status, json!({"error": {"code": code, "message": message}}))
}

fn azure(shared: &Shared, s: &Settings, req: &Request, body: &Value) -> (u16, Value) {
    let (path, query) = req.target.split_once('?').unwrap_or((&req.target, ""));
    if !query.split('&').any(|p| p.starts_with("api-version=")) {
        return azure_error(
            400,
            "BadParameter",
            "The request URI contains an invalid or missing api-version parameter.",
        );
    }
    if req.header("authorization").is_none() {
        return azure_error(
            401,
            "Unauthorized",
            "AKV10000: Request is missing a Bearer or PoP token.",
        );
    }
    if !bearer_ok(req, s) {
        return azure_error(401, "Unauthorized", "AKV10032: Invalid issuer.");
    }
    if s.token_expired {
        return azure_error(
            401,
            "Unauthorized",
            "[TokenExpired] Error validating token: 'S2S12086'.",
        );
    }
    let parts: Vec<&str> = path.trim_start_matches("/keys/").split('/').collect();
    let (name, version, op) = match (req.method.as_str(), parts.as_slice()) {
        ("GET", [n]) => (*n, None, "read"),
        ("GET", [n, v]) => (*n, Some(*v), "read"),
        ("POST", [n, "sign"]) => (*n, None, "sign"),
        ("POST", [n, v, "sign"]) => (*n, Some(*v), "sign"),
        _ => return azure_error(404, "NotFound", "Not found"),
    };
    if name != s.key || version.is_some_and(|v| v != s.version) {
        return azure_error(
            404,
            "KeyNotFound",
            &format!(
                "A key with (name/id) {name} was not found in this key vault. If you recently deleted this key you may be able to recover it using the correct recovery command."
            ),
        );
    }
    if s.denied.contains(&op) {
        let action = if op == "sign" {
            "Microsoft.KeyVault/vaults/keys/sign/action"
        } else {
            "Microsoft.KeyVault/vaults/keys/read"
        };
        return azure_error(
            403,
            "Forbidden",
            &format!(
                "Caller is not authorized to perform action on resource.\r\nAction: '{action}'"
            ),
        );
    }
    let kid = format!("{}/keys/{name}/{}", shared.base_url, s.version);
    if op == "read" {
        let public = shared.key.public();
        return (
            200,
            json!({"key": {"kid": kid, "kty": s.kty, "key_ops": s.key_ops, "n": URL_SAFE_NO_PAD.encode(&public.n), "e": URL_SAFE_NO_PAD.encode(&public.e)}, "attributes": {"enabled": s.enabled}}),
        );
    }
    if body["alg"] != "RS256" {
        return azure_error(400, "BadParameter", "Invalid or unsupported algorithm.");
    }
    let digest = body["value"]
        .as_str()
        .and_then(|v| URL_SAFE_NO_PAD.decode(v).ok());
    match digest {
        Some(d) if d.len() == 32 => (
            200,
            json!({"kid": kid, "value": URL_SAFE_NO_PAD.encode(shared.signer(s).sign_digest(&d))}),
        ),
        _ => azure_error(
            400,
            "BadParameter",
            "The digest length is invalid for the algorithm RS256.",
        ),
    }
}
