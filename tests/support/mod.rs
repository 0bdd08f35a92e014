//! TEMPORARY STUB (branch `container` only): drop this file when merging; the real
//! `tests/support/` (mock GitHub API) comes from the `mock` branch. It implements only the
//! API surface tests/container.rs uses: MockGithub::start(Scenario::standard()), url(),
//! requests(), minted(), revoked(); plain HTTP, canned answers, no JWT check.
#![allow(dead_code)]

pub mod mock {
    use std::io::{BufRead, BufReader, Read, Write};
    use std::net::TcpListener;
    use std::sync::{Arc, Mutex};

    pub struct Scenario;

    impl Scenario {
        pub fn standard() -> Scenario {
            Scenario
        }
    }

    #[derive(Default)]
    struct Log {
        requests: Vec<String>,
        minted: Vec<String>,
        revoked: Vec<String>,
    }

    pub struct MockGithub {
        url: String,
        log: Arc<Mutex<Log>>,
    }

    impl MockGithub {
        pub fn start(_scenario: Scenario) -> MockGithub {
            let listener = TcpListener::bind("127.0.0.1:0").unwrap();
            let url = format!("http://{}", listener.local_addr().unwrap());
            let log = Arc::new(Mutex::new(Log::default()));
            let shared = log.clone();
            std::thread::spawn(move || {
                for stream in listener.incoming() {
                    let Ok(mut stream) = stream else { continue };
                    let mut reader = BufReader::new(stream.try_clone().unwrap());
                    let mut line = String::new();
                    if reader.read_line(&mut line).is_err() {
                        continue;
                    }
                    let mut auth = String::new();
                    let mut len = 0usize;
                    loop {
                        let mut h = String::new();
                        if reader.read_line(&mut h).unwrap_or(0) == 0 || h.trim().is_empty() {
                            break;
                        }
                        let lower = h.to_ascii_lowercase();
                        if let Some(v) = lower.strip_prefix("content-length:") {
                            len = v.trim().parse().unwrap_or(0);
                        }
                        if lower.starts_with("authorization:") {
                            auth = h.split_once(' ').map(|x| x.1).unwrap_or("").to_string();
                        }
                    }
                    let mut body = vec![0; len];
                    let _ = reader.read_exact(&mut body);
                    let mut parts = line.split_whitespace();
                    let method = parts.next().unwrap_or("").to_string();
                    let path = parts.next().unwrap_or("").to_string();
                    let mut log = shared.lock().unwrap();
                    log.requests.push(format!("{method} {path}"));
                    let (status, json) = match (method.as_str(), path.as_str()) {
                        ("GET", "/orgs/acme/installation") => {
                            (200, r#"{"id":1001,"app_slug":"mock-app"}"#.to_string())
                        }
                        ("POST", "/app/installations/1001/access_tokens") => {
                            let token = format!("ghs_mock{:04}", log.minted.len());
                            log.minted.push(token.clone());
                            (
                                201,
                                format!(
                                    r#"{{"token":"{token}","expires_at":"2030-01-01T00:00:00Z"}}"#
                                ),
                            )
                        }
                        ("DELETE", "/installation/token") => {
                            let token = auth.trim().trim_start_matches("token ").to_string();
                            log.revoked.push(token.trim().to_string());
                            (204, String::new())
                        }
                        _ => (404, r#"{"message":"Not Found"}"#.to_string()),
                    };
                    drop(log);
                    let _ = write!(
                        stream,
                        "HTTP/1.1 {status} X\r\ncontent-type: application/json\r\ncontent-length: {}\r\nconnection: close\r\n\r\n{json}",
                        json.len()
                    );
                }
            });
            MockGithub { url, log }
        }

        pub fn url(&self) -> String {
            self.url.clone()
        }

        pub fn requests(&self) -> Vec<String> {
            self.log.lock().unwrap().requests.clone()
        }

        pub fn minted(&self) -> Vec<String> {
            self.log.lock().unwrap().minted.clone()
        }

        pub fn revoked(&self) -> Vec<String> {
            self.log.lock().unwrap().revoked.clone()
        }
    }
}
