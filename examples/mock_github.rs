//! Runs the mock GitHub API with the standard scenario, for manual runs and for tests
//! that drive the built binary (or a container) against it.
//!
//! Usage: `cargo run --example mock_github -- [--port N] [--prefix /api/v3]
//!         [--clock-offset SECS] [--tls --ca-file PATH] [--log] [--until-stdin-eof]`
//! Prints `MOCK_URL=<url>` on stdout once listening (with `--tls`, after writing the CA
//! certificate PEM to the `--ca-file` path).

use std::io::{Read, Write};

use testkit::{MockGithub, Scenario};

fn usage() -> ! {
    eprintln!(
        "usage: mock_github [--port N] [--prefix /api/v3] [--clock-offset SECS] [--tls --ca-file PATH] [--log] [--until-stdin-eof]"
    );
    std::process::exit(2);
}

fn main() {
    let mut builder = MockGithub::builder(Scenario::standard());
    let mut until_eof = false;
    let mut ca_file: Option<String> = None;
    let mut tls = false;
    let mut args = std::env::args().skip(1);
    while let Some(a) = args.next() {
        match a.as_str() {
            "--port" => {
                let p = args
                    .next()
                    .and_then(|v| v.parse().ok())
                    .unwrap_or_else(|| usage());
                builder = builder.port(p);
            }
            "--prefix" => builder = builder.path_prefix(&args.next().unwrap_or_else(|| usage())),
            "--clock-offset" => {
                let s = args
                    .next()
                    .and_then(|v| v.parse().ok())
                    .unwrap_or_else(|| usage());
                builder = builder.clock_offset_secs(s);
            }
            "--tls" => tls = true,
            "--ca-file" => ca_file = Some(args.next().unwrap_or_else(|| usage())),
            "--log" => builder = builder.log(true),
            "--until-stdin-eof" => until_eof = true,
            _ => usage(),
        }
    }
    if tls != ca_file.is_some() {
        usage();
    }
    if tls {
        builder = builder.tls();
    }
    let mock = builder.start();
    if let (Some(path), Some(pem)) = (&ca_file, mock.ca_pem()) {
        std::fs::write(path, pem).unwrap_or_else(|e| {
            eprintln!("mock_github: cannot write {path}: {e}");
            std::process::exit(1);
        });
    }
    let mut out = std::io::stdout().lock();
    let _ = writeln!(out, "MOCK_URL={}", mock.url());
    let _ = out.flush();
    drop(out);
    if until_eof {
        // The parent holds our stdin: when it exits or closes it, we stop.
        let mut sink = Vec::new();
        let _ = std::io::stdin().read_to_end(&mut sink);
    } else {
        loop {
            std::thread::park();
        }
    }
}
