//! A forward HTTP proxy for tests: `CONNECT host:port` tunnels and absolute-form requests,
//! optionally demanding Basic credentials (407 otherwise). Logs what it was asked, never
//! the credential itself.

use std::io::{self, BufReader, Read, Write};
use std::net::{Shutdown, SocketAddr, TcpListener, TcpStream};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use base64::Engine;

use super::http::{self, Response};

/// A request the proxy received.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ProxyLogEntry {
    /// The method (`CONNECT` for a tunnel).
    pub method: String,
    /// `host:port` for CONNECT, the absolute URL otherwise.
    pub target: String,
    /// Whether the request carried the required (correct) Proxy-Authorization. Always
    /// true-if-present when the proxy requires none.
    pub had_credentials: bool,
    /// What the proxy answered: 200 (tunnel established), 400, 407 or 502; 0 for a
    /// forwarded request (the upstream's status is relayed, not parsed).
    pub status: u16,
}

struct ProxyShared {
    expected_auth: Option<String>,
    log: Mutex<Vec<ProxyLogEntry>>,
    shutdown: Arc<AtomicBool>,
}

/// A forward proxy on loopback (CONNECT tunnels and absolute-form requests), stopped when dropped.
pub struct Proxy {
    shared: Arc<ProxyShared>,
    addr: SocketAddr,
}

impl Proxy {
    /// A proxy that requires no credentials.
    pub fn start() -> Proxy {
        Proxy::start_inner(None)
    }

    /// A proxy that requires `Proxy-Authorization: Basic base64(user:pass)`.
    pub fn with_credentials(user: &str, pass: &str) -> Proxy {
        let b64 = base64::engine::general_purpose::STANDARD.encode(format!("{user}:{pass}"));
        Proxy::start_inner(Some(format!("Basic {b64}")))
    }

    fn start_inner(expected_auth: Option<String>) -> Proxy {
        let listener = TcpListener::bind("127.0.0.1:0").expect("bind proxy");
        let addr = listener.local_addr().expect("proxy addr");
        let shared = Arc::new(ProxyShared {
            expected_auth,
            log: Mutex::new(Vec::new()),
            shutdown: Arc::new(AtomicBool::new(false)),
        });
        let s = shared.clone();
        http::accept_loop(
            "mock-proxy",
            listener,
            shared.shutdown.clone(),
            move |tcp| {
                let _ = handle(&s, tcp);
            },
        );
        Proxy { shared, addr }
    }

    /// `http://127.0.0.1:PORT` (no credentials in it).
    pub fn url(&self) -> String {
        format!("http://{}", self.addr)
    }

    /// The address it listens on.
    pub fn addr(&self) -> SocketAddr {
        self.addr
    }

    /// Every request received, in order.
    pub fn log(&self) -> Vec<ProxyLogEntry> {
        self.shared
            .log
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .clone()
    }
}

impl Drop for Proxy {
    fn drop(&mut self) {
        self.shared.shutdown.store(true, Ordering::SeqCst);
        let _ = TcpStream::connect_timeout(&self.addr, Duration::from_millis(200));
    }
}

fn record(s: &ProxyShared, method: &str, target: &str, had: bool, status: u16) {
    s.log
        .lock()
        .unwrap_or_else(|e| e.into_inner())
        .push(ProxyLogEntry {
            method: method.to_string(),
            target: target.to_string(),
            had_credentials: had,
            status,
        });
}

fn handle(s: &ProxyShared, client: TcpStream) -> io::Result<()> {
    let _ = client.set_read_timeout(Some(Duration::from_secs(30)));
    let mut reader = BufReader::new(client.try_clone()?);
    let Some(mut req) = http::read_head(&mut reader)? else {
        return Ok(());
    };
    let sent = req.header("proxy-authorization");
    let authorized = match &s.expected_auth {
        None => true,
        Some(want) => sent == Some(want.as_str()),
    };
    let had_credentials = match &s.expected_auth {
        None => sent.is_some(),
        Some(_) => authorized,
    };
    let mut out = client;
    if !authorized {
        record(s, &req.method, &req.target, had_credentials, 407);
        let mut r = Response::new(407);
        r.set_header("Proxy-Authenticate", "Basic realm=\"mock-proxy\"");
        return http::write_response(&mut out, &r, false);
    }

    if req.method.eq_ignore_ascii_case("CONNECT") {
        let upstream = match TcpStream::connect(&req.target) {
            Ok(u) => u,
            Err(_) => {
                record(s, &req.method, &req.target, had_credentials, 502);
                return http::write_response(&mut out, &Response::new(502), false);
            }
        };
        record(s, &req.method, &req.target, had_credentials, 200);
        out.write_all(b"HTTP/1.1 200 Connection Established\r\n\r\n")?;
        // Bytes the client sent after the CONNECT head (usually none) go first.
        let mut up_w = upstream.try_clone()?;
        up_w.write_all(reader.buffer())?;
        let _ = upstream.set_read_timeout(None);
        let _ = out.set_read_timeout(None);
        return tunnel(reader.into_inner(), out, upstream);
    }

    // Absolute-form: forward one request upstream with `Connection: close`, relay the answer.
    let Some(rest) = req.target.strip_prefix("http://") else {
        record(s, &req.method, &req.target, had_credentials, 400);
        return http::write_response(&mut out, &Response::new(400), false);
    };
    let (hostport, path) = match rest.find('/') {
        Some(i) => (&rest[..i], &rest[i..]),
        None => (rest, "/"),
    };
    let hostport = if hostport.contains(':') {
        hostport.to_string()
    } else {
        format!("{hostport}:80")
    };
    let body = {
        // Content-Length bodies only: the clients under test never chunk a proxied request.
        let len = req
            .header("content-length")
            .and_then(|v| v.parse::<usize>().ok())
            .unwrap_or(0);
        let mut b = vec![0; len.min(http::MAX_BODY)];
        reader.read_exact(&mut b)?;
        b
    };
    req.headers.retain(|(k, _)| {
        !matches!(
            k.as_str(),
            "proxy-authorization" | "proxy-connection" | "connection" | "keep-alive"
        )
    });
    let mut upstream = match TcpStream::connect(&hostport) {
        Ok(u) => u,
        Err(_) => {
            record(s, &req.method, &req.target, had_credentials, 502);
            return http::write_response(&mut out, &Response::new(502), false);
        }
    };
    record(s, &req.method, &req.target, had_credentials, 0);
    let mut head = format!("{} {} HTTP/1.1\r\n", req.method, path);
    for (k, v) in &req.headers {
        head.push_str(&format!("{k}: {v}\r\n"));
    }
    head.push_str("connection: close\r\n\r\n");
    upstream.write_all(head.as_bytes())?;
    upstream.write_all(&body)?;
    io::copy(&mut upstream, &mut out)?;
    let _ = out.shutdown(Shutdown::Both);
    Ok(())
}

fn tunnel(client_r: TcpStream, client_w: TcpStream, upstream: TcpStream) -> io::Result<()> {
    let mut up_r = upstream.try_clone()?;
    let mut up_w = upstream;
    let mut c_r = client_r;
    let mut c_w = client_w;
    let t = std::thread::spawn(move || {
        let _ = io::copy(&mut c_r, &mut up_w);
        let _ = up_w.shutdown(Shutdown::Write);
    });
    let _ = io::copy(&mut up_r, &mut c_w);
    let _ = c_w.shutdown(Shutdown::Write);
    let _ = t.join();
    Ok(())
}
