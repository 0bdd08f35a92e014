//! The `app-token-action` executable; everything lives in the library.

fn main() -> std::process::ExitCode {
    app_token_action::run()
}
