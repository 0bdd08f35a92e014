//! Vault's API against a real OpenBao dev server (pinned by scripts/services), started on
//! loopback: transit keys created and imported (the app's own key, wrapped by the `bao`
//! CLI), signatures checked by the mock GitHub API, JWT auth with a test OIDC token that
//! OpenBao verifies, namespaces, and each failure's typed error.

use app_token_action::kms::backend::{Backend, Settings};
use app_token_action::kms::oidc::TokenRequest;
use app_token_action::kms::spki;
use app_token_action::kms::vault::{JwtLogin, Server, Transit};
use app_token_action::kms::{KmsError, Method, RemoteKey, Secret, Service};
use base64::Engine;
use serde_json::{Value, json};
use testkit::kms::{Bao, OidcStandIn, Wire, failed, github_status, jwt, signing_input};
use testkit::{
    APP_PUBLIC_KEY_PEM, CLIENT_ID, MockGithub, OTHER_KEY_PEM, OTHER_PUBLIC_KEY_PEM, Scenario,
};

fn server(bao: &Bao, namespace: Option<&str>) -> Server {
    Server {
        addr: bao.addr.clone(),
        namespace: namespace.map(str::to_string),
    }
}

fn transit(bao: &Bao, token: &str, name: &str) -> Transit {
    Transit::new(server(bao, None), Secret::new(token), "transit", name)
}

#[test]
fn transit_key_signs_a_jwt_the_mock_github_accepts() {
    let Some(bao) = Bao::start() else { return };
    bao.mount_transit("");
    bao.create_key("gh-app", "rsa-2048");
    let wire = Wire::new();
    let key = RemoteKey::open(transit(&bao, &bao.root_token, "gh-app"), &wire).unwrap();
    assert_eq!(key.checked().bits, 2048);
    assert_eq!(
        testkit::kms::github_status_for_service_key(&key, &wire),
        200
    );
    assert_eq!(wire.sent(), 2);
}

#[test]
fn imported_app_key_gives_the_apps_fingerprint_and_signature() {
    let Some(bao) = Bao::start() else { return };
    bao.mount_transit("");
    // BYOK as the docs tell users: base64 of the PKCS#8 DER, wrapped by `bao transit import`.
    let pkcs8 = pem::parse(testkit::fixture("app-pkcs8.pem")).unwrap();
    let dir = std::env::temp_dir().join(format!("kms-vault-import-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let file = dir.join("app.p8.der.b64");
    std::fs::write(
        &file,
        base64::engine::general_purpose::STANDARD.encode(pkcs8.contents()),
    )
    .unwrap();
    let out = std::process::Command::new(testkit::kms::services::bin_dir().join("bao"))
        .args([
            "transit",
            "import",
            "transit/keys/gh-app-imported",
            &format!("@{}", file.display()),
            "type=rsa-2048",
        ])
        .env("BAO_ADDR", &bao.addr)
        .env("BAO_TOKEN", &bao.root_token)
        .env_remove("VAULT_ADDR")
        .env_remove("VAULT_TOKEN")
        .output()
        .unwrap();
    std::fs::remove_dir_all(&dir).unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );

    let wire = Wire::new();
    let key = RemoteKey::open(transit(&bao, &bao.root_token, "gh-app-imported"), &wire).unwrap();
    let app_fp = spki::fingerprint(&spki::pem_der(APP_PUBLIC_KEY_PEM).unwrap());
    assert_eq!(key.checked().fingerprint, app_fp);
    // The app as the mock GitHub API knows it (its fixture public key) accepts the JWT.
    let github = MockGithub::start(Scenario::standard());
    let input = signing_input(CLIENT_ID, github.now());
    let sig = key.sign(&wire, input.as_bytes()).unwrap();
    assert_eq!(github_status(&github.url(), &jwt(&input, &sig)), 200);
}

#[test]
fn transit_failures_are_typed() {
    let Some(bao) = Bao::start() else { return };
    bao.mount_transit("");
    bao.create_key("aes", "aes256-gcm96");
    bao.create_key("ec", "ecdsa-p256");
    bao.create_key("gh-app", "rsa-2048");
    let wire = Wire::new();
    let root = bao.root_token.as_str();
    let open = |t: Transit| RemoteKey::open(t, &wire);
    assert_eq!(
        failed(open(transit(&bao, root, "nope")), &[root]),
        KmsError::KeyNotFound {
            service: Service::Vault,
            key: "nope".into()
        }
    );
    assert!(matches!(
        failed(open(transit(&bao, root, "aes")), &[root]),
        KmsError::NotForSigning { .. }
    ));
    assert!(
        matches!(failed(open(transit(&bao, root, "ec")), &[root]), KmsError::NotRsa { kind, .. } if kind == "ecdsa-p256")
    );
    // Vault answers a bad token as it answers a missing policy: 403 "permission denied".
    assert!(matches!(
        failed(open(transit(&bao, "not-a-token", "gh-app")), &["not-a-token"]),
        KmsError::AccessDenied { message, .. } if message == "permission denied"
    ));
    assert_eq!(
        failed(
            open(Transit::new(
                server(&bao, None),
                Secret::new(root),
                "transit2",
                "gh-app"
            )),
            &[root]
        ),
        KmsError::MountNotFound {
            mount: "transit2".into()
        }
    );
    assert_eq!(
        failed(
            open(Transit::new(
                server(&bao, Some("nowhere")),
                Secret::new(root),
                "transit",
                "gh-app"
            )),
            &[root]
        ),
        KmsError::NamespaceNotFound {
            namespace: "nowhere".into()
        }
    );

    // A token whose policy may read the key but not sign with it.
    let t = transit(&bao, root, "gh-app");
    bao.root(
        Method::Post,
        "sys/policies/acl/read-only",
        json!({"policy": format!("path \"transit/keys/gh-app\" {{ capabilities = [\"read\"] }}")}),
    );
    let limited = bao.root(
        Method::Post,
        "auth/token/create",
        json!({"policies": ["read-only"], "ttl": "5m"}),
    );
    let limited = limited["auth"]["client_token"]
        .as_str()
        .unwrap()
        .to_string();
    let key = open(transit(&bao, &limited, "gh-app")).unwrap();
    match failed(key.sign(&wire, b"a.b"), &[&limited]) {
        KmsError::AccessDenied { grant, .. } => assert!(t.policy().contains(&grant), "{grant}"),
        other => panic!("{other:?}"),
    }
}

#[test]
fn namespace_header_reaches_the_namespaces_key() {
    let Some(bao) = Bao::start() else { return };
    bao.root(Method::Post, "sys/namespaces/team-a", Value::Null);
    bao.mount_transit("team-a/");
    bao.root(
        Method::Post,
        "team-a/transit/keys/gh-app",
        json!({"type": "rsa-2048"}),
    );
    let wire = Wire::new();
    let root = Secret::new(bao.root_token.clone());
    let in_ns = Transit::new(
        server(&bao, Some("team-a")),
        root.clone(),
        "transit",
        "gh-app",
    );
    let key = RemoteKey::open(in_ns, &wire).unwrap();
    assert!(key.sign(&wire, b"a.b").is_ok());
    // Without the namespace the key is not there.
    bao.mount_transit("");
    assert!(matches!(
        failed(
            RemoteKey::open(transit(&bao, root.expose(), "gh-app"), &wire),
            &[]
        ),
        KmsError::KeyNotFound { .. }
    ));
}

#[test]
fn oidc_token_through_jwt_login_to_a_signature() {
    let Some(bao) = Bao::start() else { return };
    bao.mount_transit("");
    bao.create_key("gh-app", "rsa-2048");
    let t = transit(&bao, &bao.root_token, "gh-app");
    bao.trust_oidc(OTHER_PUBLIC_KEY_PEM, "widgets-main", &t.policy());

    let runner = OidcStandIn::start(OTHER_KEY_PEM);
    let wire = Wire::new();

    // From the settings, as the action will: keyless, the token masked on receipt.
    let runner_env = runner.env();
    let addr = bao.addr.clone();
    let step_env = |k: &str| {
        if k == "VAULT_ADDR" {
            Some(addr.clone())
        } else {
            runner_env(k)
        }
    };
    let settings = Settings {
        kms_key: "hashivault://gh-app".into(),
        vault_role: Some("widgets-main".into()),
        ..Settings::default()
    };
    let masked = std::cell::RefCell::new(Vec::<String>::new());
    let backend = Backend::resolve(&settings, &step_env, &wire, &|s| {
        masked.borrow_mut().push(s.into())
    })
    .unwrap();
    let Backend::Vault(resolved) = &backend else {
        panic!("{backend:?}")
    };
    assert_eq!(
        masked.borrow().len(),
        3,
        "request token, OIDC token, Vault token"
    );
    assert_eq!(masked.borrow()[2], resolved.token.expose());
    assert!(
        RemoteKey::open(backend, &wire)
            .unwrap()
            .sign(&wire, b"a.b")
            .is_ok()
    );

    let oidc = TokenRequest::from_env(&runner.env()).unwrap();
    let token = oidc.fetch(&wire, None).unwrap();
    let login = |role: &str| JwtLogin {
        server: server(&bao, None),
        mount: "jwt".into(),
        role: role.into(),
    };
    let vault_token = login("widgets-main").login(&wire, &token).unwrap();
    let key = RemoteKey::open(
        Transit::new(server(&bao, None), vault_token.clone(), "transit", "gh-app"),
        &wire,
    )
    .unwrap();
    assert!(key.sign(&wire, b"a.b").is_ok());

    // Refusals name the role and carry OpenBao's reason, never a token.
    let secrets = [token.expose(), vault_token.expose()];
    match failed(login("nope").login(&wire, &token), &secrets) {
        KmsError::LoginRefused { role, message, .. } => {
            assert_eq!(role, "nope");
            assert!(message.contains("could not be found"), "{message}");
        }
        other => panic!("{other:?}"),
    }
    let wrong_aud = oidc.fetch(&wire, Some("sts.amazonaws.com")).unwrap();
    assert!(matches!(
        failed(login("widgets-main").login(&wire, &wrong_aud), &secrets),
        KmsError::LoginRefused { message, .. } if message.contains("audience")
    ));
    assert_eq!(
        runner.audiences(),
        vec![None, None, Some("sts.amazonaws.com".into())]
    );
    let mut elsewhere = login("widgets-main");
    elsewhere.mount = "oidc".into();
    assert_eq!(
        failed(elsewhere.login(&wire, &token), &secrets),
        KmsError::MountNotFound {
            mount: "auth/oidc".into()
        }
    );
    // A token from another issuer key is refused by OpenBao's own signature check.
    let forged = Secret::new(testkit::jwt::sign_rs256(
        testkit::APP_KEY_PEM,
        &testkit::kms::oidc::claims("https://github.com/acme"),
    ));
    assert!(matches!(
        failed(login("widgets-main").login(&wire, &forged), &secrets),
        KmsError::LoginRefused { message, .. } if message.contains("signature")
    ));
}
