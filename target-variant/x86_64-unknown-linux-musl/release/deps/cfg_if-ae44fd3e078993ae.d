/work/wt-keys/target-variant/x86_64-unknown-linux-musl/release/deps/cfg_if-ae44fd3e078993ae.d: /root/.cargo/registry/src/index.crates.io-1949cf8c6b5b557f/cfg-if-1.0.5/src/lib.rs

/work/wt-keys/target-variant/x86_64-unknown-linux-musl/release/deps/libcfg_if-ae44fd3e078993ae.rlib: /root/.cargo/registry/src/index.crates.io-1949cf8c6b5b557f/cfg-if-1.0.5/src/lib.rs

/work/wt-keys/target-variant/x86_64-unknown-linux-musl/release/deps/libcfg_if-ae44fd3e078993ae.rmeta: /root/.cargo/registry/src/index.crates.io-1949cf8c6b5b557f/cfg-if-1.0.5/src/lib.rs

/root/.cargo/registry/src/index.crates.io-1949cf8c6b5b557f/cfg-if-1.0.5/src/lib.rs:
