//! The transport used for a service other than GitHub (as a key service will be):
//! its own headers and raw body, the run's retry rules for 429 and 5xx, and none
//! of GitHub's readings or headers.

use app_token_action::transport::{Method, PlainHttp, Request, Response, Transport};
use app_token_action::url::ServiceUrl;
use testkit::mock::MSG_SECONDARY_RATE_LIMIT;
use testkit::{Fault, MockGithub, Scenario};

/// Sends a POST with its own header and `body` to `other`, through a run's transport.
fn send_to(other: &MockGithub, body: &[u8]) -> Response {
    let transport = Transport::new(None).unwrap();
    let url = ServiceUrl::parse(&other.url()).unwrap();
    let endpoint = transport.endpoint(&url, None).unwrap();
    let reader = PlainHttp {
        host: url.authority().to_string(),
    };
    let request = Request {
        method: Method::Post,
        path: "/sign".into(),
        headers: vec![("X-Amz-Target".into(), "TrentService.Sign".into())],
        body: Some(body.to_vec()),
    };
    endpoint.send(&request, &reader).unwrap()
}

#[test]
fn another_service_gets_its_own_headers_and_the_runs_retry_rules() {
    let other = MockGithub::builder(Scenario::standard())
        .fault(
            Fault::on("POST", "/sign")
                .status(429)
                .header("retry-after", "1")
                .times(1),
        )
        .fault(Fault::on("POST", "/sign").skip(1).status(200).body("{}"))
        .start();
    let started = std::time::Instant::now();
    let resp = send_to(&other, b"\x00raw");
    assert_eq!((resp.status, resp.attempts), (200, 2));
    assert!(started.elapsed() >= std::time::Duration::from_secs(1));
    let sent = other.requests();
    assert_eq!(sent.len(), 2);
    for r in &sent {
        assert_eq!(r.header("x-amz-target"), Some("TrentService.Sign"));
        assert_eq!(r.body, "\u{0}raw");
        for github in ["x-github-api-version", "authorization"] {
            assert_eq!(r.header(github), None, "{github} sent to another host");
        }
        assert_ne!(r.header("accept"), Some("application/vnd.github+json"));
    }
}

#[test]
fn githubs_secondary_limit_means_nothing_to_another_service() {
    let other = MockGithub::builder(Scenario::standard())
        .fault(
            Fault::on("POST", "/sign")
                .status(403)
                .message(MSG_SECONDARY_RATE_LIMIT),
        )
        .start();
    let resp = send_to(&other, b"{}");
    // Returned to the caller at once: no minute's wait, no retry.
    assert_eq!((resp.status, resp.attempts), (403, 1));
    assert_eq!(other.requests().len(), 1);
}

#[test]
fn a_request_without_a_body_sends_none() {
    let other = MockGithub::builder(Scenario::standard())
        .fault(Fault::on("GET", "/key").status(200).body("{}"))
        .start();
    let transport = Transport::new(None).unwrap();
    let url = ServiceUrl::parse(&other.url()).unwrap();
    let request = Request {
        method: Method::Get,
        path: "/key".into(),
        headers: Vec::new(),
        body: None,
    };
    let reader = PlainHttp {
        host: "other".into(),
    };
    let resp = transport
        .endpoint(&url, None)
        .unwrap()
        .send(&request, &reader)
        .unwrap();
    assert_eq!(resp.status, 200);
    let sent = &other.requests()[0];
    assert_eq!(sent.header("transfer-encoding"), None, "{sent:?}");
    assert!(
        matches!(sent.header("content-length"), None | Some("0")),
        "{sent:?}"
    );
}
