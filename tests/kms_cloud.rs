//! Google Cloud KMS and Azure Key Vault (no emulator runs here) against the project's
//! mocks of their REST APIs: the library's requests, checks and typed errors, and a
//! signature the mock GitHub API accepts.

use app_token_action::kms::azure::{self, KeyVault};
use app_token_action::kms::gcp::{self, CloudKms};
use app_token_action::kms::spki;
use app_token_action::kms::uri::KeyRef;
use app_token_action::kms::{KmsError, RemoteKey, Secret, Service};
use testkit::kms::{CloudMock, Wire, github_status, jwt, signing_input};
use testkit::{APP_KEY_PEM, APP_PUBLIC_KEY_PEM, CLIENT_ID, MockGithub, Scenario};

const VERSION: &str =
    "projects/acme-ci/locations/global/keyRings/github/cryptoKeys/app/cryptoKeyVersions/1";
const GOOGLE_TOKEN: &str = "ya29.test-access-token";
const AZURE_TOKEN: &str = "eyJ0eXAiOiJKV1QiLCJhbGciOiJSUzI1NiJ9.azure-test-token.sig";

fn app_fingerprint() -> String {
    spki::fingerprint(&spki::pem_der(APP_PUBLIC_KEY_PEM).unwrap())
}

fn google(mock: &CloudMock, token: &str) -> CloudKms {
    let KeyRef::Google { version_name } = KeyRef::parse(&format!("gcpkms://{VERSION}")).unwrap()
    else {
        panic!()
    };
    CloudKms {
        base_url: mock.url.clone(),
        version_name,
        token: Secret::new(token),
    }
}

fn azure_key(mock: &CloudMock, version: Option<&str>, token: &str) -> KeyVault {
    let mut kv = KeyVault::new(
        "acme.vault.azure.net",
        "github-app",
        version,
        Secret::new(token),
    );
    kv.base_url = mock.url.clone();
    kv
}

/// The error, checked to hold no token.
fn failed<T: std::fmt::Debug>(result: Result<T, testkit::kms::Failure>) -> KmsError {
    testkit::kms::failed(result, &[GOOGLE_TOKEN, AZURE_TOKEN])
}

#[test]
fn google_signs_a_jwt_github_accepts() {
    let mock = CloudMock::google(VERSION, GOOGLE_TOKEN, APP_KEY_PEM);
    let github = MockGithub::start(Scenario::standard());
    let wire = Wire::new();
    let key = RemoteKey::open(google(&mock, GOOGLE_TOKEN), &wire).unwrap();
    assert_eq!(key.checked().fingerprint, app_fingerprint());
    assert_eq!(key.checked().bits, 2048);

    let input = signing_input(CLIENT_ID, github.now());
    let sig = key.sign(&wire, input.as_bytes()).unwrap();
    assert_eq!(wire.sent(), 2, "one public-key read, one signature");
    assert_eq!(github_status(&github.url(), &jwt(&input, &sig)), 200);

    let seen = mock.seen();
    assert_eq!(seen[1].target, format!("/v1/{VERSION}:asymmetricSign"));
    let digest = ring::digest::digest(&ring::digest::SHA256, input.as_bytes());
    assert_eq!(
        seen[1].body,
        serde_json::json!({
            "digest": {"sha256": base64::Engine::encode(&base64::engine::general_purpose::STANDARD, digest)},
            "digestCrc32c": app_token_action::kms::crc32c::crc32c(digest.as_ref()).to_string(),
        })
    );
}

#[test]
fn google_failures_are_typed() {
    let mock = CloudMock::google(VERSION, GOOGLE_TOKEN, APP_KEY_PEM);
    let wire = Wire::new();
    assert_eq!(
        failed(RemoteKey::open(google(&mock, "ya29.wrong"), &wire)),
        KmsError::InvalidCredentials {
            service: Service::GoogleKms,
            code: "UNAUTHENTICATED".into()
        }
    );

    // Another version: Google does not say it is missing, only that it is refused.
    let mut other = google(&mock, GOOGLE_TOKEN);
    other.version_name = VERSION.replace("/1", "/2");
    assert!(matches!(
        failed(RemoteKey::open(other, &wire)),
        KmsError::AccessDenied { grant, .. } if grant == gcp::VIEW_PERMISSION
    ));

    for (algorithm, want) in [
        ("RSA_SIGN_PSS_2048_SHA256", "WrongAlgorithm"),
        ("RSA_SIGN_PKCS1_4096_SHA512", "WrongAlgorithm"),
        ("EC_SIGN_P256_SHA256", "NotRsa"),
        ("RSA_DECRYPT_OAEP_2048_SHA256", "NotForSigning"),
    ] {
        mock.set(|s| s.algorithm = algorithm.into());
        let e = failed(RemoteKey::open(google(&mock, GOOGLE_TOKEN), &wire));
        assert!(format!("{e:?}").starts_with(want), "{algorithm}: {e:?}");
    }
    mock.set(|s| s.algorithm = "RSA_SIGN_PKCS1_2048_SHA256".into());

    let key = RemoteKey::open(google(&mock, GOOGLE_TOKEN), &wire).unwrap();
    mock.set(|s| s.denied = vec!["sign"]);
    assert!(matches!(
        failed(key.sign(&wire, b"a.b")),
        KmsError::AccessDenied { grant, .. } if grant == gcp::SIGN_PERMISSION
    ));
    mock.set(|s| {
        s.denied.clear();
        s.corrupt_crc = true;
    });
    assert_eq!(
        failed(key.sign(&wire, b"a.b")),
        KmsError::Integrity {
            service: Service::GoogleKms,
            check: "signatureCrc32c"
        }
    );
}

#[test]
fn a_signature_by_another_key_is_caught_before_github() {
    let google_mock = CloudMock::google(VERSION, GOOGLE_TOKEN, APP_KEY_PEM);
    let azure_mock = CloudMock::azure("github-app", "1", AZURE_TOKEN, APP_KEY_PEM);
    let wire = Wire::new();
    let g = RemoteKey::open(google(&google_mock, GOOGLE_TOKEN), &wire).unwrap();
    let a = RemoteKey::open(azure_key(&azure_mock, None, AZURE_TOKEN), &wire).unwrap();
    google_mock.set(|s| s.sign_with_other_key = true);
    azure_mock.set(|s| s.sign_with_other_key = true);
    assert_eq!(
        failed(g.sign(&wire, b"a.b")),
        KmsError::BadSignature {
            service: Service::GoogleKms,
            key: VERSION.into()
        }
    );
    assert_eq!(
        failed(a.sign(&wire, b"a.b")),
        KmsError::BadSignature {
            service: Service::AzureKeyVault,
            key: "github-app".into()
        }
    );
}

#[test]
fn azure_signs_a_jwt_github_accepts_with_the_version_it_read() {
    let mock = CloudMock::azure("github-app", "4f2b9c0e1d", AZURE_TOKEN, APP_KEY_PEM);
    let github = MockGithub::start(Scenario::standard());
    let wire = Wire::new();
    let KeyRef::Azure {
        vault_host,
        name,
        version,
    } = KeyRef::parse("azurekms://acme.vault.azure.net/github-app").unwrap()
    else {
        panic!()
    };
    let mut kv = KeyVault::new(
        &vault_host,
        &name,
        version.as_deref(),
        Secret::new(AZURE_TOKEN),
    );
    assert_eq!(kv.base_url, "https://acme.vault.azure.net");
    kv.base_url = mock.url.clone();
    let key = RemoteKey::open(kv, &wire).unwrap();
    assert_eq!(key.checked().fingerprint, app_fingerprint());
    let input = signing_input(CLIENT_ID, github.now());
    let sig = key.sign(&wire, input.as_bytes()).unwrap();
    assert_eq!(github_status(&github.url(), &jwt(&input, &sig)), 200);
    let seen = mock.seen();
    assert_eq!(seen[0].target, "/keys/github-app?api-version=7.4");
    assert_eq!(
        seen[1].target,
        "/keys/github-app/4f2b9c0e1d/sign?api-version=7.4"
    );
    assert_eq!(seen[1].body["alg"], "RS256");

    // A pinned version is asked for by name.
    let key = RemoteKey::open(azure_key(&mock, Some("4f2b9c0e1d"), AZURE_TOKEN), &wire).unwrap();
    assert!(key.sign(&wire, b"a.b").is_ok());
}

#[test]
fn azure_failures_are_typed() {
    let mock = CloudMock::azure("github-app", "4f2b9c0e1d", AZURE_TOKEN, APP_KEY_PEM);
    let wire = Wire::new();
    let open = |kv| RemoteKey::open(kv, &wire);
    assert!(matches!(
        failed(open(azure_key(&mock, None, "wrong"))),
        KmsError::InvalidCredentials { .. }
    ));
    mock.set(|s| s.token_expired = true);
    assert!(matches!(
        failed(open(azure_key(&mock, None, AZURE_TOKEN))),
        KmsError::ExpiredCredentials { .. }
    ));
    mock.set(|s| s.token_expired = false);
    assert_eq!(
        failed(open(azure_key(&mock, Some("0000"), AZURE_TOKEN))),
        KmsError::KeyNotFound {
            service: Service::AzureKeyVault,
            key: "github-app".into()
        }
    );
    mock.set(|s| s.denied = vec!["read"]);
    assert!(matches!(
        failed(open(azure_key(&mock, None, AZURE_TOKEN))),
        KmsError::AccessDenied { grant, .. } if grant == azure::READ_PERMISSION
    ));
    mock.set(|s| s.denied = vec!["sign"]);
    let key = open(azure_key(&mock, None, AZURE_TOKEN)).unwrap();
    assert!(matches!(
        failed(key.sign(&wire, b"a.b")),
        KmsError::AccessDenied { grant, .. } if grant == azure::SIGN_PERMISSION
    ));
    mock.set(|s| s.denied.clear());
    for (kty, ops, enabled, want) in [
        ("EC", vec!["sign"], true, "NotRsa"),
        ("oct-HSM", vec!["encrypt"], true, "NotForSigning"),
        ("RSA", vec!["encrypt", "decrypt"], true, "NotForSigning"),
        ("RSA", vec!["sign"], false, "KeyUnusable"),
    ] {
        mock.set(|s| {
            s.kty = kty.into();
            s.key_ops = ops.iter().map(|o| o.to_string()).collect();
            s.enabled = enabled;
        });
        let e = failed(open(azure_key(&mock, None, AZURE_TOKEN)));
        assert!(format!("{e:?}").starts_with(want), "{kty} {ops:?}: {e:?}");
    }
}
