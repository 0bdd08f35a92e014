//! The action end to end on this machine: the real binary's main stage, a later
//! step using the token, and the post stage, against the project's mock GitHub
//! API, printed the way a workflow log shows them (masked values as `***`).
//!
//! Run with `scripts/demo` (builds the release binary first). The flow itself is
//! `testkit/src/demo.rs`, which a test runs too.

fn main() {
    let outcome = testkit::demo::run(&testkit::runner::release_bin(), &mut |line| {
        println!("{line}")
    });
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
