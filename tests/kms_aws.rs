//! AWS KMS and STS against moto's server (pinned by scripts/services), started on
//! loopback: keys created in moto, public keys read and signatures made through the
//! library's SigV4-signed requests, with moto's signature and policy checks switched on
//! where the test says so.

use app_token_action::kms::aws::{Kms, Sts};
use app_token_action::kms::backend::{Backend, Settings};
use app_token_action::kms::oidc::{self, TokenRequest};
use app_token_action::kms::sigv4::Credentials;
use app_token_action::kms::{KmsError, RemoteKey, Secret, Service};
use serde_json::json;
use testkit::kms::moto::{
    ACCOUNT, REGION, admin, create_key, env, kms_admin, user, web_identity_role,
};
use testkit::kms::{Moto, OidcStandIn, Wire, failed, github_status, jwt, signing_input};
use testkit::{CLIENT_ID, MockGithub, Scenario};

fn kms(moto: &Moto, key_id: &str, creds: Credentials) -> Kms {
    Kms::new(None, key_id, creds, &env(moto)).unwrap()
}

#[test]
fn moto_key_signs_a_jwt_the_mock_github_accepts() {
    let Some(moto) = Moto::start() else { return };
    let key_id = create_key(&moto, "RSA_2048", "SIGN_VERIFY");
    kms_admin(
        &moto,
        "CreateAlias",
        json!({"AliasName": "alias/github-app", "TargetKeyId": key_id}),
    );
    let wire = Wire::new();
    let key = RemoteKey::open(kms(&moto, "alias/github-app", admin()), &wire).unwrap();
    assert_eq!(key.checked().bits, 2048);

    // The app's registered key is the one moto generated.
    assert_eq!(
        testkit::kms::github_status_for_service_key(&key, &wire),
        200
    );
    assert_eq!(wire.sent(), 2);
    let input = signing_input(CLIENT_ID, app_token_action::time::now());
    let sig = key.sign(&wire, input.as_bytes()).unwrap();

    // Every form of key reference reaches the same key; an ARN brings its own region.
    let key_arn = format!("arn:aws:kms:{REGION}:{ACCOUNT}:key/{key_id}");
    let alias_arn = format!("arn:aws:kms:{REGION}:{ACCOUNT}:alias/github-app");
    for id in [key_id.as_str(), &key_arn, &alias_arn] {
        let mut k = kms(&moto, id, admin());
        if id.starts_with("arn:") {
            k = Kms::new(None, id, admin(), &|v| {
                (v == "AWS_ENDPOINT_URL").then(|| moto.url.clone())
            })
            .unwrap();
            assert_eq!(k.region, REGION);
        }
        let key = RemoteKey::open(k, &wire).unwrap();
        assert_eq!(
            key.checked().fingerprint,
            RemoteKey::open(kms(&moto, "alias/github-app", admin()), &wire)
                .unwrap()
                .checked()
                .fingerprint
        );
        assert!(key.sign(&wire, input.as_bytes()).is_ok(), "{id}");
    }
    // An app whose registered key is another (the fixture's) refuses moto's signature.
    let other = MockGithub::start(Scenario::standard());
    assert_eq!(github_status(&other.url(), &jwt(&input, &sig)), 401);
}

#[test]
fn moto_wrong_keys_fail_typed() {
    let Some(moto) = Moto::start() else { return };
    let wire = Wire::new();
    let open = |id: &str| RemoteKey::open(kms(&moto, id, admin()), &wire);
    assert_eq!(
        failed(open("alias/nope"), &[]),
        KmsError::KeyNotFound {
            service: Service::AwsKms,
            key: "alias/nope".into()
        }
    );
    let rsa_encrypt = create_key(&moto, "RSA_2048", "ENCRYPT_DECRYPT");
    assert!(matches!(
        failed(open(&rsa_encrypt), &[]),
        KmsError::NotForSigning { .. }
    ));
    let ec = create_key(&moto, "ECC_NIST_P256", "SIGN_VERIFY");
    assert!(
        matches!(failed(open(&ec), &[]), KmsError::NotRsa { kind, .. } if kind == "ECC_NIST_P256")
    );
    let symmetric = create_key(&moto, "SYMMETRIC_DEFAULT", "ENCRYPT_DECRYPT");
    // moto answers GetPublicKey for it (usage ENCRYPT_DECRYPT); real KMS refuses with
    // UnsupportedOperationException. Either way: not for signing.
    assert!(matches!(
        failed(open(&symmetric), &[]),
        KmsError::NotForSigning { .. }
    ));

    // Keys live in one region: the same key asked for in another is not found.
    let rsa = create_key(&moto, "RSA_2048", "SIGN_VERIFY");
    let elsewhere = Kms::new(None, &rsa, admin(), &|v| match v {
        "AWS_ENDPOINT_URL" => Some(moto.url.clone()),
        "AWS_REGION" => Some("eu-west-1".into()),
        _ => None,
    })
    .unwrap();
    assert!(matches!(
        failed(RemoteKey::open(elsewhere, &wire), &[]),
        KmsError::KeyNotFound { .. }
    ));
    assert_eq!(
        Kms::new(None, &rsa, admin(), &|_| None).unwrap_err(),
        KmsError::RegionMissing { key: rsa.clone() }
    );
}

#[test]
fn moto_with_auth_on_checks_the_signature_and_the_policy() {
    let Some(moto) = Moto::start() else { return };
    let key_id = create_key(&moto, "RSA_2048", "SIGN_VERIFY");
    let signer = user(&moto, "signer", &["kms:GetPublicKey", "kms:Sign"]);
    let reader = user(&moto, "reader", &["kms:GetPublicKey"]);
    moto.auth_on();
    let wire = Wire::new();

    let key = RemoteKey::open(kms(&moto, &key_id, signer.clone()), &wire).unwrap();
    assert!(key.sign(&wire, b"header.claims").is_ok());

    let secret = signer.secret_access_key.expose().to_string();
    let mut wrong = signer.clone();
    wrong.secret_access_key = Secret::new(format!("{secret}x"));
    assert!(matches!(
        failed(RemoteKey::open(kms(&moto, &key_id, wrong), &wire), &[&secret]),
        KmsError::InvalidCredentials { code, .. } if code == "SignatureDoesNotMatch"
    ));
    let mut unknown = signer.clone();
    unknown.access_key_id = "AKIAUNKNOWN000000000".into();
    assert!(matches!(
        failed(RemoteKey::open(kms(&moto, &key_id, unknown), &wire), &[&secret]),
        KmsError::InvalidCredentials { code, .. } if code == "InvalidClientTokenId"
    ));

    let read_only = RemoteKey::open(kms(&moto, &key_id, reader.clone()), &wire).unwrap();
    match failed(
        read_only.sign(&wire, b"header.claims"),
        &[reader.secret_access_key.expose()],
    ) {
        KmsError::AccessDenied { grant, message, .. } => {
            assert_eq!(grant, "kms:Sign");
            assert!(message.contains("kms:Sign"), "{message}");
        }
        other => panic!("{other:?}"),
    }
}

#[test]
fn oidc_token_through_sts_to_a_signature() {
    let Some(moto) = Moto::start() else { return };
    let key_id = create_key(&moto, "RSA_2048", "SIGN_VERIFY");
    let role_arn = web_identity_role(&moto, "gh-signer", &["kms:GetPublicKey", "kms:Sign"]);

    let runner = OidcStandIn::start(testkit::OTHER_KEY_PEM);
    let wire = Wire::new();
    let oidc_token = TokenRequest::from_env(&runner.env())
        .unwrap()
        .fetch(&wire, Some(oidc::AWS_AUDIENCE))
        .unwrap();
    assert_eq!(
        runner.audiences(),
        vec![Some("sts.amazonaws.com".to_string())]
    );

    let sts = Sts::new(&role_arn, "app-token-action-1", Some(REGION), &env(&moto));
    assert_eq!(sts.url, format!("{}/", moto.url));
    let creds = sts.assume(&wire, &oidc_token).unwrap();
    assert!(
        creds.access_key_id.starts_with("ASIA"),
        "{}",
        creds.access_key_id
    );
    let token = creds.session_token.clone().unwrap();
    assert!(!format!("{creds:?}").contains(token.expose()));

    // moto now checks the role's credentials and policy.
    moto.auth_on();
    let key = RemoteKey::open(kms(&moto, &key_id, creds.clone()), &wire).unwrap();
    assert!(key.sign(&wire, b"header.claims").is_ok());
    let mut altered = creds.clone();
    altered.session_token = Some(Secret::new(format!("{}x", token.expose())));
    assert!(matches!(
        failed(
            RemoteKey::open(kms(&moto, &key_id, altered), &wire),
            &[token.expose(), creds.secret_access_key.expose()]
        ),
        KmsError::InvalidCredentials { .. }
    ));
}

#[test]
fn keyless_from_settings_masks_every_secret_it_meets() {
    let Some(moto) = Moto::start() else { return };
    let key_id = create_key(&moto, "RSA_2048", "SIGN_VERIFY");
    let runner = OidcStandIn::start(testkit::OTHER_KEY_PEM);
    let runner_env = runner.env();
    let moto_env = env(&moto);
    let step_env = |k: &str| runner_env(k).or_else(|| moto_env(k));
    let settings = Settings {
        kms_key: format!("awskms:///arn:aws:kms:{REGION}:{ACCOUNT}:key/{key_id}"),
        aws_role_arn: Some(format!("arn:aws:iam::{ACCOUNT}:role/gh-signer")),
        session_name: "acme-widgets-42".into(),
        ..Settings::default()
    };
    let wire = Wire::new();
    let masked = std::cell::RefCell::new(Vec::<String>::new());
    let backend = Backend::resolve(&settings, &step_env, &wire, &|s| {
        masked.borrow_mut().push(s.into())
    })
    .unwrap();
    let Backend::Aws(kms) = &backend else {
        panic!("{backend:?}")
    };
    let masked = masked.into_inner();
    assert_eq!(
        masked[0], runner.request_token,
        "the runner's request token first"
    );
    assert_eq!(
        masked.len(),
        4,
        "request token, OIDC token, secret key, session token"
    );
    assert!(masked.contains(&kms.credentials.secret_access_key.expose().to_string()));
    assert!(
        masked.contains(
            &kms.credentials
                .session_token
                .as_ref()
                .unwrap()
                .expose()
                .to_string()
        )
    );
    assert_eq!(runner.audiences(), vec![Some("sts.amazonaws.com".into())]);
    let key = RemoteKey::open(backend, &wire).unwrap();
    assert!(key.sign(&wire, b"header.claims").is_ok());
    assert_eq!(wire.sent(), 4, "OIDC token, STS, GetPublicKey, Sign");
}
