/work/wt-keys/target-variant/x86_64-unknown-linux-musl/release/deps/app_token_action-d71ec0d31dedc602.d: src/main.rs

/work/wt-keys/target-variant/x86_64-unknown-linux-musl/release/deps/app_token_action-d71ec0d31dedc602: src/main.rs

src/main.rs:
