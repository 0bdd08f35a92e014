/work/wt-keys/target-variant/x86_64-unknown-linux-musl/release/deps/webpki_root_certs-860c734981b68a19.d: /root/.cargo/registry/src/index.crates.io-1949cf8c6b5b557f/webpki-root-certs-1.0.11/src/lib.rs

/work/wt-keys/target-variant/x86_64-unknown-linux-musl/release/deps/libwebpki_root_certs-860c734981b68a19.rlib: /root/.cargo/registry/src/index.crates.io-1949cf8c6b5b557f/webpki-root-certs-1.0.11/src/lib.rs

/work/wt-keys/target-variant/x86_64-unknown-linux-musl/release/deps/libwebpki_root_certs-860c734981b68a19.rmeta: /root/.cargo/registry/src/index.crates.io-1949cf8c6b5b557f/webpki-root-certs-1.0.11/src/lib.rs

/root/.cargo/registry/src/index.crates.io-1949cf8c6b5b557f/webpki-root-certs-1.0.11/src/lib.rs:
