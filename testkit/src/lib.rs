//! Test support for app-token-action, built once for every test and example: a mock GitHub
//! API server (plain, GHES-prefixed or TLS), a forward proxy, JWT helpers, the runner's way
//! of running the binary, an action.yml reader, and the key services' emulators and mocks
//! ([`kms`]).
//!
//! The binary under test is the caller's to name: integration tests pass [`bin!`] (Cargo
//! sets `CARGO_BIN_EXE_*` only while compiling them), examples [`runner::release_bin`].
#![warn(missing_docs)]

pub mod action_yml;
pub mod demo;
pub mod http;
pub mod jwt;
pub mod kms;
pub mod mock;
pub mod proxy;
pub mod rng;
pub mod runner;
pub mod tls;

use std::path::{Path, PathBuf};

pub use mock::{
    APP_ID, APP_KEY_PEM, APP_PUBLIC_KEY_PEM, APP_SLUG, App, Auth, BOT_USER_ID, CLIENT_ID, Fault,
    FaultKind, Installation, Minted, MockBuilder, MockGithub, NO_KEY_APP_ID, NO_KEY_CLIENT_ID,
    OTHER_KEY_PEM, OTHER_PUBLIC_KEY_PEM, Recorded, Scenario, StatusFault, TokenFormat,
};
pub use proxy::{Proxy, ProxyLogEntry};
pub use tls::install_crypto_provider;

/// The binary under test as Cargo built it for the calling integration test (a `&Path`).
/// A macro because `CARGO_BIN_EXE_app-token-action` is set only while compiling an
/// integration test, so it must expand there, not in this crate.
#[macro_export]
macro_rules! bin {
    () => {
        ::std::path::Path::new(env!("CARGO_BIN_EXE_app-token-action"))
    };
}

/// The repository's root (this crate lives in `testkit/` under it).
pub fn repo_root() -> &'static Path {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .expect("testkit/ has a parent")
}

/// A file of the test kit's own (`testkit/NAME`), e.g. the native helpers.
pub fn kit_file(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join(name)
}

/// The path of a test file in `tests/fixtures/`.
pub fn fixture_path(name: &str) -> String {
    format!("{}/tests/fixtures/{name}", repo_root().display())
}

/// A test key or file from `tests/fixtures/`.
pub fn fixture(name: &str) -> String {
    let path = fixture_path(name);
    std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{path}: {e}"))
}
