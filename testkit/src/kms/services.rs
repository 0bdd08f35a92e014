//! The pinned emulators `scripts/services` installs: moto's server (AWS KMS, STS, IAM)
//! and OpenBao's dev server (Vault's API), each started on a free loopback port, waited
//! for, and stopped by its pid when dropped. Outside CI a missing emulator skips the test
//! with a note; with `CI=true` it fails.

use std::net::TcpListener;
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use app_token_action::kms::{Exchange, Method};

use super::wire::{Wire, request};

/// The emulators' bin directory, where `scripts/services` puts it.
pub fn bin_dir() -> PathBuf {
    let base = std::env::var_os("APP_TOKEN_SERVICES")
        .map(PathBuf::from)
        .unwrap_or_else(|| {
            let cache = std::env::var_os("XDG_CACHE_HOME")
                .map(PathBuf::from)
                .unwrap_or_else(|| {
                    PathBuf::from(std::env::var_os("HOME").unwrap_or_default()).join(".cache")
                });
            cache.join("app-token-action/services")
        });
    base.join("venv/bin")
}

/// The emulator's path, or `None` (skip) outside CI; in CI its absence is a failure.
fn find(program: &str) -> Option<PathBuf> {
    let path = bin_dir().join(program);
    if path.is_file() {
        return Some(path);
    }
    if std::env::var("CI").is_ok_and(|v| v == "true") {
        panic!(
            "{} is missing: run scripts/services (CI never skips these tests)",
            path.display()
        );
    }
    eprintln!(
        "skipped: {} is missing (run scripts/services)",
        path.display()
    );
    None
}

/// A free loopback port (and, for OpenBao's cluster listener, the one after it).
fn free_port(pair: bool) -> u16 {
    loop {
        let a = TcpListener::bind("127.0.0.1:0").expect("bind");
        let port = a.local_addr().unwrap().port();
        if !pair || (port < u16::MAX && TcpListener::bind(("127.0.0.1", port + 1)).is_ok()) {
            return port;
        }
    }
}

/// A child process stopped with SIGTERM (then SIGKILL) by its own pid.
struct Process {
    child: Child,
    log: PathBuf,
}

impl Process {
    fn spawn(cmd: &mut Command, tag: &str) -> Process {
        let log =
            std::env::temp_dir().join(format!("app-token-kms-{tag}-{}.log", std::process::id()));
        let out = std::fs::File::create(&log).expect("log file");
        let child = cmd
            .stdin(Stdio::null())
            .stdout(out.try_clone().unwrap())
            .stderr(out)
            .spawn()
            .unwrap_or_else(|e| panic!("start {tag}: {e}"));
        Process { child, log }
    }

    fn log(&self) -> String {
        std::fs::read_to_string(&self.log).unwrap_or_default()
    }

    /// Waits until `ready` answers 200, or panics with the server's log.
    fn wait_ready(&mut self, url: &str, tag: &str) {
        let wire = Wire::new();
        let deadline = Instant::now() + Duration::from_secs(30);
        while Instant::now() < deadline {
            if let Ok(Some(status)) = self.child.try_wait() {
                panic!(
                    "{tag} exited ({status}) before it was ready:\n{}",
                    self.log()
                );
            }
            if wire
                .exchange(&request(Method::Get, url, &[], Vec::new()))
                .is_ok_and(|r| r.status == 200)
            {
                return;
            }
            std::thread::sleep(Duration::from_millis(50));
        }
        panic!("{tag} not ready within 30 s:\n{}", self.log());
    }
}

impl Drop for Process {
    fn drop(&mut self) {
        let pid = self.child.id() as libc::pid_t;
        // SAFETY: a plain kill(2) of our own child's pid.
        unsafe { libc::kill(pid, libc::SIGTERM) };
        let deadline = Instant::now() + Duration::from_secs(5);
        while Instant::now() < deadline {
            if let Ok(Some(_)) = self.child.try_wait() {
                let _ = std::fs::remove_file(&self.log);
                return;
            }
            std::thread::sleep(Duration::from_millis(20));
        }
        let _ = self.child.kill();
        let _ = self.child.wait();
        let _ = std::fs::remove_file(&self.log);
    }
}

/// moto's server: AWS KMS, STS and IAM on one port. Auth is off until [`Moto::auth_on`].
pub struct Moto {
    process: Process,
    /// `http://127.0.0.1:<port>`
    pub url: String,
}

impl Moto {
    /// Starts moto, or `None` (outside CI) if it is not installed.
    pub fn start() -> Option<Moto> {
        let program = find("moto_server")?;
        let port = free_port(false);
        let mut process = Process::spawn(
            Command::new(program).args(["-H", "127.0.0.1", "-p", &port.to_string()]),
            "moto",
        );
        let url = format!("http://127.0.0.1:{port}");
        process.wait_ready(&format!("{url}/moto-api/"), "moto_server");
        Some(Moto { process, url })
    }

    /// From now on moto checks every request's SigV4 signature and IAM policy.
    pub fn auth_on(&self) {
        let resp = Wire::new()
            .exchange(&request(
                Method::Post,
                &format!("{}/moto-api/reset-auth", self.url),
                &[("Content-Type", "text/plain")],
                "0",
            ))
            .expect("reset-auth");
        assert_eq!(resp.status, 200, "{}", String::from_utf8_lossy(&resp.body));
    }

    /// The server's log so far (for a failing test's message).
    pub fn log(&self) -> String {
        self.process.log()
    }
}

/// OpenBao's in-memory dev server with a random root token.
pub struct Bao {
    process: Process,
    /// `http://127.0.0.1:<port>`
    pub addr: String,
    /// The dev server's root token.
    pub root_token: String,
}

impl Bao {
    /// Starts `bao server -dev`, or `None` (outside CI) if it is not installed.
    pub fn start() -> Option<Bao> {
        let program = find("bao")?;
        let port = free_port(true);
        let mut token = [0u8; 16];
        ring::rand::SecureRandom::fill(&ring::rand::SystemRandom::new(), &mut token).unwrap();
        let root_token: String = token.iter().map(|b| format!("{b:02x}")).collect();
        let mut process = Process::spawn(
            Command::new(program)
                .args([
                    "server",
                    "-dev",
                    &format!("-dev-listen-address=127.0.0.1:{port}"),
                    &format!("-dev-root-token-id={root_token}"),
                    "-dev-no-store-token",
                ])
                .env_remove("VAULT_ADDR")
                .env_remove("BAO_ADDR"),
            "bao",
        );
        let addr = format!("http://127.0.0.1:{port}");
        process.wait_ready(&format!("{addr}/v1/sys/health"), "bao server -dev");
        Some(Bao {
            process,
            addr,
            root_token,
        })
    }

    /// A JSON call with the root token; panics unless it succeeds. Returns the body.
    pub fn root(&self, method: Method, path: &str, body: serde_json::Value) -> serde_json::Value {
        let body = if body.is_null() {
            Vec::new()
        } else {
            body.to_string().into_bytes()
        };
        let resp = Wire::new()
            .exchange(&request(
                method,
                &format!("{}/v1/{path}", self.addr),
                &[
                    ("X-Vault-Token", &self.root_token),
                    ("Content-Type", "application/json"),
                ],
                body,
            ))
            .expect("bao request");
        assert!(
            (200..300).contains(&resp.status),
            "{path}: {} {}",
            resp.status,
            String::from_utf8_lossy(&resp.body)
        );
        serde_json::from_slice(&resp.body).unwrap_or(serde_json::Value::Null)
    }

    /// The server's log so far.
    pub fn log(&self) -> String {
        self.process.log()
    }

    /// Enables transit at `{prefix}transit` (`prefix`: "" or a namespace's `ns/`).
    pub fn mount_transit(&self, prefix: &str) {
        self.root(
            Method::Post,
            &format!("{prefix}sys/mounts/transit"),
            serde_json::json!({"type": "transit"}),
        );
    }

    /// A transit key `name` of `kind` (`rsa-2048`, `aes256-gcm96`, …).
    pub fn create_key(&self, name: &str, kind: &str) {
        self.root(
            Method::Post,
            &format!("transit/keys/{name}"),
            serde_json::json!({"type": kind}),
        );
    }

    /// The transit key's (version 1) public half, SPKI PEM.
    pub fn public_pem(&self, name: &str) -> String {
        let v = self.root(
            Method::Get,
            &format!("transit/keys/{name}"),
            serde_json::Value::Null,
        );
        v["data"]["keys"]["1"]["public_key"]
            .as_str()
            .expect("an asymmetric key's public_key")
            .to_string()
    }

    /// JWT auth at `jwt/` trusting tokens that `issuer_public_pem` signs with GitHub's
    /// issuer, and a role `role` for acme/widgets on main (the default audience) with
    /// `policy` (HCL) as its only policy.
    pub fn trust_oidc(&self, issuer_public_pem: &str, role: &str, policy: &str) {
        use serde_json::json;
        self.root(
            Method::Post,
            &format!("sys/policies/acl/{role}"),
            json!({ "policy": policy }),
        );
        self.root(Method::Post, "sys/auth/jwt", json!({"type": "jwt"}));
        self.root(
            Method::Post,
            "auth/jwt/config",
            json!({"jwt_validation_pubkeys": [issuer_public_pem], "bound_issuer": super::oidc::ISSUER}),
        );
        self.root(Method::Post, &format!("auth/jwt/role/{role}"), json!({
            "role_type": "jwt", "user_claim": "sub", "bound_audiences": ["https://github.com/acme"],
            "bound_subject": "repo:acme/widgets:ref:refs/heads/main", "bound_claims": {"repository": "acme/widgets"},
            "token_policies": [role], "token_ttl": "10m", "token_max_ttl": "10m"
        }));
    }
}
