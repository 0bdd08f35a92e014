//! The kms library's one network seam, implemented over ureq for the tests (the program
//! itself plugs in its shared client).

use std::time::Duration;

use app_token_action::kms::{Exchange, KmsError, Method, ServiceRequest, ServiceResponse};

/// What a test sees when a call fails: the library's typed error, or the transport's.
#[derive(Debug, PartialEq)]
pub enum Failure {
    /// The library's typed error.
    Kms(KmsError),
    /// The request did not complete (ureq's error, as text).
    Transport(String),
}

impl From<KmsError> for Failure {
    fn from(e: KmsError) -> Failure {
        Failure::Kms(e)
    }
}

impl Failure {
    /// The typed error; panics (naming the transport failure) if there is none.
    pub fn kms(self) -> KmsError {
        match self {
            Failure::Kms(e) => e,
            Failure::Transport(t) => panic!("transport failure, not a service answer: {t}"),
        }
    }
}

/// Sends requests with ureq, keeping every answer whatever its status; counts them.
pub struct Wire {
    agent: ureq::Agent,
    sent: std::sync::atomic::AtomicUsize,
}

impl Default for Wire {
    fn default() -> Wire {
        Wire::new()
    }
}

impl Wire {
    /// An exchange over ureq that returns every status as an answer.
    pub fn new() -> Wire {
        let agent = ureq::Agent::config_builder()
            .http_status_as_error(false)
            .timeout_global(Some(Duration::from_secs(20)))
            .build()
            .new_agent();
        Wire {
            agent,
            sent: Default::default(),
        }
    }

    /// How many requests went out.
    pub fn sent(&self) -> usize {
        self.sent.load(std::sync::atomic::Ordering::SeqCst)
    }
}

impl Exchange for Wire {
    type Error = Failure;

    fn exchange(&self, req: &ServiceRequest) -> Result<ServiceResponse, Failure> {
        self.sent.fetch_add(1, std::sync::atomic::Ordering::SeqCst);
        let mut builder = ureq::http::Request::builder()
            .method(req.method.as_str())
            .uri(&req.url);
        for (k, v) in &req.headers {
            // ureq sets Host itself, from the same URL the signature covered.
            if !k.eq_ignore_ascii_case("host") {
                builder = builder.header(k, v);
            }
        }
        let request = builder
            .body(req.body.clone())
            .map_err(|e| Failure::Transport(e.to_string()))?;
        let mut resp = self
            .agent
            .run(request)
            .map_err(|e| Failure::Transport(e.to_string()))?;
        let headers = resp
            .headers()
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_str().unwrap_or("").to_string()))
            .collect();
        let status = resp.status().as_u16();
        let body = resp
            .body_mut()
            .read_to_vec()
            .map_err(|e| Failure::Transport(e.to_string()))?;
        Ok(ServiceResponse {
            status,
            headers,
            body,
        })
    }
}

/// A request with a JSON or other body, for test set-up calls the library does not make.
pub fn request(
    method: Method,
    url: &str,
    headers: &[(&str, &str)],
    body: impl Into<Vec<u8>>,
) -> ServiceRequest {
    ServiceRequest {
        service: app_token_action::kms::Service::Vault,
        method,
        url: url.to_string(),
        headers: headers
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect(),
        body: body.into(),
    }
}
