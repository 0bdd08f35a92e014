//! DER, OIDs, PEM and SubjectPublicKeyInfo for the whole crate, read by RustCrypto's `der`,
//! `spki`, `pkcs1` and `pkcs8` and rustls-pki-types' PEM reader: the app's private key
//! ([`crate::key`]) and the public keys key services return ([`crate::kms::spki`]) share
//! them. A leaf: it names no other module of the crate, so it can be used by both.

use base64::Engine;
use der::asn1::UintRef;
use der::oid::ObjectIdentifier;
use der::{Decode, Encode};
use ring::signature::{RSA_PKCS1_2048_8192_SHA256, RsaPublicKeyComponents};
use rustls_pki_types::SubjectPublicKeyInfoDer;
use rustls_pki_types::pem::PemObject;
use spki::SubjectPublicKeyInfoRef;

/// rsaEncryption (RFC 8017), the algorithm of RSA keys in SPKI and PKCS#8.
pub const RSA_OID: ObjectIdentifier = ObjectIdentifier::new_unwrap("1.2.840.113549.1.1.1");
/// id-ecPublicKey (RFC 5480).
pub const EC_OID: ObjectIdentifier = ObjectIdentifier::new_unwrap("1.2.840.10045.2.1");
/// Ed25519 (RFC 8410).
pub const ED25519_OID: ObjectIdentifier = ObjectIdentifier::new_unwrap("1.3.101.112");
/// Ed448 (RFC 8410).
pub const ED448_OID: ObjectIdentifier = ObjectIdentifier::new_unwrap("1.3.101.113");

/// The size in bits of a big-endian unsigned integer, leading zero bytes ignored.
pub fn bit_len(int: &[u8]) -> usize {
    match int.iter().position(|&b| b != 0) {
        Some(i) => (int.len() - i) * 8 - int[i].leading_zeros() as usize,
        None => 0,
    }
}

/// `int` without its leading zero bytes.
pub fn unsigned(int: &[u8]) -> Vec<u8> {
    let start = int.iter().position(|&b| b != 0).unwrap_or(int.len());
    int[start..].to_vec()
}

/// SubjectPublicKeyInfo of an RSA public key given as PKCS#1 `RSAPublicKey` DER
/// (rsaEncryption, NULL parameters); empty if it cannot be encoded.
pub fn rsa_spki(rsa_public: &[u8]) -> Vec<u8> {
    let Ok(subject_public_key) = der::asn1::BitStringRef::from_bytes(rsa_public) else {
        return Vec::new();
    };
    spki::SubjectPublicKeyInfoRef {
        algorithm: spki::AlgorithmIdentifierRef {
            oid: RSA_OID,
            parameters: Some(der::asn1::AnyRef::NULL),
        },
        subject_public_key,
    }
    .to_der()
    .unwrap_or_default()
}

/// A PKCS#8 key's algorithm; `None` if it does not decode.
pub fn pkcs8_algorithm(der: &[u8]) -> Option<ObjectIdentifier> {
    pkcs8::PrivateKeyInfo::from_der(der)
        .ok()
        .map(|info| info.algorithm.oid)
}

/// An RSA private key's modulus size in bits, from PKCS#1 DER or (when `pkcs8`) PKCS#8.
pub fn private_modulus_bits(der: &[u8], pkcs8: bool) -> Option<usize> {
    let pkcs1 = if pkcs8 {
        pkcs8::PrivateKeyInfo::from_der(der).ok()?.private_key
    } else {
        der
    };
    let key = pkcs1::RsaPrivateKey::from_der(pkcs1).ok()?;
    Some(bit_len(key.modulus.as_bytes()))
}

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

/// Reads a SubjectPublicKeyInfo; `None` if it is not exactly one DER value of that shape
/// (trailing bytes, non-minimal encodings and RSA parameters other than NULL included).
pub fn parse(spki_der: &[u8]) -> Option<PublicKey> {
    let info = SubjectPublicKeyInfoRef::from_der(spki_der).ok()?;
    match info.algorithm.oid {
        RSA_OID => {}
        EC_OID => return Some(PublicKey::Other("EC")),
        ED25519_OID => return Some(PublicKey::Other("Ed25519")),
        _ => return Some(PublicKey::Other("unknown")),
    }
    // RFC 3279: rsaEncryption's parameters are NULL.
    if !info.algorithm.parameters.is_some_and(|p| p.is_null()) {
        return None;
    }
    let key = pkcs1::RsaPublicKey::from_der(info.subject_public_key.as_bytes()?).ok()?;
    Some(PublicKey::Rsa(RsaPublicKey {
        n: key.modulus.as_bytes().to_vec(),
        e: key.public_exponent.as_bytes().to_vec(),
    }))
}

impl RsaPublicKey {
    /// The modulus size in bits.
    pub fn bits(&self) -> usize {
        bit_len(&self.n)
    }

    /// The key as SubjectPublicKeyInfo DER (what GitHub's fingerprint hashes); empty if
    /// `n` or `e` cannot be a DER INTEGER.
    pub fn to_spki_der(&self) -> Vec<u8> {
        let pkcs1 = UintRef::new(&self.n).and_then(|n| {
            pkcs1::RsaPublicKey {
                modulus: n,
                public_exponent: UintRef::new(&self.e)?,
            }
            .to_der()
        });
        pkcs1.map(|der| rsa_spki(&der)).unwrap_or_default()
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

/// What GitHub's app settings page shows for a key: base64 of SHA-256 of the SPKI DER.
pub fn fingerprint(spki_der: &[u8]) -> String {
    base64::engine::general_purpose::STANDARD
        .encode(ring::digest::digest(&ring::digest::SHA256, spki_der))
}

/// The DER inside the first `PUBLIC KEY` PEM block (read by rustls-pki-types, with
/// constant-time base64); `None` if there is none.
pub fn pem_der(pem: &str) -> Option<Vec<u8>> {
    SubjectPublicKeyInfoDer::from_pem_slice(pem.as_bytes())
        .ok()
        .map(|der| der.as_ref().to_vec())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::fixture;

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
    fn only_exact_der_is_a_key() {
        let der = app_spki();
        let mut junk = der.clone();
        junk.extend_from_slice(b"\0junk");
        assert!(parse(&junk).is_none());
        // A long-form length where the short form fits is not DER.
        assert_eq!(&der[..4], &[0x30, 0x82, 0x01, 0x22]);
        let mut padded = vec![0x30, 0x83, 0x00, 0x01, 0x22];
        padded.extend_from_slice(&der[4..]);
        assert!(parse(&padded).is_none());
        assert!(parse(&der[..der.len() - 1]).is_none());
        let pem = format!("{}\n", fixture("app.pub.pem").trim());
        assert_eq!(pem_der(&pem).unwrap(), der);
    }

    #[test]
    fn fingerprint_is_base64_sha256_of_the_der() {
        let der = app_spki();
        let fp = fingerprint(&der);
        assert_eq!(fp.len(), 44);
        assert_eq!(
            base64::engine::general_purpose::STANDARD
                .decode(&fp)
                .unwrap(),
            ring::digest::digest(&ring::digest::SHA256, &der).as_ref()
        );
        assert_ne!(
            fp,
            fingerprint(&pem_der(&fixture("other.pub.pem")).unwrap())
        );
    }

    #[test]
    fn bit_len_ignores_leading_zeros() {
        assert_eq!(bit_len(&[0, 0, 0x01, 0]), 9);
        assert_eq!(bit_len(&[0x80]), 8);
        assert_eq!(bit_len(&[0, 0]), 0);
        assert_eq!(unsigned(&[0, 0, 5, 0]), vec![5, 0]);
    }
}
