//! The app's JSON Web Token: RS256 over `{iat, exp, iss}`, built here and only
//! here from any [`Signer`], and signed on GitHub's clock.
//!
//! A JWT is three base64url parts joined by dots; with the signature coming
//! from a `Signer`, the header and claims are two small JSON objects, so no JWT
//! crate is needed (see Cargo.toml).

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;

use crate::time::GithubClock;

/// GitHub recommends back-dating `iat` by 60 s to absorb small clock drift.
const BACKDATE_SECS: i64 = 60;
/// `exp - iat`: GitHub allows at most 600 s, and `exp` at most 10 min ahead.
/// Nine minutes ahead leaves a minute's margin on that side.
const LIFETIME_SECS: i64 = 600;

/// The JOSE header of every token: RS256, type JWT.
const HEADER: &str = r#"{"alg":"RS256","typ":"JWT"}"#;

/// The local key could not sign: the system's random number generator failed.
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
#[error(
    "The app's JWT could not be signed with the private key (the system's random number generator failed). Retry the job; if it fails again, the runner's kernel does not provide getrandom."
)]
pub struct SigningFailed;

/// Signs bytes with RS256 (RSASSA-PKCS1-v1_5, SHA-256): the app's local key, or
/// a key service, whose implementation holds its own network handle.
///
/// Each signer fails in its own terms (the local key with [`SigningFailed`], a key
/// service with the caller's error, which carries the service's `KmsError` and the
/// network's failures), so this module names no error type but its own.
pub trait Signer: Sync {
    /// Why a signature could not be made.
    type Error;
    /// The signature of `message`.
    fn sign(&self, message: &[u8]) -> Result<Vec<u8>, Self::Error>;
    /// The public key as SubjectPublicKeyInfo DER, to tell which key signs.
    fn public_key_der(&self) -> &[u8];
}

/// A signer whose failures are converted into `E`, so that signers that fail in
/// different terms can stand behind one `dyn Signer<Error = E>`.
pub struct Converted<S, E> {
    signer: S,
    error: std::marker::PhantomData<fn() -> E>,
}

impl<S: Signer, E: From<S::Error>> Converted<S, E> {
    /// `signer`, its failures converted into `E`.
    pub fn new(signer: S) -> Converted<S, E> {
        Converted {
            signer,
            error: std::marker::PhantomData,
        }
    }
}

impl<S: Signer, E: From<S::Error>> Signer for Converted<S, E> {
    type Error = E;

    fn sign(&self, message: &[u8]) -> Result<Vec<u8>, E> {
        Ok(self.signer.sign(message)?)
    }

    fn public_key_der(&self) -> &[u8] {
        self.signer.public_key_der()
    }
}

/// The app's identity for GitHub: its issuer (client ID or app ID) and its signer,
/// which fails with `E`.
pub struct AppJwt<'s, E> {
    issuer: String,
    signer: &'s dyn Signer<Error = E>,
}

impl<'s, E> AppJwt<'s, E> {
    /// JWTs for the app `issuer`, sent as given.
    pub fn new(issuer: &str, signer: &'s dyn Signer<Error = E>) -> AppJwt<'s, E> {
        AppJwt {
            issuer: issuer.to_string(),
            signer,
        }
    }

    /// A JWT valid from a minute ago for ten minutes, by `clock`.
    pub fn sign(&self, clock: &GithubClock) -> Result<String, E> {
        let iat = clock.now() - BACKDATE_SECS;
        let claims = serde_json::json!({
            "iat": iat,
            "exp": iat + LIFETIME_SECS,
            "iss": self.issuer,
        })
        .to_string();
        let message = format!(
            "{}.{}",
            URL_SAFE_NO_PAD.encode(HEADER),
            URL_SAFE_NO_PAD.encode(claims)
        );
        let signature = self.signer.sign(message.as_bytes())?;
        Ok(format!("{message}.{}", URL_SAFE_NO_PAD.encode(signature)))
    }
}

impl<E> std::fmt::Debug for AppJwt<'_, E> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("AppJwt")
            .field("issuer", &self.issuer)
            .finish_non_exhaustive()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::fixture;
    use crate::key;

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

    fn spki(pub_pem: &str) -> Vec<u8> {
        crate::kms::spki::pem_der(pub_pem).unwrap()
    }

    fn verify(pub_pem: &str, message: &str, sig: &[u8]) -> bool {
        // SubjectPublicKeyInfo: skip to the BIT STRING holding RSAPublicKey.
        let spki = spki(pub_pem);
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
            assert_eq!(key.public_key_der(), spki(&fixture("app.pub.pem")));
            let jwt = AppJwt::new("Iv23liExample", &key);
            let (header, claims, sig, message) = parts(&jwt.sign(&GithubClock::default()).unwrap());
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
    fn the_clock_moves_the_claims() {
        let key = key::parse(&fixture("app.pem")).unwrap();
        let jwt = AppJwt::new("1", &key);
        let (_, claims, _, _) = parts(&jwt.sign(&GithubClock::with_offset(-300)).unwrap());
        let iat = claims["iat"].as_i64().unwrap();
        assert!((crate::time::now() - 362..=crate::time::now() - 358).contains(&iat));
    }

    struct Broken;

    impl Signer for Broken {
        type Error = SigningFailed;

        fn sign(&self, _: &[u8]) -> Result<Vec<u8>, SigningFailed> {
            Err(SigningFailed)
        }
        fn public_key_der(&self) -> &[u8] {
            &[]
        }
    }

    #[test]
    fn a_failed_signature_is_an_error_not_an_empty_token() {
        let jwt = AppJwt::new("1", &Broken);
        assert!(matches!(
            jwt.sign(&GithubClock::default()),
            Err(SigningFailed)
        ));
    }

    #[test]
    fn a_failed_signature_says_what_to_do() {
        let msg = SigningFailed.to_string();
        assert!(
            msg.contains("could not be signed") && msg.contains("Retry"),
            "{msg}"
        );
    }
}
