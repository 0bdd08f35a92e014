//! A mock of the GitHub REST API's App-authentication surface, strict where GitHub is
//! strict (JWT claims, mint bodies, User-Agent), with injectable faults: the
//! scenario it knows (`scenario`), its connections (`server`), the endpoints
//! (`routes`) and the faults (`faults`).

mod faults;
mod routes;
mod scenario;
mod server;

use std::collections::HashMap;
use std::net::{SocketAddr, TcpListener, TcpStream};
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

pub use faults::{Fault, FaultKind, StatusFault, error_body};
pub use routes::{Minted, classic_token, new_format_token};
pub use scenario::*;
pub use server::{Auth, Recorded};

use server::{Shared, State, real_now, serve};

/// How to start a [`MockGithub`]: its scenario, clock, path prefix, TLS and faults.
pub struct MockBuilder {
    scenario: Scenario,
    clock_offset: i64,
    prefix: String,
    tls: bool,
    faults: Vec<Fault>,
    port: u16,
    log: bool,
    latency: std::time::Duration,
}

impl MockBuilder {
    /// Each answer waits this long first, as a far or slow API would (benchmarks).
    pub fn latency(mut self, latency: std::time::Duration) -> MockBuilder {
        self.latency = latency;
        self
    }

    /// The mock's clock = real time + this (positive: GitHub is ahead of the client).
    pub fn clock_offset_secs(mut self, secs: i64) -> MockBuilder {
        self.clock_offset = secs;
        self
    }

    /// GHES-style API root such as `/api/v3`; requests outside it get 404.
    pub fn path_prefix(mut self, prefix: &str) -> MockBuilder {
        self.prefix = prefix.trim_end_matches('/').to_string();
        if !self.prefix.is_empty() && !self.prefix.starts_with('/') {
            self.prefix.insert(0, '/');
        }
        self
    }

    /// Serves HTTPS with a generated CA (see [`MockGithub::ca_pem`]).
    pub fn tls(mut self) -> MockBuilder {
        self.tls = true;
        self
    }

    /// Adds a fault (see [`Fault`]); faults are matched in the order added.
    pub fn fault(mut self, fault: Fault) -> MockBuilder {
        self.faults.push(fault);
        self
    }

    /// Port to bind on 127.0.0.1 (default 0: any free port).
    pub fn port(mut self, port: u16) -> MockBuilder {
        self.port = port;
        self
    }

    /// One line per request on stderr: method, path, status.
    pub fn log(mut self, on: bool) -> MockBuilder {
        self.log = on;
        self
    }

    /// Binds 127.0.0.1 and serves on its own thread; stopped when the mock is dropped.
    pub fn start(self) -> MockGithub {
        let listener = TcpListener::bind(("127.0.0.1", self.port)).expect("bind 127.0.0.1");
        let addr = listener.local_addr().expect("local addr");
        let tls = self.tls.then(super::tls::generate);
        let root = match tls {
            Some(_) => format!("https://localhost:{}", addr.port()),
            None => format!("http://127.0.0.1:{}", addr.port()),
        };
        let url = format!("{root}{}", self.prefix);
        let fault_hits = vec![0; self.faults.len()];
        let shared = Arc::new(Shared {
            scenario: self.scenario,
            prefix: self.prefix,
            base_url: url.clone(),
            faults: self.faults,
            log: self.log,
            latency: self.latency,
            state: Mutex::new(State {
                records: Vec::new(),
                minted: Vec::new(),
                revoked: Vec::new(),
                tokens: HashMap::new(),
                fault_hits,
                clock_offset: self.clock_offset,
                used: 0,
            }),
            shutdown: Arc::new(AtomicBool::new(false)),
            request_seq: AtomicU64::new(1),
            started: real_now(),
        });
        let server_config = tls.as_ref().map(|t| t.server_config.clone());
        let conn_shared = shared.clone();
        super::http::accept_loop(
            "mock-github",
            listener,
            shared.shutdown.clone(),
            move |tcp| serve(conn_shared.clone(), tcp, server_config.clone()),
        );
        MockGithub {
            shared,
            addr,
            url,
            ca_pem: tls.map(|t| t.ca_pem),
        }
    }
}

/// A running mock; dropping it stops accepting (open connections end at their next request).
pub struct MockGithub {
    shared: Arc<Shared>,
    addr: SocketAddr,
    url: String,
    ca_pem: Option<String>,
}

impl MockGithub {
    /// The mock with `scenario` and no fault, on any free port.
    pub fn start(scenario: Scenario) -> MockGithub {
        MockGithub::builder(scenario).start()
    }

    /// A builder for a mock with `scenario`.
    pub fn builder(scenario: Scenario) -> MockBuilder {
        MockBuilder {
            scenario,
            clock_offset: 0,
            prefix: String::new(),
            tls: false,
            faults: Vec::new(),
            port: 0,
            log: false,
            latency: std::time::Duration::ZERO,
        }
    }

    /// API root, e.g. `http://127.0.0.1:41234` or `https://localhost:41234/api/v3`.
    pub fn url(&self) -> String {
        self.url.clone()
    }

    /// The address it listens on.
    pub fn addr(&self) -> SocketAddr {
        self.addr
    }

    /// TLS mode: the PEM of the CA that signed the server certificate.
    pub fn ca_pem(&self) -> Option<String> {
        self.ca_pem.clone()
    }

    /// The mock's clock (epoch seconds): real time + offset.
    pub fn now(&self) -> i64 {
        self.shared.now()
    }

    /// Moves the mock's clock to real time + `secs`.
    pub fn set_clock_offset_secs(&self, secs: i64) {
        self.shared.lock().clock_offset = secs;
    }

    /// Every request received, in order.
    pub fn requests(&self) -> Vec<Recorded> {
        self.shared.lock().records.clone()
    }

    /// Every token minted, in order.
    pub fn minted(&self) -> Vec<Minted> {
        self.shared.lock().minted.clone()
    }

    /// Every token revoked, in order.
    pub fn revoked(&self) -> Vec<String> {
        self.shared.lock().revoked.clone()
    }

    /// Recorded requests with this method (`*` = any) whose path starts with `path_prefix`.
    pub fn count(&self, method: &str, path_prefix: &str) -> usize {
        self.shared
            .lock()
            .records
            .iter()
            .filter(|r| {
                (method == "*" || r.method.eq_ignore_ascii_case(method))
                    && r.path.starts_with(path_prefix)
            })
            .count()
    }
}

impl Drop for MockGithub {
    fn drop(&mut self) {
        self.shared.shutdown.store(true, Ordering::SeqCst);
        // Wake the accept loop so it sees the flag; never join (must not hang a test).
        let _ = TcpStream::connect_timeout(&self.addr, Duration::from_millis(200));
    }
}
