//! Public keys as services return them (SPKI DER or PEM, or a JWK's `n` and `e`): the
//! RSA check, the fingerprint GitHub shows, and a local RS256 verification.

use base64::Engine;
use ring::signature::{RSA_PKCS1_2048_8192_SHA256, RsaPublicKeyComponents};

use super::{CheckedKey, KmsError, Service, b64};
use crate::key::{bit_len, der, tlv};

/// rsaEncryption, 1.2.840.113549.1.1.1, as DER contents.
const RSA_OID: &[u8] = &[0x2a, 0x86, 0x48, 0x86, 0xf7, 0x0d, 0x01, 0x01, 0x01];
const EC_OID: &[u8] = &[0x2a, 0x86, 0x48, 0xce, 0x3d, 0x02, 0x01];
const ED25519_OID: &[u8] = &[0x2b, 0x65, 0x70];
/// GitHub's app keys are 2048-bit; ring verifies RS256 from 2048 bits up.
pub const MIN_BITS: usize = 2048;

/// An RSA public key's modulus and exponent, big-endian without leading zeros.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RsaPublicKey {
    /// The modulus.
    pub n: Vec<u8>,
    /// The public exponent.
    pub e: Vec<u8>,
}

/// What an SPKI holds, as far as signing the JWT cares.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum PublicKey {
    /// An RSA key.
    Rsa(RsaPublicKey),
    /// Any other kind, named for a message (`EC`, `Ed25519`, `unknown`).
    Other(&'static str),
}

/// `int` without its leading zero bytes.
pub(crate) fn unsigned(int: &[u8]) -> Vec<u8> {
    let start = int.iter().position(|&b| b != 0).unwrap_or(int.len());
    int[start..].to_vec()
}

/// Reads a SubjectPublicKeyInfo; `None` if it is not DER of that shape.
pub fn parse(spki_der: &[u8]) -> Option<PublicKey> {
    let (0x30, spki, _) = tlv(spki_der)? else {
        return None;
    };
    let (0x30, alg, rest) = tlv(spki)? else {
        return None;
    };
    let (0x06, oid, _) = tlv(alg)? else {
        return None;
    };
    match oid {
        RSA_OID => {}
        EC_OID => return Some(PublicKey::Other("EC")),
        ED25519_OID => return Some(PublicKey::Other("Ed25519")),
        _ => return Some(PublicKey::Other("unknown")),
    }
    let (0x03, bits, _) = tlv(rest)? else {
        return None;
    };
    let (0, pkcs1) = bits.split_first()? else {
        return None;
    };
    let (0x30, seq, _) = tlv(pkcs1)? else {
        return None;
    };
    let (0x02, n, rest) = tlv(seq)? else {
        return None;
    };
    let (0x02, e, _) = tlv(rest)? else {
        return None;
    };
    Some(PublicKey::Rsa(RsaPublicKey {
        n: unsigned(n),
        e: unsigned(e),
    }))
}

impl RsaPublicKey {
    /// The modulus size in bits.
    pub fn bits(&self) -> usize {
        bit_len(&self.n)
    }

    /// The key as SubjectPublicKeyInfo DER (what GitHub's fingerprint hashes).
    pub fn to_spki_der(&self) -> Vec<u8> {
        let mut pkcs1 = der_int(&self.n);
        pkcs1.extend(der_int(&self.e));
        crate::key::spki(&der(0x30, &pkcs1))
    }

    /// Whether `sig` is an RS256 signature of `msg` by this key.
    pub fn verify_rs256(&self, msg: &[u8], sig: &[u8]) -> bool {
        RsaPublicKeyComponents {
            n: &self.n,
            e: &self.e,
        }
        .verify(&RSA_PKCS1_2048_8192_SHA256, msg, sig)
        .is_ok()
    }
}

fn der_int(unsigned: &[u8]) -> Vec<u8> {
    // A positive INTEGER needs a leading zero when its top bit is set.
    let mut v = Vec::with_capacity(unsigned.len() + 1);
    if unsigned.first().is_none_or(|&b| b & 0x80 != 0) {
        v.push(0);
    }
    v.extend_from_slice(unsigned);
    der(0x02, &v)
}

/// What GitHub's app settings page shows for a key: base64 of SHA-256 of the SPKI DER.
pub fn fingerprint(spki_der: &[u8]) -> String {
    b64().encode(ring::digest::digest(&ring::digest::SHA256, spki_der))
}

/// The DER inside a `PUBLIC KEY` PEM block; `None` if there is none.
pub fn pem_der(pem: &str) -> Option<Vec<u8>> {
    const BEGIN: &str = "-----BEGIN PUBLIC KEY-----";
    const END: &str = "-----END PUBLIC KEY-----";
    let start = pem.find(BEGIN)? + BEGIN.len();
    let end = start + pem[start..].find(END)?;
    let body: String = pem[start..end]
        .chars()
        .filter(|c| !c.is_whitespace())
        .collect();
    b64().decode(body).ok()
}

/// Checks a service's public key can sign the JWT: RSA, at least 2048 bits.
pub fn check(
    service: Service,
    key: &str,
    spki_der: &[u8],
) -> Result<(CheckedKey, RsaPublicKey), KmsError> {
    let rsa = match parse(spki_der) {
        Some(PublicKey::Rsa(rsa)) => rsa,
        Some(PublicKey::Other(kind)) => {
            return Err(KmsError::NotRsa {
                service,
                key: key.to_string(),
                kind: kind.to_string(),
            });
        }
        None => {
            return Err(KmsError::BadResponse {
                service,
                what: "a public key (SubjectPublicKeyInfo DER)",
            });
        }
    };
    let bits = rsa.bits();
    if bits < MIN_BITS {
        return Err(KmsError::TooSmall {
            service,
            key: key.to_string(),
            bits,
        });
    }
    let checked = CheckedKey {
        fingerprint: fingerprint(spki_der),
        spki_der: spki_der.to_vec(),
        bits,
    };
    Ok((checked, rsa))
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;
    use crate::fixture;

    /// The reference signing input (claims `{"iat":1700000000,"exp":1700000600,"iss":"Iv23liEXAMPLE"}`).
    pub(crate) const SIGNING_INPUT: &str = "eyJhbGciOiJSUzI1NiIsInR5cCI6IkpXVCJ9.eyJpYXQiOjE3MDAwMDAwMDAsImV4cCI6MTcwMDAwMDYwMCwiaXNzIjoiSXYyM2xpRVhBTVBMRSJ9";

    fn app_spki() -> Vec<u8> {
        pem_der(&fixture("app.pub.pem")).unwrap()
    }

    #[test]
    fn reads_rsa_and_rebuilds_the_same_der() {
        let der = app_spki();
        let Some(PublicKey::Rsa(rsa)) = parse(&der) else {
            panic!("not RSA")
        };
        assert_eq!(rsa.bits(), 2048);
        assert_eq!(rsa.e, vec![1, 0, 1]);
        assert_eq!(rsa.to_spki_der(), der);
    }

    #[test]
    fn fingerprint_is_base64_sha256_of_the_der() {
        let der = app_spki();
        let fp = fingerprint(&der);
        assert_eq!(fp.len(), 44);
        assert_eq!(
            b64().decode(&fp).unwrap(),
            ring::digest::digest(&ring::digest::SHA256, &der).as_ref()
        );
        assert_ne!(
            fp,
            fingerprint(&pem_der(&fixture("other.pub.pem")).unwrap())
        );
    }

    #[test]
    fn verifies_what_the_local_key_signs() {
        use crate::jwt::Signer;
        let key = crate::key::parse(&fixture("app.pem")).unwrap();
        let mut sig = key.sign(SIGNING_INPUT.as_bytes()).unwrap();
        let (checked, rsa) = check(Service::Vault, "k", &app_spki()).unwrap();
        assert_eq!(checked.bits, 2048);
        assert!(rsa.verify_rs256(SIGNING_INPUT.as_bytes(), &sig));
        sig[10] ^= 1;
        assert!(!rsa.verify_rs256(SIGNING_INPUT.as_bytes(), &sig));
    }

    #[test]
    fn rejects_other_kinds_and_small_keys() {
        // An EC P-256 SPKI header with a dummy point: only the algorithm matters.
        let mut ec = vec![0x30, 0x13, 0x30, 0x09, 0x06, 0x07];
        ec.extend_from_slice(EC_OID);
        ec.extend([0x03, 0x06, 0x00, 4, 1, 2, 3, 4]);
        ec[1] = (ec.len() - 2) as u8;
        ec[3] = 9;
        assert!(matches!(
            check(Service::AwsKms, "k", &ec),
            Err(KmsError::NotRsa { kind, .. }) if kind == "EC"
        ));
        let small = RsaPublicKey {
            n: vec![0xc5; 128],
            e: vec![1, 0, 1],
        };
        assert!(matches!(
            check(Service::AwsKms, "k", &small.to_spki_der()),
            Err(KmsError::TooSmall { bits: 1024, .. })
        ));
        assert!(matches!(
            check(Service::AwsKms, "k", b"junk"),
            Err(KmsError::BadResponse { .. })
        ));
    }
}
