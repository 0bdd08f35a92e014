//! The app's private key: undo what secret stores and copy-paste do to a PEM
//! file, tell every wrong kind of key apart, and open the RSA key with ring,
//! once; the opened key is the local [`Signer`].
//!
//! Nothing here ever formats key material into a message.

use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use ring::rand::SystemRandom;
use ring::signature::{RSA_PKCS1_SHA256, RsaKeyPair};

use std::fmt;

use thiserror::Error;

use crate::asn1;
use crate::jwt::{Signer, SigningFailed};

/// A checked RSA private key, opened for signing.
pub struct PrivateKey {
    pair: RsaKeyPair,
    spki: Vec<u8>,
}

impl std::fmt::Debug for PrivateKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("PrivateKey(redacted)")
    }
}

impl Signer for PrivateKey {
    type Error = SigningFailed;

    fn sign(&self, message: &[u8]) -> Result<Vec<u8>, SigningFailed> {
        let mut sig = vec![0; self.pair.public().modulus_len()];
        self.pair
            .sign(&RSA_PKCS1_SHA256, &SystemRandom::new(), message, &mut sig)
            .map_err(|_| SigningFailed)?;
        Ok(sig)
    }

    fn public_key_der(&self) -> &[u8] {
        &self.spki
    }
}

/// Why a private key was refused.
#[derive(Debug, Error, PartialEq, Eq)]
pub enum KeyError {
    /// Nothing was given.
    #[error(
        "The private key is empty. Pass the app's private key from a secret, e.g. `private-key: ${{{{ secrets.APP_PRIVATE_KEY }}}}`; if it is set, check that the secret exists and is available to this workflow (secrets are not passed to workflows run from forks)."
    )]
    Empty,
    /// A public key, not the private one.
    #[error(
        "The private key is a public key ({label}). GitHub signs nothing with it: pass the private key (.pem) that you generated on the app's settings page under \"Private keys\"."
    )]
    Public { label: String },
    /// An OpenSSH-format key.
    #[error(
        "The private key is an OpenSSH key (BEGIN OPENSSH PRIVATE KEY), not a GitHub App key. Pass the RSA .pem file generated on the app's settings page under \"Private keys\"."
    )]
    OpenSsh,
    /// An elliptic-curve key.
    #[error(
        "The private key is an EC key; GitHub Apps sign with RSA (RS256). Pass the .pem generated on the app's settings page under \"Private keys\"."
    )]
    Ec,
    /// An Ed25519/Ed448 key.
    #[error(
        "The private key is an Ed25519 key; GitHub Apps sign with RSA (RS256). Pass the .pem generated on the app's settings page under \"Private keys\"."
    )]
    Ed25519,
    /// A passphrase-protected key.
    #[error(
        "The private key is encrypted with a passphrase, which the action cannot use. Store the unencrypted key GitHub generated, or decrypt it first: `openssl pkey -in key.pem -out plain.pem`."
    )]
    Encrypted,
    /// An RSA key below GitHub's size.
    #[error(
        "The private key is a {bits}-bit RSA key; GitHub App keys are 2048-bit RSA and RS256 needs at least 2048 bits. Pass the .pem generated on the app's settings page."
    )]
    TooSmall { bits: usize },
    /// A BEGIN line that does not read `-----BEGIN LABEL-----`.
    #[error(
        "The private key's BEGIN line is damaged, so its PEM label cannot be read (the line is not shown). It must read exactly -----BEGIN RSA PRIVATE KEY----- (or -----BEGIN PRIVATE KEY-----), five dashes on each side: copy the whole .pem file again without changing its lines."
    )]
    DamagedBegin,
    /// A PEM block of some other kind.
    #[error(
        "The private key is a PEM block labelled \"{label}\", not an RSA private key. Pass the .pem generated on the app's settings page under \"Private keys\" (it starts with -----BEGIN RSA PRIVATE KEY-----)."
    )]
    Unsupported { label: String },
    /// A file name or path instead of the key's text.
    #[error(
        "The private key looks like a file name or path, not the key itself. Pass the contents of the .pem file (e.g. from a secret: `private-key: ${{{{ secrets.APP_PRIVATE_KEY }}}}`); a path on the runner is not visible inside the action's container."
    )]
    Path,
    /// Not PEM, nor base64 of PEM.
    #[error(
        "The private key is not in PEM form (no -----BEGIN ... PRIVATE KEY----- line found, also not after base64-decoding it). Pass the whole .pem file generated on the app's settings page, including its BEGIN and END lines."
    )]
    NotPem,
    /// PEM armour around bytes that are not a valid RSA key.
    #[error(
        "The private key's PEM block is damaged ({reason}): it is not a valid RSA key. Copy the whole .pem file again, without changing its lines, or generate a new key on the app's settings page."
    )]
    Corrupt { reason: Damage },
}

/// What is wrong inside a PEM block's armour.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Damage {
    /// No END line.
    EndMissing,
    /// The body does not decode.
    NotBase64,
    /// A modulus over 4096 bits.
    TooLarge,
    /// The RSA fields do not decode or agree.
    Fields,
}

impl fmt::Display for Damage {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Damage::EndMissing => "the END line is missing",
            Damage::NotBase64 => "its body is not valid base64",
            Damage::TooLarge => "the RSA modulus is larger than 4096 bits",
            Damage::Fields => "the RSA key's fields do not decode or do not agree",
        })
    }
}

/// Parses the `private-key` input.
pub fn parse(input: &str) -> Result<PrivateKey, KeyError> {
    let text = normalize(input);
    if text.is_empty() {
        return Err(KeyError::Empty);
    }
    let text = if text.contains("-----BEGIN") {
        text
    } else {
        // A whole PEM file stored base64-encoded (a common way to keep newlines).
        let compact: String = text.split_whitespace().collect();
        let decoded = STANDARD
            .decode(compact.as_bytes())
            .ok()
            .and_then(|b| String::from_utf8(b).ok())
            .map(|s| normalize(&s))
            .filter(|s| s.contains("-----BEGIN"));
        if let Some(decoded) = decoded {
            decoded
        } else if text.contains("OpenSSH") || text.starts_with("ssh-") {
            return Err(KeyError::OpenSsh);
        } else if looks_like_path(&text) {
            return Err(KeyError::Path);
        } else {
            return Err(KeyError::NotPem);
        }
    };
    let block = pem_block(&text)?;
    classify(block)
}

/// `key.pem`, `./secrets/app.private-key.pem`, `/home/me/app.key`: one short line
/// naming a file rather than holding a key.
fn looks_like_path(text: &str) -> bool {
    let lower = text.to_ascii_lowercase();
    text.len() < 256
        && !text.contains(char::is_whitespace)
        && (lower.ends_with(".pem")
            || lower.ends_with(".key")
            || text.starts_with(['/', '~'])
            || text.starts_with("./"))
}

/// Strips quotes and whitespace, turns literal `\n` escapes and CRLF into LF.
fn normalize(input: &str) -> String {
    let mut s = input.trim();
    for q in ['"', '\''] {
        if s.len() >= 2 && s.starts_with(q) && s.ends_with(q) {
            s = s[1..s.len() - 1].trim();
        }
    }
    s.replace("\\r\\n", "\n")
        .replace("\\n", "\n")
        .replace("\r\n", "\n")
        .replace('\r', "\n")
        .trim()
        .to_string()
}

/// One PEM block: its label, headers and body bytes.
struct Block {
    label: String,
    encrypted_header: bool,
    der: Result<Vec<u8>, KeyError>,
}

/// Picks the first private-key block, else the first block. Tolerates a body
/// whose line breaks became spaces.
fn pem_block(text: &str) -> Result<Block, KeyError> {
    let mut first: Option<Block> = None;
    let mut rest = text;
    while let Some(start) = rest.find("-----BEGIN ") {
        let after = &rest[start + 11..];
        // A damaged BEGIN line would run on into the body: never take that as a label.
        let label_end = after.find("-----").ok_or(KeyError::DamagedBegin)?;
        let label = after[..label_end].trim();
        if !looks_like_label(label) {
            return Err(KeyError::DamagedBegin);
        }
        let label = label.to_string();
        let body_start = &after[label_end + 5..];
        let end_marker = format!("-----END {label}-----");
        let (body, next) = match body_start.find(&end_marker) {
            Some(i) => (&body_start[..i], &body_start[i + end_marker.len()..]),
            None => (body_start, ""),
        };
        let block = block(label, body, next.len() != body_start.len());
        if block.label.ends_with("PRIVATE KEY") {
            return Ok(block);
        }
        first.get_or_insert(block);
        rest = next;
        if rest.is_empty() {
            break;
        }
    }
    first.ok_or(KeyError::NotPem)
}

/// `RSA PRIVATE KEY`, `CERTIFICATE`: a few upper-case words, as RFC 7468 labels are.
fn looks_like_label(label: &str) -> bool {
    label.len() <= 40
        && label.split(' ').count() <= 5
        && label.split(' ').all(|w| {
            !w.is_empty()
                && w.bytes()
                    .all(|b| b.is_ascii_uppercase() || b.is_ascii_digit())
        })
}

/// The lines of a `private-key` value worth masking: its body (base64 and
/// headers), whether given as PEM, with `\n` escapes, with its line breaks
/// turned into spaces, or base64-encoded, without the armour and without pieces
/// too short to mask usefully.
pub fn body_lines(input: &str) -> Vec<String> {
    let text = normalize(input);
    let mut lines: Vec<String> = text.lines().map(str::to_string).collect();
    let compact: String = text.split_whitespace().collect();
    if let Some(decoded) = STANDARD
        .decode(compact.as_bytes())
        .ok()
        .and_then(|b| String::from_utf8(b).ok())
    {
        lines.extend(normalize(&decoded).lines().map(str::to_string));
    }
    let mut pieces = Vec::new();
    for line in lines.iter().map(|l| without_armour(l)) {
        // A body whose line breaks became spaces: each piece is one of its lines.
        pieces.extend(line.split_whitespace().map(str::to_string));
        pieces.push(line.trim().to_string());
    }
    pieces.retain(|l| l.len() >= 8 && !l.starts_with("-----"));
    pieces.dedup();
    pieces
}

/// `line` with every `-----BEGIN ...-----` and `-----END ...-----` replaced by a
/// space (a key on one line holds both around its body).
fn without_armour(line: &str) -> String {
    let mut out = String::new();
    let mut rest = line;
    while let Some(start) = rest.find("-----") {
        let after = &rest[start + 5..];
        let Some(end) = after.find("-----") else {
            break;
        };
        out.push_str(&rest[..start]);
        out.push(' ');
        rest = &after[end + 5..];
    }
    out.push_str(rest);
    out
}

fn block(label: String, body: &str, closed: bool) -> Block {
    // RFC 1421 headers (`Proc-Type: 4,ENCRYPTED`) precede the base64 body.
    let mut encrypted_header = false;
    let mut b64 = String::new();
    for line in body.split('\n') {
        if let Some((name, value)) = line.split_once(':') {
            if name.trim().eq_ignore_ascii_case("Proc-Type") && value.contains("ENCRYPTED") {
                encrypted_header = true;
            }
            continue;
        }
        b64.extend(line.chars().filter(|c| !c.is_whitespace()));
    }
    let der = if !closed {
        Err(KeyError::Corrupt {
            reason: Damage::EndMissing,
        })
    } else {
        STANDARD
            .decode(b64.as_bytes())
            .map_err(|_| KeyError::Corrupt {
                reason: Damage::NotBase64,
            })
    };
    Block {
        label,
        encrypted_header,
        der,
    }
}

fn classify(block: Block) -> Result<PrivateKey, KeyError> {
    let pkcs8 = match block.label.as_str() {
        "RSA PRIVATE KEY" if block.encrypted_header => return Err(KeyError::Encrypted),
        "RSA PRIVATE KEY" => false,
        "PRIVATE KEY" => true,
        "ENCRYPTED PRIVATE KEY" => return Err(KeyError::Encrypted),
        "PUBLIC KEY" | "RSA PUBLIC KEY" => {
            return Err(KeyError::Public { label: block.label });
        }
        "OPENSSH PRIVATE KEY" => return Err(KeyError::OpenSsh),
        "EC PRIVATE KEY" => return Err(KeyError::Ec),
        _ => return Err(KeyError::Unsupported { label: block.label }),
    };
    let der = block.der?;
    if pkcs8 {
        match asn1::pkcs8_algorithm(&der) {
            Some(asn1::EC_OID) => return Err(KeyError::Ec),
            Some(asn1::ED25519_OID | asn1::ED448_OID) => return Err(KeyError::Ed25519),
            Some(asn1::RSA_OID) | None => {}
            Some(_) => {
                return Err(KeyError::Unsupported {
                    label: "PRIVATE KEY (not RSA)".into(),
                });
            }
        }
    }
    let opened = if pkcs8 {
        RsaKeyPair::from_pkcs8(&der)
    } else {
        RsaKeyPair::from_der(&der)
    };
    match opened {
        Ok(pair) => Ok(PrivateKey {
            spki: asn1::rsa_spki(pair.public().as_ref()),
            pair,
        }),
        Err(rejected) => Err(rejection(rejected, &der, pkcs8)),
    }
}

fn rejection(rejected: ring::error::KeyRejected, der: &[u8], pkcs8: bool) -> KeyError {
    match rejected.to_string().as_str() {
        "TooSmall" => KeyError::TooSmall {
            bits: asn1::private_modulus_bits(der, pkcs8).unwrap_or(0),
        },
        "TooLarge" => KeyError::Corrupt {
            reason: Damage::TooLarge,
        },
        _ => KeyError::Corrupt {
            reason: Damage::Fields,
        },
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::fixture;

    #[test]
    fn pkcs1_and_pkcs8_are_one_key() {
        let pkcs1 = parse(&fixture("app.pem")).unwrap();
        let pkcs8 = parse(&fixture("app-pkcs8.pem")).unwrap();
        assert_eq!(pkcs1.public_key_der(), pkcs8.public_key_der());
        // PKCS#1 v1.5 signatures are deterministic.
        assert_eq!(pkcs1.sign(b"m").unwrap(), pkcs8.sign(b"m").unwrap());
    }

    #[test]
    fn tolerates_mangled_forms() {
        let pem = fixture("app.pem");
        let escaped = pem.trim().replace('\n', "\\n");
        let crlf = pem.replace('\n', "\r\n");
        let quoted = format!("\"{}\"\n", pem.trim());
        let spaced = pem.trim().replace('\n', " ");
        let b64 = STANDARD.encode(pem.as_bytes());
        let b64_wrapped: String = b64
            .as_bytes()
            .chunks(76)
            .map(|c| format!("{}\n", std::str::from_utf8(c).unwrap()))
            .collect();
        for form in [
            escaped,
            crlf,
            quoted,
            spaced,
            b64,
            b64_wrapped,
            format!("  {pem}  "),
        ] {
            assert!(parse(&form).is_ok());
        }
    }

    #[test]
    fn each_wrong_kind_has_its_own_error() {
        let cases = [
            ("app.pub.pem", "Public"),
            ("app.rsapub.pem", "Public"),
            ("openssh.key", "OpenSsh"),
            ("ec.pem", "Ec"),
            ("ec-pkcs8.pem", "Ec"),
            ("ed25519.pem", "Ed25519"),
            ("encrypted-pkcs8.pem", "Encrypted"),
            ("encrypted-pkcs1.pem", "Encrypted"),
        ];
        for (file, kind) in cases {
            let err = parse(&fixture(file)).unwrap_err();
            assert!(format!("{err:?}").starts_with(kind), "{file}: {err:?}");
        }
        assert_eq!(
            parse(&fixture("rsa1024.pem")).unwrap_err(),
            KeyError::TooSmall { bits: 1024 }
        );
    }

    #[test]
    fn garbage() {
        assert_eq!(parse("   ").unwrap_err(), KeyError::Empty);
        assert_eq!(parse("not a key").unwrap_err(), KeyError::NotPem);
        for path in [
            "app.pem",
            "./keys/app.private-key.pem",
            "/etc/app.key",
            "~/app",
        ] {
            assert_eq!(parse(path).unwrap_err(), KeyError::Path, "{path}");
        }
        let cert = "-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----";
        assert!(matches!(parse(cert), Err(KeyError::Unsupported { .. })));
        let truncated: String = fixture("app.pem")
            .lines()
            .take(10)
            .collect::<Vec<_>>()
            .join("\n");
        assert!(matches!(parse(&truncated), Err(KeyError::Corrupt { .. })));
        let damaged = fixture("app.pem").replacen("MII", "MIJ", 1);
        assert!(matches!(parse(&damaged), Err(KeyError::Corrupt { .. })));
    }

    #[test]
    fn a_damaged_begin_line_is_not_a_label() {
        let pem = fixture("app.pem");
        for broken in [
            "-----BEGIN RSA PRIVATE KEY---0-",
            "-----BEGIN RSA PRIVATE KEYa----",
            "-----BEGIN rsa private key-----",
        ] {
            let damaged = pem.replacen("-----BEGIN RSA PRIVATE KEY-----", broken, 1);
            assert_eq!(
                parse(&damaged).unwrap_err(),
                KeyError::DamagedBegin,
                "{broken}"
            );
            let spaced = damaged.replace('\n', " ");
            assert_eq!(
                parse(&spaced).unwrap_err(),
                KeyError::DamagedBegin,
                "{broken}"
            );
        }
        let cert = "-----BEGIN X509 CRL-----\nMIIB\n-----END X509 CRL-----";
        assert_eq!(
            parse(cert).unwrap_err(),
            KeyError::Unsupported {
                label: "X509 CRL".into()
            }
        );
    }

    #[test]
    fn body_lines_cover_every_form() {
        let pem = fixture("app.pem");
        let body: Vec<&str> = pem.lines().filter(|l| !l.starts_with("-----")).collect();
        let b64 = STANDARD.encode(pem.as_bytes());
        let spaced = pem.trim().replace('\n', " ");
        for form in [pem.clone(), pem.replace('\n', "\\n"), b64.clone(), spaced] {
            let lines = body_lines(&form);
            for (i, l) in body.iter().enumerate().filter(|(_, l)| l.len() >= 8) {
                // The line's number, not the line: test output shows no key material.
                assert!(lines.iter().any(|m| m == l), "body line {i} not masked");
            }
            assert!(lines.iter().all(|l| !l.starts_with("-----")));
        }
        assert!(body_lines(&b64).contains(&b64));
    }

    #[test]
    fn errors_never_contain_key_material() {
        let pem = fixture("rsa1024.pem");
        let body_line = pem.lines().nth(3).unwrap();
        let msg = parse(&pem).unwrap_err().to_string();
        assert!(!msg.contains(body_line));
    }

    /// Each variant's place in the catalogue (an exhaustive match).
    fn place(e: &KeyError) -> usize {
        use KeyError::*;
        match e {
            Empty => 0,
            Public { .. } => 1,
            OpenSsh => 2,
            Ec => 3,
            Ed25519 => 4,
            Encrypted => 5,
            TooSmall { .. } => 6,
            DamagedBegin => 7,
            Unsupported { .. } => 8,
            Path => 9,
            NotPem => 10,
            Corrupt { .. } => 11,
        }
    }

    fn s(v: &str) -> String {
        v.to_string()
    }

    #[test]
    fn every_key_error_says_what_to_pass() {
        let all = [
            KeyError::Empty,
            KeyError::Public {
                label: s("PUBLIC KEY"),
            },
            KeyError::OpenSsh,
            KeyError::Ec,
            KeyError::Ed25519,
            KeyError::Encrypted,
            KeyError::TooSmall { bits: 1024 },
            KeyError::Unsupported {
                label: s("CERTIFICATE"),
            },
            KeyError::DamagedBegin,
            KeyError::NotPem,
            KeyError::Path,
            KeyError::Corrupt {
                reason: Damage::EndMissing,
            },
        ];
        let mut places: Vec<usize> = all.iter().map(place).collect();
        places.sort_unstable();
        assert_eq!(places, (0..12).collect::<Vec<_>>(), "every variant once");
        let mut messages: Vec<String> = all.iter().map(ToString::to_string).collect();
        for m in &messages {
            let lower = m.to_lowercase();
            assert!(
                ["pass", "store", "copy"].iter().any(|w| lower.contains(w)),
                "{m}"
            );
        }
        messages.sort();
        messages.dedup();
        assert_eq!(messages.len(), all.len(), "each kind has its own message");
    }
}
