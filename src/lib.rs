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
// Diagnostics go through `report`, which makes every line's text inert; the
// only other writers are the CLI's token line and `usage` below (tests may
// report what they ran).
#![cfg_attr(not(test), deny(clippy::print_stdout, clippy::print_stderr))]

pub mod action;
pub mod asn1;
#[cfg(test)]
mod catalogue;
pub mod cli;
pub mod concurrent;
pub mod config;
pub mod env;
pub mod error;
pub mod flow;
#[cfg(test)]
mod fuzz;
pub mod github;
pub mod guard;
pub mod inputs;
pub mod installation;
pub mod jwt;
pub mod key;
pub mod kms;
pub mod method;
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

/// The program's own help text, on stdout when asked for, else on stderr.
#[allow(clippy::print_stdout, clippy::print_stderr)]
fn usage(asked: bool) {
    if asked {
        print!("{}", cli::usage());
    } else {
        eprint!("{}", cli::usage());
    }
}

/// One of the program's own lines on stdout (`--version`), or an empty line on stderr.
#[allow(clippy::print_stdout, clippy::print_stderr)]
fn usage_line(text: &'static str) {
    if text.is_empty() {
        eprintln!();
    } else {
        println!("{text}");
    }
}

/// What a panic prints: one fixed line, nothing of the panic's payload or
/// location (a payload can quote a server's answer; a location helps no user).
pub const PANIC_MESSAGE: &str = "app-token-action stopped on an internal error (a bug). Its details are not shown, as they could quote what a server sent. Please report it with this step's log.";

/// Replaces Rust's panic message (which prints the payload) with one fixed
/// line, then exits with 1 like any other failure.
fn quiet_panics() {
    std::panic::set_hook(Box::new(|_| {
        report::error("Internal error", PANIC_MESSAGE);
        std::process::exit(1);
    }));
}

/// Runs the program as its arguments and environment ask; the process's exit code.
pub fn run() -> ExitCode {
    quiet_panics();
    let started = std::time::Instant::now();
    let mut args = std::env::args();
    let argv0 = args.next().unwrap_or_default();
    let args: Vec<String> = args.collect();
    let in_actions = crate::env::raw("GITHUB_ACTIONS").is_some_and(|v| v == "true");
    let verbose = args.iter().any(|a| a == "--verbose" || a == "-v")
        || crate::env::raw("RUNNER_DEBUG").is_some_and(|v| v == "1");

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
        Some(command) => {
            report::init(Mode::Cli { verbose });
            run_command(command, args.iter().skip(1).cloned().collect())
        }
        None => {
            usage(false);
            ExitCode::from(2)
        }
    }
}

/// A command of the command line, `rest` its arguments.
fn run_command(command: &str, rest: Vec<String>) -> ExitCode {
    let result = match command {
        "token" => cli::token(rest),
        "revoke" => cli::revoke(rest),
        "-h" | "--help" | "help" => {
            usage(true);
            return ExitCode::SUCCESS;
        }
        "-V" | "--version" => {
            usage_line(concat!("app-token-action ", env!("CARGO_PKG_VERSION")));
            return ExitCode::SUCCESS;
        }
        other => {
            let e = cli::args::UsageError::UnknownCommand {
                command: secret::Shown::of(other),
            };
            report::plain(&e.to_string());
            usage_line("");
            usage(false);
            return ExitCode::from(2);
        }
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
