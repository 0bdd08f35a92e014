//! Sending HTTP requests: one attempt (connect, send, read a capped answer), and
//! the request loop that repeats it as [`crate::retry::decide`] says.
//!
//! A [`Transport`] is made once per run and owns what every request shares: the
//! run-wide network budget, the timeouts, the CA roots (bundled, `SSL_CERT_FILE`,
//! `SSL_CERT_DIR`, the `ca-certificates` input). An [`Endpoint`] is one service's
//! root URL with the proxy chosen for it (`NO_PROXY` applies per URL) and,
//! optionally, one more CA file of its own. Any service can have one: the GitHub
//! API, a key service (`https://kms.us-east-1.amazonaws.com/`, a Vault address),
//! the runner's OIDC token URL. A caller gives each [`Request`] its own headers
//! and raw body bytes, and a [`Reader`] that says how the service's answers read
//! for retrying; transient failures, 5xx and 429 are retried within the budget,
//! a redirect is followed only within the endpoint's origin (`wire`), an answer
//! that cannot be read is an error at once, every other status is returned to
//! the caller. Nothing GitHub-specific lives
//! here: GitHub's headers, rate-limit readings, clock skew and a fresh token's
//! replication lag are in `github`, so requests to other hosts never get them.
//!
//! - [`http`]: the request and the answer as the program sees them.
//! - [`json`]: answers read as typed serde structs.
//! - [`reading`]: how a service's answers read for retrying.
//! - `attempt`: one attempt, its body read under [`BODY_LIMIT`] and decoded.
//! - `send`: the request loop: retries, redirects, the run's budget.
//! - `ureq_errors`: ureq's errors as [`Cause`]s, quoting nothing a server sent.
//! - [`call`], [`error`]: the words of the failures, and the failures.

use std::sync::Arc;
use std::time::{Duration, Instant};

use ureq::tls::{Certificate, RootCerts, TlsConfig};

pub use crate::method::Method;
use crate::net::{self, NetError, ProxyChoice};
use crate::url::ServiceUrl;

mod attempt;
pub mod call;
pub mod error;
pub mod http;
pub mod json;
pub mod reading;
mod send;
mod ureq_errors;

pub use call::{Call, Purpose, Who};
pub use error::{BadAnswer, Cause, Last, TransportError};
pub use http::{Request, Response, seconds};
pub use json::FromJson;
pub use reading::{PlainHttp, Reader, Reading};

pub const CONNECT_TIMEOUT: Duration = Duration::from_secs(10);
/// One request, from connect to the last byte of the answer.
pub const REQUEST_TIMEOUT: Duration = Duration::from_secs(30);
/// All requests of one run together, attempts and waits included.
pub const TOTAL_BUDGET: Duration = Duration::from_secs(120);
/// Answers larger than this are refused (a 500-repository token answer is a few MB).
pub const BODY_LIMIT: u64 = 16 * 1024 * 1024;

const USER_AGENT: &str = concat!("app-token-action/", env!("CARGO_PKG_VERSION"));

/// The connection settings of a run.
pub struct Transport {
    roots: Arc<Vec<Certificate<'static>>>,
    /// When the run's network budget ends: one bound for all requests of a run.
    deadline: Instant,
}

impl Transport {
    /// The run's transport: its budget starts now; `ca_pem` joins the CA roots.
    pub fn new(ca_pem: Option<&str>) -> Result<Transport, NetError> {
        let _ = rustls::crypto::ring::default_provider().install_default();
        Ok(Transport {
            roots: Arc::new(net::roots(ca_pem)?),
            deadline: Instant::now() + TOTAL_BUDGET,
        })
    }

    pub(crate) fn left(&self) -> Duration {
        self.deadline.saturating_duration_since(Instant::now())
    }

    /// An endpoint for the service at `base`, trusting `extra_ca` (PEM) too.
    pub fn endpoint(
        &self,
        base: &ServiceUrl,
        extra_ca: Option<&str>,
    ) -> Result<Endpoint<'_>, NetError> {
        let proxy = net::proxy_for(base)?;
        let roots = match extra_ca {
            Some(pem) => {
                let mut all = (*self.roots).clone();
                all.extend(net::pem_certificates(pem)?);
                Arc::new(all)
            }
            None => Arc::clone(&self.roots),
        };
        let tls = TlsConfig::builder()
            .root_certs(RootCerts::Specific(roots))
            .build();
        let agent = ureq::Agent::config_builder()
            .http_status_as_error(false)
            .user_agent(USER_AGENT)
            .timeout_connect(Some(CONNECT_TIMEOUT))
            .timeout_global(Some(REQUEST_TIMEOUT))
            .tls_config(tls)
            .proxy(proxy.as_ref().map(|p| p.proxy.clone()))
            // Redirects are ours to follow (`Endpoint::send`): within the origin only.
            .max_redirects(0)
            .build()
            .new_agent();
        Ok(Endpoint {
            transport: self,
            agent,
            base: base.clone(),
            proxy,
        })
    }
}

/// One service's root, reached through the run's transport.
pub struct Endpoint<'t> {
    transport: &'t Transport,
    agent: ureq::Agent,
    base: ServiceUrl,
    proxy: Option<ProxyChoice>,
}
