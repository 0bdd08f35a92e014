//! Set-up calls to moto's server as an administrator would make them (keys, aliases,
//! IAM users and roles), SigV4-signed like the library's own calls.

use std::collections::HashMap;

use app_token_action::kms::sigv4::{self, Credentials};
use app_token_action::kms::{Exchange, Method, Secret, Service, ServiceRequest, ServiceResponse};
use serde_json::{Value, json};

use super::{Moto, Wire};

/// The region the tests use.
pub const REGION: &str = "us-east-1";
/// moto's default account id.
pub const ACCOUNT: &str = "123456789012";

/// The credentials moto's default account accepts for setting things up.
pub fn admin() -> Credentials {
    Credentials {
        access_key_id: "AKIAIOSFODNN7EXAMPLE".into(),
        secret_access_key: Secret::new("moto-admin-secret"),
        session_token: None,
    }
}

/// The variables a workflow step would have, pointing KMS and STS at moto.
pub fn env(moto: &Moto) -> impl Fn(&str) -> Option<String> + use<> {
    let map: HashMap<&str, String> = [
        ("AWS_ENDPOINT_URL", moto.url.clone()),
        ("AWS_REGION", REGION.into()),
    ]
    .into();
    move |k| map.get(k).cloned()
}

/// A signed call for set-up (CreateKey, IAM): not what the library sends, but signed the same way.
pub fn signed(
    moto: &Moto,
    service: &str,
    headers: &[(&str, &str)],
    body: String,
    creds: &Credentials,
) -> ServiceResponse {
    let mut req = ServiceRequest {
        service: Service::AwsKms,
        method: Method::Post,
        url: format!("{}/", moto.url),
        headers: headers
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect(),
        body: body.into_bytes(),
    };
    sigv4::sign(
        &mut req,
        creds,
        REGION,
        service,
        &sigv4::amz_date(app_token_action::time::now()),
    );
    Wire::new().exchange(&req).expect("moto answers")
}

/// A KMS call `op` (JSON protocol) as the admin; the answer's JSON.
pub fn kms_admin(moto: &Moto, op: &str, body: Value) -> Value {
    let target = format!("TrentService.{op}");
    let resp = signed(
        moto,
        "kms",
        &[
            ("Content-Type", "application/x-amz-json-1.1"),
            ("X-Amz-Target", &target),
        ],
        body.to_string(),
        &admin(),
    );
    assert_eq!(
        resp.status,
        200,
        "{op}: {}",
        String::from_utf8_lossy(&resp.body)
    );
    serde_json::from_slice(&resp.body).unwrap()
}

/// A key of `spec`/`usage`; its id.
pub fn create_key(moto: &Moto, spec: &str, usage: &str) -> String {
    let v = kms_admin(
        moto,
        "CreateKey",
        json!({"KeySpec": spec, "KeyUsage": usage}),
    );
    v["KeyMetadata"]["KeyId"].as_str().unwrap().to_string()
}

/// An IAM call (query protocol) as the admin; the answer's XML.
pub fn iam(moto: &Moto, params: &[(&str, &str)]) -> String {
    let body = params
        .iter()
        .map(|(k, v)| format!("{k}={}", urlencode(v)))
        .chain(["Version=2010-05-08".to_string()])
        .collect::<Vec<_>>()
        .join("&");
    let resp = signed(
        moto,
        "iam",
        &[("Content-Type", "application/x-www-form-urlencoded")],
        body,
        &admin(),
    );
    let text = String::from_utf8_lossy(&resp.body).to_string();
    assert_eq!(resp.status, 200, "{params:?}: {text}");
    text
}

/// Percent-encodes all but RFC 3986's unreserved characters.
pub fn urlencode(s: &str) -> String {
    s.bytes()
        .map(|b| {
            if b.is_ascii_alphanumeric() || b"-_.~".contains(&b) {
                char::from(b).to_string()
            } else {
                format!("%{b:02X}")
            }
        })
        .collect()
}

/// The text of the first `<tag>` element in `text`.
pub fn xml(text: &str, tag: &str) -> String {
    let start = text.find(&format!("<{tag}>")).unwrap() + tag.len() + 2;
    let end = start + text[start..].find(&format!("</{tag}>")).unwrap();
    text[start..end].to_string()
}

/// An IAM policy document allowing `actions` on every resource.
pub fn policy(actions: &[&str]) -> String {
    json!({"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": actions, "Resource": "*"}]}).to_string()
}

/// An IAM user allowed `actions`; its access key.
pub fn user(moto: &Moto, name: &str, actions: &[&str]) -> Credentials {
    iam(moto, &[("Action", "CreateUser"), ("UserName", name)]);
    iam(
        moto,
        &[
            ("Action", "PutUserPolicy"),
            ("UserName", name),
            ("PolicyName", "sign"),
            ("PolicyDocument", &policy(actions)),
        ],
    );
    let key = iam(moto, &[("Action", "CreateAccessKey"), ("UserName", name)]);
    Credentials {
        access_key_id: xml(&key, "AccessKeyId"),
        secret_access_key: Secret::new(xml(&key, "SecretAccessKey")),
        session_token: None,
    }
}

/// A role that the runner's OIDC token may assume (`AssumeRoleWithWebIdentity`), allowed
/// `actions`; its ARN.
pub fn web_identity_role(moto: &Moto, name: &str, actions: &[&str]) -> String {
    let trust = json!({"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Principal": {"Federated": format!("arn:aws:iam::{ACCOUNT}:oidc-provider/token.actions.githubusercontent.com")}, "Action": "sts:AssumeRoleWithWebIdentity"}]});
    iam(
        moto,
        &[
            ("Action", "CreateRole"),
            ("RoleName", name),
            ("AssumeRolePolicyDocument", &trust.to_string()),
        ],
    );
    iam(
        moto,
        &[
            ("Action", "PutRolePolicy"),
            ("RoleName", name),
            ("PolicyName", "sign"),
            ("PolicyDocument", &policy(actions)),
        ],
    );
    format!("arn:aws:iam::{ACCOUNT}:role/{name}")
}

/// The key's public half as SPKI PEM (what the mock GitHub API registers for the app).
pub fn public_pem(moto: &Moto, key_id: &str) -> String {
    use base64::Engine;
    let v = kms_admin(moto, "GetPublicKey", json!({"KeyId": key_id}));
    let der = base64::engine::general_purpose::STANDARD
        .decode(v["PublicKey"].as_str().unwrap())
        .unwrap();
    super::public_pem(&der)
}
