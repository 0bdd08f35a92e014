//! A key service that answers every request with one canned answer, as a broken or
//! hostile endpoint would (trailing DER junk, credentials hiding control characters behind
//! XML references or JSON escapes), and counts the requests it received.

use std::io::BufReader;
use std::net::TcpListener;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};

use crate::http::{self, Response};

/// A running canned server; dropping it stops accepting.
pub struct Canned {
    /// `http://127.0.0.1:<port>`
    pub url: String,
    requests: Arc<AtomicUsize>,
    stop: Arc<AtomicBool>,
}

impl Canned {
    /// Answers every request `status` with `content_type` and `body`.
    pub fn start(status: u16, content_type: &str, body: &str) -> Canned {
        let listener = TcpListener::bind("127.0.0.1:0").expect("bind");
        let url = format!("http://127.0.0.1:{}", listener.local_addr().unwrap().port());
        let requests = Arc::new(AtomicUsize::new(0));
        let stop = Arc::new(AtomicBool::new(false));
        let (count, ct, body) = (requests.clone(), content_type.to_string(), body.to_string());
        http::accept_loop("canned", listener, stop.clone(), move |tcp| {
            let mut r = BufReader::new(tcp);
            while let Ok(Some(req)) = http::read_request(&mut r) {
                count.fetch_add(1, Ordering::SeqCst);
                let mut resp = Response::new(status);
                resp.set_header("Content-Type", ct.clone());
                resp.body = body.clone().into_bytes();
                if http::write_response(r.get_mut(), &resp, req.keep_alive()).is_err()
                    || !req.keep_alive()
                {
                    break;
                }
            }
        });
        Canned {
            url,
            requests,
            stop,
        }
    }

    /// How many requests arrived.
    pub fn requests(&self) -> usize {
        self.requests.load(Ordering::SeqCst)
    }
}

impl Drop for Canned {
    fn drop(&mut self) {
        self.stop.store(true, Ordering::SeqCst);
        let _ = std::net::TcpStream::connect(self.url.trim_start_matches("http://"));
    }
}
