//! app-token-action: a GitHub App installation token from the app's id and
//! private key, as a Docker action's main and post stages or as a CLI.
//!
//! The modules, in the order data flows through them (README "Development"):
//! `inputs`/`cli` → `config` (with `url`, `secret`) → `key` → `jwt` →
//! `installation` → `token` → `outputs`; `flow` strings them together and
//! `action` is the two stages. With `kms-key` the signer is `remote` (a key in
//! a key service, through `kms`) instead of `key`. Each request goes `github`
//! (or `remote`) → `transport` (with `retry`, `net`); `error` holds every
//! sentence the user reads, `report` prints them.

// Errors are built once, on the way out: their size costs nothing that matters.
#![allow(clippy::result_large_err)]

pub mod action;
pub mod cli;
pub mod config;
pub mod error;
pub mod flow;
#[cfg(test)]
mod fuzz;
pub mod github;
pub mod inputs;
pub mod installation;
pub mod jwt;
pub mod key;
pub mod kms;
pub mod net;
pub mod outputs;
pub mod permissions;
pub mod remote;
pub mod report;
pub mod retry;
pub mod secret;
pub mod time;
pub mod token;
pub mod transport;
pub mod url;
pub mod wire;

/// A test key or file from `tests/fixtures/`.
#[cfg(test)]
pub(crate) fn fixture(name: &str) -> String {
    let path = format!("{}/tests/fixtures/{name}", env!("CARGO_MANIFEST_DIR"));
    std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{path}: {e}"))
}

use std::path::Path;
use std::process::ExitCode;

use crate::report::Mode;

/// The process's own peak RSS, run time and CPU time, as a debug line.
fn debug_usage(started: std::time::Instant) {
    if let Some(note) = report::resource_usage(started) {
        report::note(&note);
    }
}

fn fail(e: &error::Error) -> ExitCode {
    report::error(e.title(), &e.to_string());
    ExitCode::FAILURE
}

/// Runs the program as its arguments and environment ask; the process's exit code.
pub fn run() -> ExitCode {
    let started = std::time::Instant::now();
    let mut args = std::env::args();
    let argv0 = args.next().unwrap_or_default();
    let args: Vec<String> = args.collect();
    let in_actions = std::env::var("GITHUB_ACTIONS").is_ok_and(|v| v == "true");
    let verbose = args.iter().any(|a| a == "--verbose" || a == "-v")
        || std::env::var("RUNNER_DEBUG").is_ok_and(|v| v == "1");

    // The runner gives main and post the same args and env; only the entrypoint
    // path differs, so the post stage is recognised by argv[0]'s file name.
    let invoked_as_post = Path::new(&argv0).file_name().is_some_and(|n| n == "post");
    let command = if invoked_as_post {
        Some("post")
    } else {
        args.first().map(String::as_str)
    };

    match command {
        Some("post") => {
            report::init(if in_actions {
                Mode::Actions
            } else {
                Mode::Cli { verbose }
            });
            action::post_stage();
            debug_usage(started);
            ExitCode::SUCCESS
        }
        None if in_actions => {
            report::init(Mode::Actions);
            let result = action::main_stage();
            debug_usage(started);
            match result {
                Ok(()) => ExitCode::SUCCESS,
                Err(e) => fail(&e),
            }
        }
        Some("token") | Some("revoke") => {
            report::init(Mode::Cli { verbose });
            let rest = args[1..].to_vec();
            let result = if command == Some("token") {
                cli::token(rest)
            } else {
                cli::revoke(rest)
            };
            match result {
                Ok(()) => ExitCode::SUCCESS,
                Err(e) if e.is_usage() => {
                    fail(&e);
                    ExitCode::from(2)
                }
                Err(e) => fail(&e),
            }
        }
        Some("-h" | "--help" | "help") => {
            print!("{}", cli::USAGE);
            ExitCode::SUCCESS
        }
        Some("-V" | "--version") => {
            println!("app-token-action {}", env!("CARGO_PKG_VERSION"));
            ExitCode::SUCCESS
        }
        None => {
            eprint!("{}", cli::USAGE);
            ExitCode::from(2)
        }
        Some(other) => {
            eprintln!(
                "{}\n",
                error::Error::UnknownCommand {
                    command: error::Shown::of(other)
                }
            );
            eprint!("{}", cli::USAGE);
            ExitCode::from(2)
        }
    }
}
