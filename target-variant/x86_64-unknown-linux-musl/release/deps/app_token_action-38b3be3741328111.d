/work/wt-keys/target-variant/x86_64-unknown-linux-musl/release/deps/app_token_action-38b3be3741328111.d: src/main.rs

/work/wt-keys/target-variant/x86_64-unknown-linux-musl/release/deps/app_token_action-38b3be3741328111: src/main.rs

src/main.rs:
