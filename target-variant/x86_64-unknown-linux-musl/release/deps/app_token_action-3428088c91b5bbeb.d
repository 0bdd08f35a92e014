/work/wt-keys/target-variant/x86_64-unknown-linux-musl/release/deps/app_token_action-3428088c91b5bbeb.d: src/lib.rs src/action.rs src/cli.rs src/config.rs src/error.rs src/flow.rs src/github.rs src/inputs.rs src/installation.rs src/jwt.rs src/key.rs src/kms/mod.rs src/kms/aws.rs src/kms/azure.rs src/kms/backend.rs src/kms/crc32c.rs src/kms/error.rs src/kms/gcp.rs src/kms/grammar.rs src/kms/oidc.rs src/kms/sigv4.rs src/kms/spki.rs src/kms/uri.rs src/kms/vault.rs src/kms/xml.rs src/net.rs src/outputs.rs src/permissions.rs src/remote.rs src/report.rs src/retry.rs src/secret.rs src/time.rs src/token.rs src/transport.rs src/url.rs

/work/wt-keys/target-variant/x86_64-unknown-linux-musl/release/deps/libapp_token_action-3428088c91b5bbeb.rlib: src/lib.rs src/action.rs src/cli.rs src/config.rs src/error.rs src/flow.rs src/github.rs src/inputs.rs src/installation.rs src/jwt.rs src/key.rs src/kms/mod.rs src/kms/aws.rs src/kms/azure.rs src/kms/backend.rs src/kms/crc32c.rs src/kms/error.rs src/kms/gcp.rs src/kms/grammar.rs src/kms/oidc.rs src/kms/sigv4.rs src/kms/spki.rs src/kms/uri.rs src/kms/vault.rs src/kms/xml.rs src/net.rs src/outputs.rs src/permissions.rs src/remote.rs src/report.rs src/retry.rs src/secret.rs src/time.rs src/token.rs src/transport.rs src/url.rs

/work/wt-keys/target-variant/x86_64-unknown-linux-musl/release/deps/libapp_token_action-3428088c91b5bbeb.rmeta: src/lib.rs src/action.rs src/cli.rs src/config.rs src/error.rs src/flow.rs src/github.rs src/inputs.rs src/installation.rs src/jwt.rs src/key.rs src/kms/mod.rs src/kms/aws.rs src/kms/azure.rs src/kms/backend.rs src/kms/crc32c.rs src/kms/error.rs src/kms/gcp.rs src/kms/grammar.rs src/kms/oidc.rs src/kms/sigv4.rs src/kms/spki.rs src/kms/uri.rs src/kms/vault.rs src/kms/xml.rs src/net.rs src/outputs.rs src/permissions.rs src/remote.rs src/report.rs src/retry.rs src/secret.rs src/time.rs src/token.rs src/transport.rs src/url.rs

src/lib.rs:
src/action.rs:
src/cli.rs:
src/config.rs:
src/error.rs:
src/flow.rs:
src/github.rs:
src/inputs.rs:
src/installation.rs:
src/jwt.rs:
src/key.rs:
src/kms/mod.rs:
src/kms/aws.rs:
src/kms/azure.rs:
src/kms/backend.rs:
src/kms/crc32c.rs:
src/kms/error.rs:
src/kms/gcp.rs:
src/kms/grammar.rs:
src/kms/oidc.rs:
src/kms/sigv4.rs:
src/kms/spki.rs:
src/kms/uri.rs:
src/kms/vault.rs:
src/kms/xml.rs:
src/net.rs:
src/outputs.rs:
src/permissions.rs:
src/remote.rs:
src/report.rs:
src/retry.rs:
src/secret.rs:
src/time.rs:
src/token.rs:
src/transport.rs:
src/url.rs:

# env-dep:CARGO_PKG_VERSION=0.1.0
