//! A key in a key service at run time: the run's one [`Transport`] carries the
//! services' calls (the `kms` library's [`Exchange`]), so they share GitHub's
//! budget, retries, proxies and CA roots; and the opened key is a [`Signer`].

use std::sync::{Arc, Mutex};

use crate::error::Error;
use crate::jwt::Signer;
use crate::kms::backend::{Backend, Settings};
use crate::kms::{self, Exchange, RemoteKey, Service, ServiceRequest, ServiceResponse};
use crate::net::NetError;
use crate::report;
use crate::retry::Limit;
use crate::secret::Shown;
use crate::transport::{
    Endpoint, Method, PlainHttp, Purpose, Reader, Reading, Request, Response, Transport,
    TransportError, Who,
};
use crate::url::{ServiceUrl, UrlProblem};

/// The key services' side of the run's transport: one endpoint per service root,
/// made on first use.
pub struct Services<'t> {
    transport: &'t Transport,
    // A lock, not a RefCell: several owners sign from several threads.
    endpoints: Mutex<Vec<(String, Arc<Endpoint<'t>>)>>,
}

/// This process's environment, as the `kms` library reads it.
fn env(name: &str) -> Option<String> {
    crate::env::raw(name)
}

impl<'t> Services<'t> {
    /// Key-service calls over `transport`.
    pub fn new(transport: &'t Transport) -> Services<'t> {
        Services {
            transport,
            endpoints: Mutex::new(Vec::new()),
        }
    }

    /// The endpoint for `origin`; Vault's also trusts `VAULT_CACERT`, as Vault's own CLI does.
    fn endpoint(&self, service: Service, origin: &str) -> Result<Arc<Endpoint<'t>>, Error> {
        let key = format!("{service:?} {origin}");
        let known = |list: &Vec<(String, Arc<Endpoint<'t>>)>| {
            list.iter()
                .find(|(k, _)| *k == key)
                .map(|(_, e)| Arc::clone(e))
        };
        if let Some(e) = known(&self.endpoints()) {
            return Ok(e);
        }
        let base = ServiceUrl::parse(origin).map_err(|problem| match problem {
            UrlProblem::PlainHttp => NetError::InsecureServiceUrl {
                url: Shown::url(origin),
            },
            UrlProblem::NotHttp | UrlProblem::UserInfo => NetError::InvalidServiceUrl {
                url: Shown::url(origin),
            },
        })?;
        let ca = match kms::vault::env_var(&env, "CACERT").filter(|_| service == Service::Vault) {
            Some(path) => Some(
                std::fs::read_to_string(&path)
                    .map_err(|source| NetError::VaultCaCert { path, source })?,
            ),
            None => None,
        };
        let endpoint = Arc::new(self.transport.endpoint(&base, ca.as_deref())?);
        self.endpoints().push((key, Arc::clone(&endpoint)));
        Ok(endpoint)
    }

    /// The endpoints made so far (a panic elsewhere cannot leave the list unusable).
    fn endpoints(&self) -> std::sync::MutexGuard<'_, Vec<(String, Arc<Endpoint<'t>>)>> {
        self.endpoints.lock().unwrap_or_else(|e| e.into_inner())
    }
}

/// `scheme://authority` and the rest (from `/`) of an absolute URL.
fn split_url(url: &str) -> (&str, &str) {
    let after_scheme = url.find("://").map_or(0, |i| i + 3);
    match url[after_scheme..].find(['/', '?']) {
        Some(i) => url.split_at(after_scheme + i),
        None => (url, "/"),
    }
}

/// How a key service's answers read for retrying: plain HTTP's 429, 5xx and
/// `Retry-After`, plus AWS's throttling, which comes as a 400.
struct ServiceReader {
    plain: PlainHttp,
}

impl Reader for ServiceReader {
    fn who(&self) -> Who {
        self.plain.who()
    }

    fn read(&self, resp: &Response) -> Reading {
        let mut reading = self.plain.read(resp);
        let aws_throttled = resp.status == 400
            && (resp
                .header("x-amzn-errortype")
                .is_some_and(|t| t.starts_with("Throttling"))
                || resp.body.contains("ThrottlingException")
                || resp.body.contains("<Code>Throttling</Code>"));
        if aws_throttled {
            reading.limit = Some(Limit::TooManyRequests);
        }
        reading
    }

    fn message(&self, resp: &Response) -> String {
        self.plain.message(resp)
    }
}

/// Names the service in a transport error's call, so its message says who was unreachable.
fn named(mut e: TransportError, service: Service) -> TransportError {
    e.call_mut().purpose = Some(Purpose::KeyService(service));
    e
}

impl Exchange for Services<'_> {
    type Error = Error;

    fn exchange(&self, req: &ServiceRequest) -> Result<ServiceResponse, Error> {
        let (origin, path) = split_url(&req.url);
        let endpoint = self.endpoint(req.service, origin)?;
        let method = req.method;
        let request = Request {
            method,
            path: path.to_string(),
            headers: req.headers.clone(),
            body: (method == Method::Post).then(|| req.body.clone()),
        };
        let reader = ServiceReader {
            plain: PlainHttp {
                host: origin.split_once("://").map_or(origin, |(_, h)| h).into(),
            },
        };
        let resp = endpoint
            .send(&request, &reader)
            .map_err(|e| named(e, req.service))?;
        Ok(ServiceResponse {
            status: resp.status,
            headers: resp.headers().to_vec(),
            body: resp.body.into_bytes(),
        })
    }
}

/// The app's key in a key service, opened (public key read and checked): signs
/// each JWT with one call, and checks each signature before it is used.
pub struct ServiceKey<'s, 't> {
    key: RemoteKey<Backend>,
    services: &'s Services<'t>,
}

impl ServiceKey<'_, '_> {
    /// The service and the key as `kms-key` names it.
    pub fn name(&self) -> (Service, String) {
        use kms::KeyService;
        (
            self.key.service().service(),
            self.key.service().key().into(),
        )
    }
}

impl Signer for ServiceKey<'_, '_> {
    type Error = Error;

    fn sign(&self, message: &[u8]) -> Result<Vec<u8>, Error> {
        self.key.sign(self.services, message)
    }

    fn public_key_der(&self) -> &[u8] {
        &self.key.checked().spki_der
    }
}

/// Resolves `settings` (credentials, the keyless exchange) and opens the key;
/// every secret met on the way is masked the moment it is read or received.
pub fn open<'s, 't>(
    settings: &Settings,
    services: &'s Services<'t>,
) -> Result<ServiceKey<'s, 't>, Error> {
    let backend = Backend::resolve(settings, &env, services, &report::add_mask)?;
    let key = RemoteKey::open(backend, services)?;
    Ok(ServiceKey { key, services })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn urls_split_into_origin_and_path() {
        assert_eq!(
            split_url("https://kms.us-east-1.amazonaws.com/"),
            ("https://kms.us-east-1.amazonaws.com", "/")
        );
        assert_eq!(
            split_url("http://127.0.0.1:8200/v1/transit/keys/k"),
            ("http://127.0.0.1:8200", "/v1/transit/keys/k")
        );
        assert_eq!(
            split_url("http://127.0.0.1:9/idtoken?api-version=2.0"),
            ("http://127.0.0.1:9", "/idtoken?api-version=2.0")
        );
        assert_eq!(split_url("https://v.example"), ("https://v.example", "/"));
    }

    #[test]
    fn aws_throttling_is_a_rate_limit() {
        let reader = ServiceReader {
            plain: PlainHttp { host: "kms".into() },
        };
        let throttled = Response::new(
            400,
            &[("X-Amzn-ErrorType", "ThrottlingException")],
            r#"{"__type":"ThrottlingException","message":"Rate exceeded"}"#,
        );
        assert_eq!(reader.read(&throttled).limit, Some(Limit::TooManyRequests));
        let refused = Response::new(400, &[], r#"{"__type":"NotFoundException"}"#);
        assert_eq!(reader.read(&refused).limit, None);
    }
}
