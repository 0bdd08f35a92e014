/work/wt-keys/target-variant/x86_64-unknown-linux-musl/release/deps/subtle-abb563b988470d9a.d: /root/.cargo/registry/src/index.crates.io-1949cf8c6b5b557f/subtle-2.6.1/src/lib.rs

/work/wt-keys/target-variant/x86_64-unknown-linux-musl/release/deps/libsubtle-abb563b988470d9a.rlib: /root/.cargo/registry/src/index.crates.io-1949cf8c6b5b557f/subtle-2.6.1/src/lib.rs

/work/wt-keys/target-variant/x86_64-unknown-linux-musl/release/deps/libsubtle-abb563b988470d9a.rmeta: /root/.cargo/registry/src/index.crates.io-1949cf8c6b5b557f/subtle-2.6.1/src/lib.rs

/root/.cargo/registry/src/index.crates.io-1949cf8c6b5b557f/subtle-2.6.1/src/lib.rs:
