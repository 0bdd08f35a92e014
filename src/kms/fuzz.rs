//! Bounded property tests of the readers that see untrusted bytes: the `kms-key` URI
//! grammar, the other inputs' grammars, SPKI DER, PEM, the STS XML, and each service's
//! JSON answers; and of the two hand-written algorithms, SigV4 and CRC32C. A tiny
//! deterministic PRNG mutates valid inputs (flips, cuts, inserts, splices of hostile
//! bytes); each reader must return without panicking, and what it accepts must still
//! satisfy its contract.
//!
//! `cargo test --lib kms::fuzz` runs 2,000 cases per reader; run longer with
//! `KMS_FUZZ_ITERATIONS=1000000 cargo test --release --lib kms::fuzz -- --nocapture`
//! (each test prints its executions and time).

use std::time::Instant;

use base64::Engine;

use super::spki::{self, PublicKey};
use super::uri::KeyRef;
use super::{KeyService, ServiceResponse, b64, grammar, xml};

/// xorshift64*: deterministic, no dependency.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_f491_4f6c_dd1d)
    }
    fn below(&mut self, n: usize) -> usize {
        (self.next() % n.max(1) as u64) as usize
    }
}

const HOSTILE: &[&[u8]] = &[
    b"\0",
    b"\n",
    b"\r",
    b"\x1b[0m",
    b"::",
    b"##[",
    b"&#10;",
    b"&#x0;",
    b"&#1114112;",
    b"&amp;",
    b"]]>",
    b"<!--",
    b"<A>",
    b"</A>",
    b"/",
    b"..",
    b"?",
    b"#",
    b":",
    b"%2F",
    b"\xff",
    b"\xc3",
    b"\x30\x84\xff\xff\xff\xff",
    b"\x02\x00",
    b"-----BEGIN PUBLIC KEY-----",
    b"=",
    b"\"",
    b"\\u0000",
];

/// One mutation of `seed`: a flipped byte, a cut, a duplicated run, or hostile bytes spliced in.
fn mutate(rng: &mut Rng, seed: &[u8]) -> Vec<u8> {
    let mut v = seed.to_vec();
    for _ in 0..=rng.below(4) {
        let at = rng.below(v.len() + 1);
        match rng.below(5) {
            0 if !v.is_empty() => {
                let i = rng.below(v.len());
                v[i] ^= 1 << rng.below(8);
            }
            1 => v.truncate(at),
            2 => {
                let end = (at + rng.below(64)).min(v.len());
                let run = v[at..end].to_vec();
                v.splice(at..at, run);
            }
            _ => {
                let h = HOSTILE[rng.below(HOSTILE.len())];
                v.splice(at..at, h.iter().copied());
            }
        }
    }
    v
}

fn iterations() -> usize {
    std::env::var("KMS_FUZZ_ITERATIONS")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(2_000)
}

/// Runs `check` on `iterations()` mutations of the seeds; prints executions and time.
// The executions and time, for whoever runs the long campaign (`--nocapture`).
#[allow(clippy::print_stderr)]
fn run(name: &str, seeds: &[Vec<u8>], mut check: impl FnMut(&[u8])) {
    let mut rng = Rng(0x9e37_79b9_7f4a_7c15);
    let n = iterations();
    let start = Instant::now();
    for seed in seeds {
        check(seed);
    }
    for _ in 0..n {
        let seed = &seeds[rng.below(seeds.len())];
        check(&mutate(&mut rng, seed));
    }
    eprintln!(
        "fuzz {name}: {} executions in {:.2?}",
        n + seeds.len(),
        start.elapsed()
    );
}

fn app_spki() -> Vec<u8> {
    spki::pem_der(&crate::fixture("app.pub.pem")).unwrap()
}

#[test]
fn kms_key_uris() {
    let seeds: Vec<Vec<u8>> = [
        "awskms:///arn:aws-us-gov:kms:us-gov-west-1:111122223333:key/1234abcd-12ab-34cd-56ef-1234567890ab",
        "awskms://localhost:4566/alias/github-app",
        "openbao://gh-app",
        "gcpkms://projects/my-proj/locations/global/keyRings/github/cryptoKeys/app/cryptoKeyVersions/1",
        "azurekms://acme.vault.azure.net/GitHubApp/0a1b2c3d4e5f60718293a4b5c6d7e8f9",
    ]
    .iter()
    .map(|s| s.as_bytes().to_vec())
    .collect();
    run("kms-key", &seeds, |bytes| {
        let Ok(s) = std::str::from_utf8(bytes) else {
            return;
        };
        if let Ok(key) = KeyRef::parse(s) {
            // Whatever is accepted is one line of printable ASCII: it reaches URLs and logs.
            let text = format!("{key:?}");
            assert!(
                s.trim().bytes().all(|b| (b'!'..=b'~').contains(&b)),
                "{text}"
            );
            if let KeyRef::Vault { name, .. } = key {
                assert!(!name.contains('/') && name != ".." && name != ".");
            }
        }
        for rule in [
            grammar::Rule::RoleArn,
            grammar::Rule::VaultRole,
            grammar::Rule::VaultMount,
            grammar::Rule::Audience,
            grammar::Rule::AwsRegion,
            grammar::Rule::VaultNamespace,
            grammar::Rule::BearerToken,
        ] {
            if rule.fits(s) {
                assert!(
                    !s.contains(|c: char| c.is_control() || c == ' '),
                    "{rule:?}: {s:?}"
                );
            }
        }
    });
}

#[test]
fn spki_der() {
    let der = app_spki();
    let small = spki::RsaPublicKey {
        n: vec![0xc5; 128],
        e: vec![1, 0, 1],
    }
    .to_spki_der();
    run("SPKI DER", &[der, small], |bytes| {
        if let Some(PublicKey::Rsa(rsa)) = spki::parse(bytes) {
            // Exact DER: what is accepted re-encodes to the very same bytes.
            assert_eq!(rsa.to_spki_der(), bytes);
        }
    });
}

#[test]
fn pem() {
    let pem = crate::fixture("app.pub.pem").into_bytes();
    run("PEM", &[pem], |bytes| {
        let Ok(s) = std::str::from_utf8(bytes) else {
            return;
        };
        let _ = spki::pem_der(s);
        let _ = crate::key::parse(s);
        let _ = crate::key::body_lines(s);
    });
}

#[test]
fn sts_xml() {
    let ok = "<AssumeRoleWithWebIdentityResponse><AssumeRoleWithWebIdentityResult><Credentials><AccessKeyId>ASIA1</AccessKeyId><SecretAccessKey>s/k+</SecretAccessKey><SessionToken>tok</SessionToken></Credentials></AssumeRoleWithWebIdentityResult></AssumeRoleWithWebIdentityResponse>";
    let err = "<ErrorResponse><Error><Type>Sender</Type><Code>AccessDenied</Code><Message>no</Message></Error></ErrorResponse>";
    let sts = super::aws::Sts::new(
        "arn:aws:iam::111122223333:role/r",
        "x",
        Some("us-east-1"),
        &|_| None,
    );
    run("STS XML", &[ok.into(), err.into()], |bytes| {
        for status in [200, 403] {
            let resp = ServiceResponse {
                status,
                headers: vec![],
                body: bytes.to_vec(),
            };
            if let Ok(c) = sts.parse(&resp) {
                for v in [
                    c.access_key_id.as_str(),
                    c.secret_access_key.expose(),
                    c.session_token.as_ref().map_or("x", |t| t.expose()),
                ] {
                    assert!(grammar::credential(v), "{v:?}");
                }
            }
        }
        let _ = xml::text(&String::from_utf8_lossy(bytes), "Code");
    });
}

const GOOGLE_NAME: &str =
    "projects/my-proj/locations/global/keyRings/r/cryptoKeys/k/cryptoKeyVersions/1";

/// One valid answer of each service's shape, for the mutations to start from.
fn json_seeds() -> Vec<Vec<u8>> {
    let der = app_spki();
    let pem = crate::fixture("app.pub.pem");
    let crc = super::crc32c::crc32c(pem.as_bytes());
    let name = GOOGLE_NAME;
    [
        serde_json::json!({"KeyId":"k","PublicKey": b64().encode(&der),"KeyUsage":"SIGN_VERIFY","KeySpec":"RSA_2048","SigningAlgorithms":["RSASSA_PKCS1_V1_5_SHA_256"]}),
        serde_json::json!({"data":{"type":"rsa-2048","latest_version":1,"keys":{"1":{"public_key":pem}}}}),
        serde_json::json!({"pem": pem, "pemCrc32c": crc.to_string(), "algorithm": "RSA_SIGN_PKCS1_2048_SHA256", "name": name}),
        serde_json::json!({"key":{"kid":"https://acme.vault.azure.net/keys/k/0a1b2c3d4e5f60718293a4b5c6d7e8f9","kty":"RSA","n":"AQAB","e":"AQAB"}}),
        serde_json::json!({"auth":{"client_token":"s.x"},"value":"a.b.c","data":{"signature":"vault:v1:AAEC"},"signature":"AAEC","kid":"x"}),
    ]
    .iter()
    .map(|v| v.to_string().into_bytes())
    .collect()
}

/// One key in each of the four services.
fn every_service() -> Vec<Box<dyn KeyService>> {
    use super::{Secret, aws, azure, gcp, vault};
    let env = |k: &str| (k == "AWS_REGION").then(|| "us-east-1".to_string());
    let creds = super::sigv4::Credentials {
        access_key_id: "AKID".into(),
        secret_access_key: Secret::new("S"),
        session_token: None,
    };
    vec![
        Box::new(aws::Kms::new(None, "alias/a", creds, &env).unwrap()),
        Box::new(vault::Transit::new(
            vault::Server {
                addr: "http://v".into(),
                namespace: None,
            },
            Secret::new("t"),
            "transit",
            "k",
        )),
        Box::new(gcp::CloudKms {
            base_url: "http://g".into(),
            version_name: GOOGLE_NAME.into(),
            token: Secret::new("t"),
        }),
        Box::new(azure::KeyVault::new(
            "acme.vault.azure.net",
            "k",
            None,
            Secret::new("t"),
        )),
    ]
}

#[test]
fn json_answers() {
    use super::{oidc, vault};
    let (seeds, services) = (json_seeds(), every_service());
    let login = vault::JwtLogin {
        server: vault::Server {
            addr: "http://v".into(),
            namespace: None,
        },
        mount: "jwt".into(),
        role: "r".into(),
    };
    run("JSON answers", &seeds, |bytes| {
        for status in [200, 400, 403, 404] {
            let resp = ServiceResponse {
                status,
                headers: vec![],
                body: bytes.to_vec(),
            };
            for s in &services {
                if let Ok((checked, _)) = s.parse_public_key(&resp) {
                    assert!(spki::parse(&checked.spki_der).is_some());
                }
                let _ = s.parse_sign(&resp);
            }
            if let Ok(t) = login.parse(&resp) {
                assert!(grammar::credential(t.expose()));
            }
            if let Ok(t) = oidc::TokenRequest::parse(&resp) {
                assert!(grammar::credential(t.expose()));
            }
        }
    });
}

/// Random strings of `len` characters drawn from `alphabet`.
fn pick(rng: &mut Rng, alphabet: &[u8], len: usize) -> String {
    (0..len)
        .map(|_| char::from(alphabet[rng.below(alphabet.len())]))
        .collect()
}

const LOWER: &[u8] = b"abcdefghijklmnopqrstuvwxyz";
const ALNUM: &[u8] = b"abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789";
const HEX: &[u8] = b"0123456789abcdef";

/// Random strings of `min..=max` characters (see [`length`]) drawn from `alphabet`.
fn pick_len(rng: &mut Rng, alphabet: &[u8], min: usize, max: usize) -> String {
    let n = length(rng, min, max);
    pick(rng, alphabet, n)
}

/// A length in `min..=max`, the edges twice as likely as any other.
fn length(rng: &mut Rng, min: usize, max: usize) -> usize {
    match rng.below(4) {
        0 => min,
        1 => max,
        _ => min + rng.below(max - min + 1),
    }
}

fn google_value(rng: &mut Rng) -> String {
    let id = |rng: &mut Rng| {
        let n = length(rng, 6, 30);
        let mut p = pick(rng, LOWER, 1);
        p += &pick(rng, b"abcdefghijklmnopqrstuvwxyz0123456789-", n - 2);
        p + &pick(rng, b"abcdefghijklmnopqrstuvwxyz0123456789", 1)
    };
    let project = match rng.below(3) {
        0 => id(rng),
        1 => (1 + rng.next() % 999_999_999_999).to_string(),
        _ => format!("example.com:{}", id(rng)),
    };
    let location = ["global", "us-east1", "europe-west4", "nam-eur-asia1", "us"][rng.below(5)];
    let set = b"abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_-";
    let ring = pick_len(rng, set, 1, 63);
    let key = pick_len(rng, set, 1, 63);
    let version = 1 + rng.next() % 1_000_000;
    format!(
        "projects/{project}/locations/{location}/keyRings/{ring}/cryptoKeys/{key}/cryptoKeyVersions/{version}"
    )
}

fn azure_value(rng: &mut Rng) -> (String, String, Option<String>) {
    let n = length(rng, 3, 24);
    let mut vault = pick(rng, LOWER, 1) + &pick(rng, ALNUM, n - 2);
    if n > 4 && rng.below(2) == 0 {
        vault.replace_range(2..3, "-");
    }
    vault += &pick(rng, ALNUM, 1);
    let suffix = [
        "vault.azure.net",
        "vault.azure.cn",
        "vault.usgovcloudapi.net",
        "managedhsm.azure.net",
    ][rng.below(4)];
    let name = pick_len(
        rng,
        b"abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-",
        1,
        127,
    );
    let version = (rng.below(2) == 0).then(|| pick(rng, HEX, 32));
    (format!("{vault}.{suffix}"), name, version)
}

fn aws_value(rng: &mut Rng) -> String {
    let uuid = |rng: &mut Rng| [8, 4, 4, 4, 12].map(|n| pick(rng, HEX, n)).join("-");
    let resource = match rng.below(3) {
        0 => format!("key/{}", uuid(rng)),
        1 => format!("key/mrk-{}", pick(rng, HEX, 32)),
        _ => format!(
            "alias/{}",
            pick_len(
                rng,
                b"abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789/_-",
                1,
                250
            )
        ),
    };
    let partitions = crate::kms::grammar::AWS_PARTITIONS;
    let partition = partitions[rng.below(partitions.len())];
    let region = [
        "us-east-1",
        "cn-northwest-1",
        "us-gov-west-1",
        "us-iso-east-1",
        "us-isob-east-1",
        "eu-isoe-west-1",
        "us-isof-south-1",
        "eusc-de-east-1",
    ][rng.below(8)];
    // An ARN, or the bare key id or alias name.
    match rng.below(2) {
        0 => format!(
            "arn:{partition}:kms:{region}:{}:{resource}",
            pick(rng, b"0123456789", 12)
        ),
        _ => resource
            .strip_prefix("key/")
            .unwrap_or(&resource)
            .to_string(),
    }
}

fn vault_value(rng: &mut Rng) -> String {
    let word = b"abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_";
    let n = length(rng, 1, 100);
    if n == 1 {
        return pick(rng, word, 1);
    }
    pick(rng, word, 1)
        + &pick(
            rng,
            b"abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_-.",
            n - 2,
        )
        + &pick(rng, word, 1)
}

/// A generated Google key version: accepted, and named in its request. Returns the URI.
fn google_reaches(rng: &mut Rng) -> String {
    let google = google_value(rng);
    let KeyRef::Google { version_name } = KeyRef::parse(&format!("gcpkms://{google}")).unwrap()
    else {
        panic!("{google}")
    };
    let kms = super::gcp::CloudKms {
        base_url: "https://cloudkms.googleapis.com".into(),
        version_name,
        token: super::Secret::new("t"),
    };
    assert_eq!(
        kms.public_key_request(0).url,
        format!("https://cloudkms.googleapis.com/v1/{google}/publicKey")
    );
    format!("gcpkms://{google}")
}

/// A generated Azure key: accepted, and named in its request. Returns the URI.
fn azure_reaches(rng: &mut Rng) -> String {
    let (host, name, version) = azure_value(rng);
    let uri = match &version {
        Some(v) => format!("azurekms://{host}/{name}/{v}"),
        None => format!("azurekms://{host}/{name}"),
    };
    let KeyRef::Azure {
        vault_host,
        name: n2,
        version: v2,
    } = KeyRef::parse(&uri).unwrap()
    else {
        panic!("{uri}")
    };
    let kv = super::azure::KeyVault::new(&vault_host, &n2, v2.as_deref(), super::Secret::new("t"));
    let path = version
        .as_ref()
        .map_or(name.clone(), |v| format!("{name}/{v}"));
    assert_eq!(
        kv.public_key_request(0).url,
        format!("https://{host}/keys/{path}?api-version=7.4")
    );
    uri
}

/// A generated AWS key id, alias or ARN: accepted, and named in its request. Returns the URI.
fn aws_reaches(rng: &mut Rng) -> String {
    let key = aws_value(rng);
    let KeyRef::Aws { key_id, .. } = KeyRef::parse(&format!("awskms:///{key}")).unwrap() else {
        panic!("{key}")
    };
    let env = |k: &str| (k == "AWS_REGION").then(|| "us-east-1".to_string());
    let creds = super::sigv4::Credentials {
        access_key_id: "A".into(),
        secret_access_key: super::Secret::new("S"),
        session_token: None,
    };
    let req = super::aws::Kms::new(None, &key_id, creds, &env)
        .unwrap()
        .public_key_request(0);
    let body: serde_json::Value = serde_json::from_slice(&req.body).unwrap();
    assert_eq!(body["KeyId"], key);
    format!("awskms:///{key}")
}

/// A generated transit key name: accepted, and named in its request. Returns the URI.
fn vault_reaches(rng: &mut Rng) -> String {
    use super::vault;
    let name = vault_value(rng);
    let KeyRef::Vault { name: n3, .. } = KeyRef::parse(&format!("openbao://{name}")).unwrap()
    else {
        panic!("{name}")
    };
    let t = vault::Transit::new(
        vault::Server {
            addr: "http://v".into(),
            namespace: None,
        },
        super::Secret::new("t"),
        "transit",
        &n3,
    );
    assert_eq!(
        t.public_key_request(0).url,
        format!("http://v/v1/transit/keys/{name}")
    );
    format!("openbao://{name}")
}

/// Generated valid `kms-key` values of every form: each is accepted, and its name reaches
/// the request that names the key. Also counts how many the old "looks like a credential"
/// guess in `secret.rs` would have refused (printed, not asserted: that rule is not this
/// module's).
#[test]
fn valid_values_reach_their_requests() {
    let mut rng = Rng(0x2545_f491_4f6c_dd1d);
    let n = iterations();
    let mut refused_by_guess = [0usize; 4];
    let start = Instant::now();
    for _ in 0..n {
        let uris = [
            google_reaches(&mut rng),
            azure_reaches(&mut rng),
            aws_reaches(&mut rng),
            vault_reaches(&mut rng),
        ];
        for (i, v) in uris.iter().enumerate() {
            refused_by_guess[i] += usize::from(crate::secret::looks_secret(v));
        }
    }
    eprintln!(
        "valid kms-key values: {n} of each form in {:.2?}; the credential guess would refuse Google {}, Azure {}, AWS {}, Vault {}",
        start.elapsed(),
        refused_by_guess[0],
        refused_by_guess[1],
        refused_by_guess[2],
        refused_by_guess[3]
    );
}

/// A table-driven CRC32C (Castagnoli, reflected), independent of the bitwise one shipped.
fn crc32c_by_table(data: &[u8]) -> u32 {
    let mut table = [0u32; 256];
    for (i, slot) in table.iter_mut().enumerate() {
        let mut c = i as u32;
        for _ in 0..8 {
            c = if c & 1 == 1 {
                (c >> 1) ^ 0x82F6_3B78
            } else {
                c >> 1
            };
        }
        *slot = c;
    }
    !data.iter().fold(!0u32, |crc, &b| {
        table[((crc ^ u32::from(b)) & 0xff) as usize] ^ (crc >> 8)
    })
}

/// CRC32C: equal to a table-driven implementation on random data (lengths 0 to 600), and
/// any one flipped bit changes it (a CRC detects every single-bit error).
#[test]
fn crc32c_matches_a_table_and_sees_every_flipped_bit() {
    use super::crc32c::crc32c;
    let mut rng = Rng(0x1234_5678_9abc_def1);
    for _ in 0..iterations() {
        let len = rng.below(601);
        let mut data: Vec<u8> = (0..len).map(|_| rng.next() as u8).collect();
        let crc = crc32c(&data);
        assert_eq!(crc, crc32c_by_table(&data), "{data:?}");
        if len > 0 {
            let i = rng.below(len);
            data[i] ^= 1 << rng.below(8);
            assert_ne!(crc32c(&data), crc, "flipped byte {i}");
        }
    }
}

/// A random request to sign: URL, `X-Amz-Target` and body drawn from awkward bytes.
fn random_request(rng: &mut Rng) -> super::ServiceRequest {
    use super::{Method, Service, ServiceRequest};
    let text = b"abcXYZ019-_.~ /?&=#:%+\t";
    let host = b"abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789.-";
    let url = format!(
        "http{}://{}:{}/{}?{}",
        ["", "s"][rng.below(2)],
        pick_len(rng, host, 1, 30),
        rng.below(65536),
        pick_len(rng, text, 0, 40),
        pick_len(rng, text, 0, 40)
    );
    let mut req = ServiceRequest::new(Service::AwsKms, Method::Post, url)
        .header("X-Amz-Target", pick_len(rng, text, 0, 30))
        .header("Content-Type", "application/x-amz-json-1.1");
    req.body = (0..rng.below(300)).map(|_| rng.next() as u8).collect();
    req
}

const SIGV4_SECRET: &str = "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY";

/// `req` signed at `date`, and its one `Authorization` header; no header holds the secret.
fn signed_auth(req: &super::ServiceRequest, date: &str) -> String {
    use super::sigv4::{self, Credentials};
    let creds = Credentials {
        access_key_id: "AKIDEXAMPLE".into(),
        secret_access_key: super::Secret::new(SIGV4_SECRET),
        session_token: Some(super::Secret::new("session/token+=")),
    };
    let mut req = req.clone();
    sigv4::sign(&mut req, &creds, "us-east-1", "kms", date);
    assert!(req.headers.iter().all(|(_, v)| !v.contains(SIGV4_SECRET)));
    let all: Vec<&String> = req
        .headers
        .iter()
        .filter(|(k, _)| k == "Authorization")
        .map(|(_, v)| v)
        .collect();
    assert_eq!(all.len(), 1, "{req:?}");
    all[0].clone()
}

/// SigV4 over random URLs, headers and bodies: never panics; the `Authorization` header
/// has SigV4's shape (credential scope, sorted signed headers, 64 lower-case hex digits);
/// the secret key appears in no header; signing is deterministic; and changing the body,
/// a header's value or the date changes the signature.
#[test]
fn sigv4_signs_any_request_in_shape() {
    let mut rng = Rng(0x0f1e_2d3c_4b5a_6978);
    for _ in 0..iterations() {
        let req = random_request(&mut rng);
        let date = super::sigv4::amz_date(rng.below(4_000_000_000) as i64);
        let a = signed_auth(&req, &date);
        let scope = format!(
            "AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/{}/us-east-1/kms/aws4_request, SignedHeaders=",
            &date[..8]
        );
        assert!(a.starts_with(&scope), "{a}");
        let (signed, signature) = a[scope.len()..].split_once(", Signature=").unwrap();
        let names: Vec<&str> = signed.split(';').collect();
        assert!(names.windows(2).all(|w| w[0] < w[1]), "{signed}");
        assert!(names.contains(&"host") && names.contains(&"x-amz-date"));
        assert_eq!(signature.len(), 64);
        assert!(
            signature
                .bytes()
                .all(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(&b))
        );
        assert_eq!(signed_auth(&req, &date), a, "deterministic");
        let mut body = req.clone();
        body.body.push(b'!');
        assert_ne!(signed_auth(&body, &date), a, "the body is signed");
        let mut header = req.clone();
        header.headers[0].1.push('!');
        assert_ne!(signed_auth(&header, &date), a, "the headers are signed");
        let later = super::sigv4::amz_date(4_000_000_001);
        assert_ne!(signed_auth(&req, &later), a, "the date is signed");
    }
}
