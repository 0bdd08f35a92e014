//! Public keys as services return them: the check that one can sign the JWT (RSA, at
//! least 2048 bits), named per service. Reading DER, PEM and SPKI is [`crate::asn1`]'s.

use super::{CheckedKey, KmsError, Service};
pub use crate::asn1::{PublicKey, RsaPublicKey, fingerprint, parse, pem_der, unsigned};

/// GitHub's app keys are 2048-bit; ring verifies RS256 from 2048 bits up.
pub const MIN_BITS: usize = 2048;

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

/// The reference signing input of the services' tests (claims
/// `{"iat":1700000000,"exp":1700000600,"iss":"Iv23liEXAMPLE"}`).
#[cfg(test)]
pub(crate) const SIGNING_INPUT: &str = "eyJhbGciOiJSUzI1NiIsInR5cCI6IkpXVCJ9.eyJpYXQiOjE3MDAwMDAwMDAsImV4cCI6MTcwMDAwMDYwMCwiaXNzIjoiSXYyM2xpRVhBTVBMRSJ9";

#[cfg(test)]
mod tests {
    use super::*;
    use crate::fixture;

    fn app_spki() -> Vec<u8> {
        pem_der(&fixture("app.pub.pem")).unwrap()
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
        ec.extend_from_slice(crate::asn1::EC_OID.as_bytes());
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
