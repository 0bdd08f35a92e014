//! Test support for the key services: the pinned emulators (moto, OpenBao) started on
//! loopback, mocks of Google Cloud KMS and Azure Key Vault, and an [`Exchange`] over ureq.

pub mod canned;
pub mod cloud;
pub mod keyless;
pub mod moto;
pub mod oidc;
pub mod services;
pub mod wire;

pub use cloud::{CloudMock, Seen};
pub use keyless::KeylessMock;
pub use oidc::OidcStandIn;
pub use services::{Bao, Moto};
pub use wire::{Failure, Wire};

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;

use app_token_action::kms::{Exchange, Method};

/// `base64url(header).base64url(claims)` exactly as the program's JWTs are built.
pub fn signing_input(iss: &str, now: i64) -> String {
    let header = URL_SAFE_NO_PAD.encode(br#"{"typ":"JWT","alg":"RS256"}"#);
    let claims = serde_json::json!({ "iat": now - 60, "exp": now + 540, "iss": iss });
    format!("{header}.{}", URL_SAFE_NO_PAD.encode(claims.to_string()))
}

/// The JWT: the signing input and the service's signature.
pub fn jwt(signing_input: &str, signature: &[u8]) -> String {
    format!("{signing_input}.{}", URL_SAFE_NO_PAD.encode(signature))
}

/// The mock GitHub API's answer to `GET /app` with `jwt`: 200 when it verified the
/// signature with the app's registered public key.
pub fn github_status(github_url: &str, jwt: &str) -> u16 {
    let auth = format!("Bearer {jwt}");
    Wire::new()
        .exchange(&wire::request(
            Method::Get,
            &format!("{github_url}/app"),
            &[
                ("Authorization", &auth),
                ("User-Agent", "kms-test"),
                ("Accept", "application/vnd.github+json"),
            ],
            Vec::new(),
        ))
        .expect("mock GitHub answers")
        .status
}

/// A public key as an SPKI PEM block (what the mock GitHub API registers for an app).
pub fn public_pem(spki_der: &[u8]) -> String {
    let b64 = base64::engine::general_purpose::STANDARD.encode(spki_der);
    let lines: Vec<&str> = b64
        .as_bytes()
        .chunks(64)
        .map(|c| std::str::from_utf8(c).unwrap())
        .collect();
    format!(
        "-----BEGIN PUBLIC KEY-----\n{}\n-----END PUBLIC KEY-----\n",
        lines.join("\n")
    )
}

/// The typed error of a failed call, checked to contain none of `secrets`.
pub fn failed<T: std::fmt::Debug>(
    result: Result<T, Failure>,
    secrets: &[&str],
) -> app_token_action::kms::KmsError {
    let e = result.unwrap_err().kms();
    let shown = format!("{e:?}");
    for s in secrets {
        assert!(!shown.contains(s), "a secret in {shown}");
    }
    e
}

/// Registers `key`'s public half as the mock app's key, has the service sign a JWT for it,
/// and returns the mock GitHub API's answer to `GET /app` with that JWT (200: verified).
pub fn github_status_for_service_key<S: app_token_action::kms::KeyService>(
    key: &app_token_action::kms::RemoteKey<S>,
    wire: &Wire,
) -> u16 {
    let mut scenario = crate::Scenario::standard();
    scenario.apps[0].public_key_pem = public_pem(&key.checked().spki_der);
    let github = crate::MockGithub::start(scenario);
    let input = signing_input(crate::CLIENT_ID, github.now());
    let sig = key.sign(wire, input.as_bytes()).expect("the service signs");
    assert_eq!(sig.len(), 256);
    github_status(&github.url(), &jwt(&input, &sig))
}
