//! RS256 JWTs with ring: signing (for tests acting as the app) and GitHub's checks
//! (for the mock acting as GitHub).

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use ring::signature;
use serde_json::Value;

/// GitHub's message for a JWT it cannot decode.
pub const MSG_DECODE: &str = "A JSON web token could not be decoded";
/// GitHub's message when the `iss` app has no public key.
pub const MSG_NO_KEY: &str = "Integration must generate a public key";
/// GitHub's message for an `iat` in the future.
pub const MSG_IAT: &str = "'Issued at' claim ('iat') must be an Integer representing the time that the assertion was issued";
/// GitHub's message for an `exp` beyond ten minutes.
pub const MSG_EXP_TOO_FAR: &str = "'Expiration time' claim ('exp') is too far in the future";
/// GitHub's message for an `exp` in the past.
pub const MSG_EXP_PAST: &str = "'Expiration time' claim ('exp') must be a numeric value representing the future time at which the assertion expires";

/// The longest lifetime GitHub accepts, both from now and from `iat`.
pub const MAX_LIFETIME: i64 = 600;

/// Why GitHub refuses a JWT; [`JwtError::message`] is GitHub's sentence.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum JwtError {
    /// Not a JWT, or not signed by the app's key.
    Decode,
    /// The `iss` app has no public key.
    NoKey,
    /// `iat` is in the future.
    Iat,
    /// `exp` is too far ahead.
    ExpTooFar,
    /// `exp` is past.
    ExpPast,
}

impl JwtError {
    /// GitHub's sentence for this refusal.
    pub fn message(self) -> &'static str {
        match self {
            JwtError::Decode => MSG_DECODE,
            JwtError::NoKey => MSG_NO_KEY,
            JwtError::Iat => MSG_IAT,
            JwtError::ExpTooFar => MSG_EXP_TOO_FAR,
            JwtError::ExpPast => MSG_EXP_PAST,
        }
    }
}

/// A JWT split and decoded but not yet verified. (No Debug: it would print the JWT.)
#[derive(Clone)]
pub struct Parsed {
    /// The decoded header.
    pub header: Value,
    /// The decoded claims.
    pub claims: Value,
    signing_input: String,
    signature: Vec<u8>,
}

impl Parsed {
    /// `iss` as a string whether it was sent as a string or a number.
    pub fn iss(&self) -> Option<String> {
        match self.claims.get("iss")? {
            Value::String(s) => Some(s.clone()),
            Value::Number(n) => Some(n.to_string()),
            _ => None,
        }
    }

    /// Whether the RS256 signature verifies with this RSA public key (PKCS#1 DER).
    pub fn verify(&self, rsa_public_key_der: &[u8]) -> bool {
        signature::UnparsedPublicKey::new(
            &signature::RSA_PKCS1_2048_8192_SHA256,
            rsa_public_key_der,
        )
        .verify(self.signing_input.as_bytes(), &self.signature)
        .is_ok()
    }
}

fn decode_json(part: &str) -> Option<Value> {
    let bytes = URL_SAFE_NO_PAD.decode(part).ok()?;
    let v: Value = serde_json::from_slice(&bytes).ok()?;
    v.is_object().then_some(v)
}

/// Splits and decodes a compact JWT; anything malformed or not RS256 is a decode error.
pub fn parse(token: &str) -> Result<Parsed, JwtError> {
    let mut parts = token.split('.');
    let (Some(h), Some(c), Some(s), None) =
        (parts.next(), parts.next(), parts.next(), parts.next())
    else {
        return Err(JwtError::Decode);
    };
    let header = decode_json(h).ok_or(JwtError::Decode)?;
    let claims = decode_json(c).ok_or(JwtError::Decode)?;
    if header.get("alg").and_then(Value::as_str) != Some("RS256") {
        return Err(JwtError::Decode);
    }
    let signature = URL_SAFE_NO_PAD.decode(s).map_err(|_| JwtError::Decode)?;
    Ok(Parsed {
        header,
        claims,
        signing_input: format!("{h}.{c}"),
        signature,
    })
}

fn int_claim(claims: &Value, name: &str) -> Option<i64> {
    claims.get(name)?.as_i64()
}

/// GitHub's time checks, in the order that yields GitHub's message for each skew:
/// a clock ahead trips `iat` first, a clock behind trips `exp`.
pub fn check_times(claims: &Value, now: i64) -> Result<(), JwtError> {
    let iat = int_claim(claims, "iat").ok_or(JwtError::Iat)?;
    if iat > now {
        return Err(JwtError::Iat);
    }
    let exp = int_claim(claims, "exp").ok_or(JwtError::ExpPast)?;
    if exp <= now {
        return Err(JwtError::ExpPast);
    }
    if exp > now + MAX_LIFETIME || exp - iat > MAX_LIFETIME {
        return Err(JwtError::ExpTooFar);
    }
    Ok(())
}

/// Reads one DER TLV: (tag, contents, rest). Short and long definite lengths only.
fn der_tlv(input: &[u8]) -> Option<(u8, &[u8], &[u8])> {
    let (&tag, rest) = input.split_first()?;
    let (&len0, rest) = rest.split_first()?;
    let (len, rest) = if len0 < 0x80 {
        (len0 as usize, rest)
    } else {
        let n = (len0 & 0x7f) as usize;
        if n == 0 || n > 4 || rest.len() < n {
            return None;
        }
        let len = rest[..n].iter().fold(0usize, |a, &b| (a << 8) | b as usize);
        (len, &rest[n..])
    };
    (rest.len() >= len).then(|| (tag, &rest[..len], &rest[len..]))
}

/// The PKCS#1 `RSAPublicKey` DER (what ring verifies with) from a PEM that holds either
/// an SPKI `PUBLIC KEY` or a PKCS#1 `RSA PUBLIC KEY`.
pub fn rsa_public_key_der(public_pem: &str) -> Option<Vec<u8>> {
    let p = pem::parse(public_pem).ok()?;
    match p.tag() {
        "RSA PUBLIC KEY" => Some(p.contents().to_vec()),
        "PUBLIC KEY" => {
            let (0x30, spki, _) = der_tlv(p.contents())? else {
                return None;
            };
            let (0x30, _alg, rest) = der_tlv(spki)? else {
                return None;
            };
            let (0x03, bits, _) = der_tlv(rest)? else {
                return None;
            };
            let (&unused, key) = bits.split_first()?;
            (unused == 0).then(|| key.to_vec())
        }
        _ => None,
    }
}

/// Signs `claims` as an RS256 JWT with a PEM private key (PKCS#1 or PKCS#8).
/// Panics on a bad key: callers are tests with fixture keys.
pub fn sign_rs256(private_pem: &str, claims: &Value) -> String {
    let p = pem::parse(private_pem).expect("private key PEM");
    let key = match p.tag() {
        "RSA PRIVATE KEY" => signature::RsaKeyPair::from_der(p.contents()),
        _ => signature::RsaKeyPair::from_pkcs8(p.contents()),
    }
    .expect("RSA private key accepted by ring");
    let header = URL_SAFE_NO_PAD.encode(br#"{"alg":"RS256","typ":"JWT"}"#);
    let body = URL_SAFE_NO_PAD.encode(claims.to_string());
    let input = format!("{header}.{body}");
    let mut sig = vec![0; key.public().modulus_len()];
    key.sign(
        &signature::RSA_PKCS1_SHA256,
        &ring::rand::SystemRandom::new(),
        input.as_bytes(),
        &mut sig,
    )
    .expect("RSA signing");
    format!("{input}.{}", URL_SAFE_NO_PAD.encode(sig))
}

/// A JWT as a well-behaved client makes it: `iat` 60 s back, `exp` 9 minutes ahead of `now`.
pub fn app_jwt(private_pem: &str, iss: impl Into<Value>, now: i64) -> String {
    sign_rs256(
        private_pem,
        &serde_json::json!({ "iss": iss.into(), "iat": now - 60, "exp": now + 540 }),
    )
}
