//! What each login and token reader makes of an answer with a field missing, `null`, of
//! another type, repeated, or inside something that is not an object: the refusal (or
//! the value) the readers gave when they walked `serde_json::Value`, pinned case by case.

use std::fmt::Debug;

use super::aws::Kms;
use super::azure::login::EntraLogin;
use super::gcp::sts::{GoogleSts, Impersonation, Provider};
use super::oidc::TokenRequest;
use super::sigv4::Credentials;
use super::vault::{JwtLogin, Transit};
use super::{KeyService, Secret, ServiceResponse};

/// Each `(status, body, what the reader's result starts with, as Debug)`.
fn check<T: Debug>(cases: &[(u16, &str, &str)], reader: impl Fn(&ServiceResponse) -> T) {
    for &(status, body, want) in cases {
        let resp = ServiceResponse {
            status,
            headers: vec![],
            body: body.as_bytes().to_vec(),
        };
        let got = format!("{:?}", reader(&resp));
        assert!(
            got.starts_with(want),
            "{status} {body}\n got {got}\nwant {want}"
        );
    }
}

/// The app's public key as a JSON string.
fn pem() -> String {
    format!("{:?}", crate::fixture("app.pub.pem"))
}

#[test]
fn runner_oidc_token() {
    let bad = r#"Err(BadResponse { service: ActionsOidc, what: "value" })"#;
    check(
        &[
            (200, r#"{"value":null}"#, bad),
            (200, r#"{"value":5}"#, bad),
            (200, r#"{"value":["a.b.c"]}"#, bad),
            (200, r#"["a.b.c"]"#, bad),
            (200, r#""a.b.c""#, bad),
            (200, r#"{"count":"x","value":"a.b.c"}"#, "Ok(Secret"),
            (200, r#"{"value":5,"value":"a.b.c"}"#, "Ok(Secret"),
            (
                200,
                "{",
                "Err(BadResponse { service: ActionsOidc, what: \"a JSON body\" })",
            ),
        ],
        TokenRequest::parse,
    );
}

#[test]
fn vault_login() {
    let l = JwtLogin {
        server: super::vault::tests::transit().server,
        mount: "jwt".into(),
        role: "r".into(),
    };
    let bad = r#"Err(BadResponse { service: Vault, what: "auth.client_token" })"#;
    check(
        &[
            (200, r#"{"auth":null}"#, bad),
            (200, r#"{"auth":["s.x"]}"#, bad),
            (200, r#"{"auth":{"client_token":5}}"#, bad),
            (200, r#"[{"client_token":"s.x"}]"#, bad),
            (
                200,
                r#"{"auth":{"client_token":"s.x","policies":7}}"#,
                "Ok(Secret",
            ),
            (
                400,
                r#"{"errors":[5,"bad role"]}"#,
                "Err(LoginRefused { service: Vault, role: \"r\", code: \"400\", message: \"bad role\" })",
            ),
            (
                400,
                r#"{"errors":"bad role"}"#,
                "Err(LoginRefused { service: Vault, role: \"r\", code: \"400\", message: \"\" })",
            ),
            (403, r#"{"errors":null}"#, "Err(MountNotFound"),
        ],
        |r| l.parse(r),
    );
}

#[test]
fn vault_transit_key() {
    let pem = pem();
    let key = |data: &str| format!(r#"{{"data":{data}}}"#);
    let rsa = |extra: &str, keys: &str| {
        key(&format!(
            r#"{{"type":"rsa-2048",{extra}"latest_version":1,"keys":{keys}}}"#
        ))
    };
    let one = format!(r#"{{"1":{{"public_key":{pem}}}}}"#);
    let bad =
        r#"Err(BadResponse { service: Vault, what: "data.latest_version and its public_key" })"#;
    let usage = |u: &str| {
        format!(r#"Err(NotForSigning {{ service: Vault, key: "gh-app", usage: "{u}" }})"#)
    };
    let cases = [
        (key(r#"{"type":5}"#), usage("")),
        (key(r#"["rsa-2048"]"#), usage("")),
        (rsa(r#""supports_signing":false,"#, &one), usage("rsa-2048")),
        (rsa(r#""supports_signing":"false","#, &one), "Ok(".into()),
        (rsa(r#""supports_signing":null,"#, &one), "Ok(".into()),
        (
            rsa("", &format!(r#"{{"0":[],"1":{{"public_key":{pem}}}}}"#)),
            "Ok(".into(),
        ),
        (rsa("", &format!(r#"{{"1":[{pem}]}}"#)), bad.into()),
        (rsa("", &format!(r#"[{{"public_key":{pem}}}]"#)), bad.into()),
        (rsa("", r#"{"1":{"public_key":5}}"#), bad.into()),
        (
            key(&format!(
                r#"{{"type":"rsa-2048","latest_version":"1","keys":{one}}}"#
            )),
            bad.into(),
        ),
        (
            key(&format!(
                r#"{{"type":"rsa-2048","latest_version":1.0,"keys":{one}}}"#
            )),
            bad.into(),
        ),
    ];
    let cases: Vec<(u16, &str, &str)> = cases
        .iter()
        .map(|(b, w)| (200, b.as_str(), w.as_str()))
        .collect();
    let t: Transit = super::vault::tests::transit();
    check(&cases, |r| t.parse_public_key(r).map(|_| ()));
}

#[test]
fn vault_transit_sign() {
    let bad =
        r#"Err(BadResponse { service: Vault, what: "data.signature as vault:v<N>:<base64>" })"#;
    check(
        &[
            (200, r#"{"data":{"signature":5}}"#, bad),
            (200, r#"{"data":"vault:v1:AAEC"}"#, bad),
            (200, r#"{"data":{"signature":null}}"#, bad),
            (
                200,
                r#"{"data":{"signature":"vault:v1:AAEC","key_version":"x"}}"#,
                "Ok([0, 1, 2])",
            ),
            (
                403,
                r#"{"errors":[{"x":1},"permission denied"]}"#,
                "Err(AccessDenied",
            ),
            (
                500,
                r#"{"errors":{"0":"boom"}}"#,
                "Err(Refused { service: Vault, status: 500, code: \"\", message: \"\" })",
            ),
        ],
        |r| super::vault::tests::transit().parse_sign(r),
    );
}

#[test]
fn google_sts() {
    let sts = GoogleSts {
        base_url: "https://sts.googleapis.com".into(),
        provider: Provider::parse(
            "projects/123/locations/global/workloadIdentityPools/pool/providers/prov",
        )
        .unwrap(),
        oidc_audience: "aud".into(),
    };
    let bad = r#"Err(BadResponse { service: GoogleSts, what: "access_token" })"#;
    check(
        &[
            (200, r#"{"access_token":5}"#, bad),
            (200, r#"{"access_token":null}"#, bad),
            (200, r#"{"access_token":"","token_type":7}"#, bad),
            (
                400,
                r#"{"error":5,"error_description":"d"}"#,
                "Err(LoginRefused { service: GoogleSts, role: \"projects/123/locations/global/workloadIdentityPools/pool/providers/prov\", code: \"400\", message: \"d\" })",
            ),
            (
                400,
                r#"{"error":"invalid_target","error_description":["x"]}"#,
                "Err(ProviderNotFound { provider: \"projects/123/locations/global/workloadIdentityPools/pool/providers/prov\", message: \"\" })",
            ),
            (
                400,
                "<html>",
                "Err(LoginRefused { service: GoogleSts, role: \"projects/123/locations/global/workloadIdentityPools/pool/providers/prov\", code: \"400\", message: \"\" })",
            ),
        ],
        |r| sts.parse(r),
    );
}

#[test]
fn google_iam_credentials() {
    let imp = Impersonation {
        base_url: "https://iamcredentials.googleapis.com".into(),
        account: "sa@p.iam.gserviceaccount.com".into(),
    };
    check(
        &[
            (
                200,
                r#"{"accessToken":{}}"#,
                r#"Err(BadResponse { service: GoogleIamCredentials, what: "accessToken" })"#,
            ),
            (
                200,
                r#"{"accessToken":"ya29.x","expireTime":5}"#,
                "Ok(Secret",
            ),
            (
                500,
                r#"{"error":{"status":5,"message":"m"}}"#,
                r#"Err(Refused { service: GoogleIamCredentials, status: 500, code: "", message: "m" })"#,
            ),
            (
                500,
                r#"{"error":"PERMISSION_DENIED"}"#,
                r#"Err(Refused { service: GoogleIamCredentials, status: 500, code: "", message: "" })"#,
            ),
            (
                500,
                r#"{"error":{"status":"PERMISSION_DENIED","message":7}}"#,
                r#"Err(ServiceAccountDenied { account: "sa@p.iam.gserviceaccount.com", message: "" })"#,
            ),
        ],
        |r| imp.parse(r),
    );
}

#[test]
fn entra_token() {
    let login = EntraLogin {
        authority: "https://login.microsoftonline.com".into(),
        tenant: "contoso.com".into(),
        client_id: "af3110ba-0ba9-4412-b1a0-59f50b7e9273".into(),
        scope: "https://vault.azure.net/.default".into(),
        audience: "api://AzureADTokenExchange".into(),
    };
    let refused = r#"Err(Refused { service: EntraId, status: 400, code: "400", message: "" })"#;
    check(
        &[
            (
                200,
                r#"{"access_token":5}"#,
                r#"Err(BadResponse { service: EntraId, what: "access_token" })"#,
            ),
            (
                200,
                r#"{"access_token":"eyJ.x.y","expires_in":"3599"}"#,
                "Ok(Secret",
            ),
            (400, r#"{"error_codes":["x",700016]}"#, refused),
            (400, r#"{"error_codes":[90002.0]}"#, refused),
            (400, r#"{"error_codes":{"0":700016}}"#, refused),
            (400, r#"{"error_codes":[700016,"x"]}"#, "Err(ClientNotFound"),
            (
                400,
                r#"{"error":"x","error_codes":-1,"error_description":"AADSTS700016: no app"}"#,
                "Err(ClientNotFound",
            ),
            (
                400,
                r#"{"error":5,"error_codes":[1]}"#,
                r#"Err(Refused { service: EntraId, status: 400, code: "AADSTS1", message: "" })"#,
            ),
        ],
        |r| login.parse(r),
    );
}

#[test]
fn aws_json_errors() {
    let env = |k: &str| (k == "AWS_REGION").then(|| "us-east-1".to_string());
    let creds = Credentials {
        access_key_id: "AKID".into(),
        secret_access_key: Secret::new("S"),
        session_token: None,
    };
    let kms = Kms::new(None, "k", creds, &env).unwrap();
    check(
        &[
            (
                400,
                r#"{"__type":5,"code":"AccessDeniedException","message":["x"],"Message":"m"}"#,
                "Err(AccessDenied { service: AwsKms, key: \"k\", grant: \"kms:GetPublicKey\", message: \"m\" })",
            ),
            (
                400,
                r#"{"__type":"com.amazonaws.kms#NotFoundException","code":"AccessDeniedException"}"#,
                "Err(KeyNotFound",
            ),
            // JSON that is not an object is still JSON: its text is not read as XML.
            (
                400,
                r#""<Code>AccessDenied</Code>""#,
                "Err(Refused { service: AwsKms, status: 400, code: \"\", message: \"\" })",
            ),
            (
                400,
                "<Error><Code>AccessDenied</Code><Message>no</Message></Error>",
                "Err(AccessDenied",
            ),
        ],
        |r| kms.parse_public_key(r).map(|_| ()),
    );
}
