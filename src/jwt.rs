//! The app's JSON Web Token: RS256 over `{iat, exp, iss}`, re-signed for every
//! request so that a clock-offset correction applies to all later calls.
//!
//! `jsonwebtoken` builds the token; its RS256 signature comes from ring (the
//! same ring rustls already links), installed as its crypto provider. This keeps
//! one RSA implementation in the binary and none with a known timing flaw.

use std::cell::Cell;

use jsonwebtoken::crypto::{CryptoProvider, JwtSigner, JwtVerifier, KeyUtils};
use jsonwebtoken::errors::{ErrorKind, new_error};
use jsonwebtoken::{Algorithm, DecodingKey, EncodingKey, Header};
use ring::rand::SystemRandom;
use ring::signature::{RSA_PKCS1_SHA256, RsaKeyPair};
use serde::Serialize;

use crate::key::{self, PrivateKey};

/// GitHub recommends back-dating `iat` by 60 s to absorb small clock drift.
const BACKDATE_SECS: i64 = 60;
/// `exp - iat`: GitHub allows at most 600 s, and `exp` at most 10 min ahead.
/// Nine minutes ahead leaves a minute's margin on that side.
const LIFETIME_SECS: i64 = 600;

struct RingRs256 {
    pair: RsaKeyPair,
}

impl signature::Signer<Vec<u8>> for RingRs256 {
    fn try_sign(&self, msg: &[u8]) -> Result<Vec<u8>, signature::Error> {
        let mut sig = vec![0; self.pair.public().modulus_len()];
        self.pair
            .sign(&RSA_PKCS1_SHA256, &SystemRandom::new(), msg, &mut sig)
            .map_err(|_| signature::Error::new())?;
        Ok(sig)
    }
}

impl JwtSigner for RingRs256 {
    fn algorithm(&self) -> Algorithm {
        Algorithm::RS256
    }
}

fn signer(alg: &Algorithm, key: &EncodingKey) -> jsonwebtoken::errors::Result<Box<dyn JwtSigner>> {
    if *alg != Algorithm::RS256 {
        return Err(new_error(ErrorKind::InvalidAlgorithm));
    }
    // EncodingKey holds the DER; PKCS#8 first, then PKCS#1 (both checked by key.rs).
    let der = key.as_bytes();
    let pair = key::key_pair(der, true)
        .or_else(|_| key::key_pair(der, false))
        .map_err(|e| new_error(ErrorKind::InvalidRsaKey(e.to_string())))?;
    Ok(Box::new(RingRs256 { pair }))
}

fn no_verifier(
    _: &Algorithm,
    _: &DecodingKey,
) -> jsonwebtoken::errors::Result<Box<dyn JwtVerifier>> {
    // The program only signs; GitHub verifies.
    Err(new_error(ErrorKind::UnsupportedAlgorithm))
}

static PROVIDER: CryptoProvider = CryptoProvider {
    signer_factory: signer,
    verifier_factory: no_verifier,
    key_utils: KeyUtils::new_unimplemented(),
};

#[derive(Serialize)]
struct Claims<'a> {
    iat: i64,
    exp: i64,
    iss: &'a str,
}

/// Signs the app's JWTs, with the clock offset learnt from GitHub's `Date`.
pub struct AppJwt {
    issuer: String,
    key: EncodingKey,
    offset: Cell<i64>,
}

impl AppJwt {
    /// A signer for the app `issuer` (client ID or app ID, sent as given).
    pub fn new(issuer: &str, key: &PrivateKey) -> AppJwt {
        let _ = PROVIDER.install_default();
        AppJwt {
            issuer: issuer.to_string(),
            key: EncodingKey::from_rsa_der(key.der()),
            offset: Cell::new(0),
        }
    }

    /// Seconds to add to this machine's clock to get GitHub's.
    pub fn offset(&self) -> i64 {
        self.offset.get()
    }

    /// Uses `offset` for every later token.
    pub fn set_offset(&self, offset: i64) {
        self.offset.set(offset);
    }

    /// A fresh JWT valid from a minute ago for ten minutes, by GitHub's clock.
    pub fn sign(&self) -> String {
        let now = crate::time::now() + self.offset.get();
        let claims = Claims {
            iat: now - BACKDATE_SECS,
            exp: now - BACKDATE_SECS + LIFETIME_SECS,
            iss: &self.issuer,
        };
        // The key was checked by key::parse and the claims always serialise,
        // so encoding cannot fail; an empty token would just be refused by GitHub.
        jsonwebtoken::encode(&Header::new(Algorithm::RS256), &claims, &self.key).unwrap_or_default()
    }
}

impl std::fmt::Debug for AppJwt {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("AppJwt")
            .field("issuer", &self.issuer)
            .field("offset", &self.offset.get())
            .finish_non_exhaustive()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::fixture;
    use base64::Engine;
    use base64::engine::general_purpose::URL_SAFE_NO_PAD;

    fn parts(jwt: &str) -> (serde_json::Value, serde_json::Value, Vec<u8>, String) {
        let mut it = jwt.split('.');
        let (h, c, s) = (it.next().unwrap(), it.next().unwrap(), it.next().unwrap());
        let json = |p: &str| serde_json::from_slice(&URL_SAFE_NO_PAD.decode(p).unwrap()).unwrap();
        (
            json(h),
            json(c),
            URL_SAFE_NO_PAD.decode(s).unwrap(),
            format!("{h}.{c}"),
        )
    }

    fn verify(pub_pem: &str, message: &str, sig: &[u8]) -> bool {
        let b64: String = pub_pem
            .lines()
            .filter(|l| !l.starts_with("-----"))
            .collect();
        let spki = base64::engine::general_purpose::STANDARD
            .decode(b64)
            .unwrap();
        // SubjectPublicKeyInfo: skip to the BIT STRING holding RSAPublicKey.
        let rsa_pub = &spki[spki.len() - 270..];
        ring::signature::UnparsedPublicKey::new(
            &ring::signature::RSA_PKCS1_2048_8192_SHA256,
            rsa_pub,
        )
        .verify(message.as_bytes(), sig)
        .is_ok()
    }

    #[test]
    fn claims_and_signature() {
        for file in ["app.pem", "app-pkcs8.pem"] {
            let key = key::parse(&fixture(file)).unwrap();
            let jwt = AppJwt::new("Iv23liExample", &key);
            let (header, claims, sig, message) = parts(&jwt.sign());
            assert_eq!(header["alg"], "RS256");
            assert_eq!(header["typ"], "JWT");
            assert_eq!(claims["iss"], "Iv23liExample");
            let now = crate::time::now();
            let (iat, exp) = (
                claims["iat"].as_i64().unwrap(),
                claims["exp"].as_i64().unwrap(),
            );
            assert!((now - 62..=now - 58).contains(&iat));
            assert_eq!(exp - iat, 600);
            assert!(exp - now < 600);
            assert!(verify(&fixture("app.pub.pem"), &message, &sig));
            assert!(!verify(&fixture("other.pub.pem"), &message, &sig));
        }
    }

    #[test]
    fn offset_moves_the_claims() {
        let key = key::parse(&fixture("app.pem")).unwrap();
        let jwt = AppJwt::new("1", &key);
        jwt.set_offset(-300);
        let (_, claims, _, _) = parts(&jwt.sign());
        let iat = claims["iat"].as_i64().unwrap();
        assert!((crate::time::now() - 362..=crate::time::now() - 358).contains(&iat));
    }
}
