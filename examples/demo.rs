//! The action end to end on this machine: the real binary's main stage, a later
//! step using the token, and the post stage, against the project's mock GitHub
//! API, printed the way a workflow log shows them (masked values as `***`).
//!
//! Run with `scripts/demo` (builds the release binary first). The flow itself is
//! `tests/support/demo.rs`, which a test runs too.

#[path = "../tests/support/mod.rs"]
mod support;

fn main() {
    let outcome = support::demo::run(&mut |line| println!("{line}"));
    let worked = outcome.main_code == 0
        && outcome
            .later
            .as_ref()
            .is_some_and(|(status, repos)| *status == 200 && !repos.is_empty())
        && outcome.revoked;
    if !worked {
        eprintln!("The demo did not show the token working: see above.");
        std::process::exit(1);
    }
}
