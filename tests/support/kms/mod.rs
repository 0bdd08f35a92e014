//! Test support for the key services: the pinned emulators (moto, OpenBao) started on
//! loopback, mocks of Google Cloud KMS and Azure Key Vault, and an [`Exchange`] over ureq.
//! A test crate includes it after `mod support;`:
//! `#[path = "support/kms/mod.rs"] mod kms_support;`.
#![allow(dead_code, unused_imports)] // each test crate uses a different subset

pub mod cloud;
pub mod oidc;
pub mod services;
pub mod wire;

pub use cloud::{CloudMock, Seen};
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
