//! The app's private key: undo what secret stores and copy-paste do to a PEM
//! file, tell every wrong kind of key apart, and check the RSA key with ring.
//!
//! Nothing here ever formats key material into a message.

use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use ring::signature::RsaKeyPair;

use crate::error::KeyError;

/// A checked RSA private key, as DER.
pub struct PrivateKey {
    der: Vec<u8>,
}

impl PrivateKey {
    /// The DER bytes (PKCS#1 `RSAPrivateKey` or PKCS#8 `PrivateKeyInfo`).
    pub fn der(&self) -> &[u8] {
        &self.der
    }
}

impl std::fmt::Debug for PrivateKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("PrivateKey(redacted)")
    }
}

/// Opens `der` with ring, PKCS#8 or PKCS#1.
pub fn key_pair(der: &[u8], pkcs8: bool) -> Result<RsaKeyPair, ring::error::KeyRejected> {
    if pkcs8 {
        RsaKeyPair::from_pkcs8(der)
    } else {
        RsaKeyPair::from_der(der)
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
        let Some(label_end) = after.find("-----") else {
            break;
        };
        let label = after[..label_end].trim().to_string();
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
            reason: "the END line is missing",
        })
    } else {
        STANDARD
            .decode(b64.as_bytes())
            .map_err(|_| KeyError::Corrupt {
                reason: "its body is not valid base64",
            })
    };
    Block {
        label,
        encrypted_header,
        der,
    }
}

// Algorithm identifiers as DER-encoded OIDs, to tell PKCS#8 keys apart.
const OID_RSA: &[u8] = &[
    0x06, 0x09, 0x2a, 0x86, 0x48, 0x86, 0xf7, 0x0d, 0x01, 0x01, 0x01,
];
const OID_EC: &[u8] = &[0x06, 0x07, 0x2a, 0x86, 0x48, 0xce, 0x3d, 0x02, 0x01];
const OID_ED25519: &[u8] = &[0x06, 0x03, 0x2b, 0x65, 0x70];
const OID_ED448: &[u8] = &[0x06, 0x03, 0x2b, 0x65, 0x71];

fn contains(haystack: &[u8], needle: &[u8]) -> bool {
    haystack.windows(needle.len()).any(|w| w == needle)
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
        // The algorithm identifier sits in the first few dozen bytes.
        let head = &der[..der.len().min(32)];
        if contains(head, OID_EC) {
            return Err(KeyError::Ec);
        }
        if contains(head, OID_ED25519) || contains(head, OID_ED448) {
            return Err(KeyError::Ed25519);
        }
        if !contains(head, OID_RSA) {
            return Err(KeyError::Unsupported {
                label: "PRIVATE KEY (not RSA)".into(),
            });
        }
    }
    match key_pair(&der, pkcs8) {
        Ok(_) => Ok(PrivateKey { der }),
        Err(rejected) => Err(rejection(rejected, &der, pkcs8)),
    }
}

fn rejection(rejected: ring::error::KeyRejected, der: &[u8], pkcs8: bool) -> KeyError {
    match rejected.to_string().as_str() {
        "TooSmall" => KeyError::TooSmall {
            bits: modulus_bits(der, pkcs8).unwrap_or(0),
        },
        "TooLarge" => KeyError::Corrupt {
            reason: "the RSA modulus is larger than 4096 bits",
        },
        _ => KeyError::Corrupt {
            reason: "the RSA key's fields do not decode or do not agree",
        },
    }
}

/// Reads one DER TLV at the start of `der`: (tag, contents, rest).
pub(crate) fn tlv(der: &[u8]) -> Option<(u8, &[u8], &[u8])> {
    let (&tag, rest) = der.split_first()?;
    let (&first, rest) = rest.split_first()?;
    let (len, rest) = if first < 0x80 {
        (usize::from(first), rest)
    } else {
        let n = usize::from(first & 0x7f);
        if n == 0 || n > 4 || rest.len() < n {
            return None;
        }
        let len = rest[..n]
            .iter()
            .fold(0usize, |a, &b| (a << 8) | usize::from(b));
        (len, &rest[n..])
    };
    (rest.len() >= len).then(|| (tag, &rest[..len], &rest[len..]))
}

/// The modulus size in bits, for a message about a too-small key.
fn modulus_bits(der: &[u8], pkcs8: bool) -> Option<usize> {
    let (_, seq, _) = tlv(der)?;
    let pkcs1 = if pkcs8 {
        let (_, _, rest) = tlv(seq)?; // version
        let (_, _, rest) = tlv(rest)?; // algorithm
        let (_, octets, _) = tlv(rest)?; // privateKey
        tlv(octets)?.1
    } else {
        seq
    };
    let (_, _, rest) = tlv(pkcs1)?; // version
    let (_, modulus, _) = tlv(rest)?;
    let modulus = match modulus.iter().position(|&b| b != 0) {
        Some(i) => &modulus[i..],
        None => return Some(0),
    };
    Some(modulus.len() * 8 - modulus[0].leading_zeros() as usize)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::fixture;

    #[test]
    fn pkcs1_and_pkcs8() {
        let pkcs1 = parse(&fixture("app.pem")).unwrap();
        let pkcs8 = parse(&fixture("app-pkcs8.pem")).unwrap();
        assert!(key_pair(pkcs1.der(), false).is_ok());
        assert!(key_pair(pkcs8.der(), true).is_ok());
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
    fn errors_never_contain_key_material() {
        let pem = fixture("rsa1024.pem");
        let body_line = pem.lines().nth(3).unwrap();
        let msg = crate::error::Error::from(parse(&pem).unwrap_err()).to_string();
        assert!(!msg.contains(body_line));
    }
}
