//! Public keys as services return them (SPKI DER or PEM, or a JWK's `n` and `e`): the
//! RSA check, the fingerprint GitHub shows, and a local RS256 verification.

use base64::Engine;
use der::asn1::UintRef;
use der::{Decode, Encode};
use ring::signature::{RSA_PKCS1_2048_8192_SHA256, RsaPublicKeyComponents};
use rustls_pki_types::SubjectPublicKeyInfoDer;
use rustls_pki_types::pem::PemObject;
use spki::SubjectPublicKeyInfoRef;
use spki::der::oid::ObjectIdentifier;

use super::{CheckedKey, KmsError, Service, b64};
use crate::key::{RSA_OID, bit_len};

const EC_OID: ObjectIdentifier = ObjectIdentifier::new_unwrap("1.2.840.10045.2.1");
const ED25519_OID: ObjectIdentifier = ObjectIdentifier::new_unwrap("1.3.101.112");
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
    /// `n` or `e` cannot be a DER INTEGER, which [`check`] then refuses.
    pub fn to_spki_der(&self) -> Vec<u8> {
        let pkcs1 = UintRef::new(&self.n).and_then(|n| {
            pkcs1::RsaPublicKey {
                modulus: n,
                public_exponent: UintRef::new(&self.e)?,
            }
            .to_der()
        });
        pkcs1.map(|der| crate::key::spki(&der)).unwrap_or_default()
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
    b64().encode(ring::digest::digest(&ring::digest::SHA256, spki_der))
}

/// The DER inside the first `PUBLIC KEY` PEM block (read by rustls-pki-types, with
/// constant-time base64); `None` if there is none.
pub fn pem_der(pem: &str) -> Option<Vec<u8>> {
    SubjectPublicKeyInfoDer::from_pem_slice(pem.as_bytes())
        .ok()
        .map(|der| der.as_ref().to_vec())
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
    fn only_exact_der_is_a_key() {
        let der = app_spki();
        assert!(check(Service::AwsKms, "k", &der).is_ok());
        let mut junk = der.clone();
        junk.extend_from_slice(b"\0junk");
        assert!(matches!(
            check(Service::AwsKms, "k", &junk),
            Err(KmsError::BadResponse { .. })
        ));
        // A long-form length where the short form fits is not DER.
        let mut long_len = vec![0x30, 0x82, 0x01, 0x22];
        long_len.extend_from_slice(&der[4..]);
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
        ec.extend_from_slice(EC_OID.as_bytes());
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
