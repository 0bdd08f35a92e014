//! Test support: a mock GitHub API server (plain, GHES-prefixed or TLS), a forward proxy,
//! JWT helpers, the runner's way of running the binary, and an action.yml reader.
//! Included by integration tests (`mod support;`) and by the examples
//! `examples/mock_github.rs` (`#[path = "../tests/support/mod.rs"] mod support;`).
#![allow(dead_code, unused_imports)] // each test crate uses a different subset

pub mod action_yml;
pub mod demo;
pub mod http;
pub mod jwt;
pub mod mock;
pub mod proxy;
pub mod rng;
pub mod runner;
pub mod tls;

pub use mock::{
    APP_ID, APP_KEY_PEM, APP_PUBLIC_KEY_PEM, APP_SLUG, App, Auth, BOT_USER_ID, CLIENT_ID, Fault,
    FaultKind, Installation, Minted, MockBuilder, MockGithub, NO_KEY_APP_ID, NO_KEY_CLIENT_ID,
    OTHER_KEY_PEM, OTHER_PUBLIC_KEY_PEM, Recorded, Scenario, StatusFault, TokenFormat,
};
pub use proxy::{Proxy, ProxyLogEntry};
pub use tls::install_crypto_provider;

/// The path of a test file in `tests/fixtures/`.
pub fn fixture_path(name: &str) -> String {
    format!("{}/tests/fixtures/{name}", env!("CARGO_MANIFEST_DIR"))
}

/// A test key or file from `tests/fixtures/`.
pub fn fixture(name: &str) -> String {
    let path = fixture_path(name);
    std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{path}: {e}"))
}
