//! End-to-end: the real image, run the way the GitHub Actions runner runs a Docker action.
//!
//! * Image: the project's Dockerfile, final stage, built with the `build` stage replaced by a
//!   directory holding a host-built static musl binary (`--build-context build=DIR`, see the
//!   Dockerfile header). The binary is `$APP_TOKEN_ACTION_MUSL_BIN` if set, else built here
//!   with `cargo build --locked --release --target <arch>-unknown-linux-musl --target-dir
//!   target/musl` (a separate target dir: the outer `cargo test` holds the lock on target/).
//!   One build per test process, shared by all tests.
//! * Engine: `docker` if `docker info` works, else podman with the settings these machines
//!   need (own storage under target/, vfs, runc, cgroupfs, a containers.conf with
//!   `default_ulimits = []`). Neither: the tests fail, unless `APP_TOKEN_ACTION_SKIP_CONTAINER=1`
//!   is set outside CI (then they print a loud SKIP line and pass).
//! * Runs: main, then post, with the runner's `docker run` line (runner.md): `-e NAME` only,
//!   values in the engine's own environment (so `INPUT_APP-ID` passes), every declared input
//!   (default or empty), the five /github mounts, file-command files, `--entrypoint` taken
//!   from action.yml's `post-entrypoint` for post, and `STATE_*` from main's `$GITHUB_STATE`.
//!   `--network host` so the container reaches the mock API on 127.0.0.1.

mod support;

use std::collections::BTreeMap;
use std::path::PathBuf;
use std::process::{Command, Output, Stdio};
use std::sync::OnceLock;
use std::sync::atomic::{AtomicUsize, Ordering};

use support::fixture;
use support::mock::{MockGithub, Scenario, TokenFormat};

const IMAGE_BUDGET_BYTES: u64 = 2 * 1024 * 1024;
const ENTRYPOINT: &str = "/app-token-action";

fn repo_root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

fn work_dir() -> PathBuf {
    let dir = repo_root().join("target/container-test");
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

// ------------------------------------------------------------------------------------------
// Engine
// ------------------------------------------------------------------------------------------

#[derive(Clone, Debug)]
struct Engine {
    program: String,
    /// Global flags before the subcommand (podman: storage/runtime settings).
    global: Vec<String>,
    /// Environment for the engine process itself (podman: CONTAINERS_CONF).
    env: Vec<(String, String)>,
    podman: bool,
}

impl Engine {
    fn cmd(&self) -> Command {
        let mut cmd = Command::new(&self.program);
        cmd.args(&self.global);
        for (k, v) in &self.env {
            cmd.env(k, v);
        }
        cmd
    }

    fn docker() -> Option<Engine> {
        let ok = Command::new("docker")
            .arg("info")
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .status()
            .is_ok_and(|s| s.success());
        ok.then(|| Engine {
            program: "docker".into(),
            global: vec![],
            env: vec![],
            podman: false,
        })
    }

    /// Podman exactly as this-machine.md describes: nothing in /etc is touched.
    fn podman() -> Result<Engine, String> {
        let dir = work_dir().join("podman");
        std::fs::create_dir_all(&dir).map_err(|e| e.to_string())?;
        let conf = dir.join("containers.conf");
        std::fs::write(&conf, "[containers]\ndefault_ulimits = []\n").map_err(|e| e.to_string())?;
        let path = |p: &str| dir.join(p).to_string_lossy().into_owned();
        // podman refuses a --runroot longer than 50 characters: keep it short, under the
        // temp dir, one per checkout (named after a hash of the storage path).
        let runroot = {
            use std::hash::{Hash, Hasher};
            let mut h = std::collections::hash_map::DefaultHasher::new();
            dir.hash(&mut h);
            std::env::temp_dir().join(format!("atac-run-{:08x}", h.finish() as u32))
        };
        let engine = Engine {
            program: "podman".into(),
            global: vec![
                "--root".into(),
                path("storage"),
                "--runroot".into(),
                runroot.to_string_lossy().into_owned(),
                "--storage-driver".into(),
                "vfs".into(),
                "--runtime".into(),
                "runc".into(),
                "--cgroup-manager".into(),
                "cgroupfs".into(),
            ],
            env: vec![(
                "CONTAINERS_CONF".into(),
                conf.to_string_lossy().into_owned(),
            )],
            podman: true,
        };
        let out = engine
            .cmd()
            .arg("info")
            .output()
            .map_err(|e| format!("cannot run podman: {e}"))?;
        if !out.status.success() {
            return Err(format!(
                "`podman info` failed: {}",
                String::from_utf8_lossy(&out.stderr)
            ));
        }
        Ok(engine)
    }

    fn detect() -> Result<Engine, String> {
        if let Some(docker) = Engine::docker() {
            return Ok(docker);
        }
        Engine::podman().map_err(|e| format!("no container engine: `docker info` failed and {e}"))
    }
}

// ------------------------------------------------------------------------------------------
// Image (built once per process)
// ------------------------------------------------------------------------------------------

#[derive(Debug)]
struct Image {
    engine: Engine,
    id: String,
}

static IMAGE: OnceLock<Result<Option<Image>, String>> = OnceLock::new();

/// The built image, or `None` when container tests are explicitly skipped.
fn image() -> Option<&'static Image> {
    match IMAGE.get_or_init(build_image) {
        Ok(image) => image.as_ref(),
        Err(e) => panic!("{e}"),
    }
}

fn build_image() -> Result<Option<Image>, String> {
    let engine = match Engine::detect() {
        Ok(engine) => engine,
        Err(e) => {
            if std::env::var_os("CI").is_some() {
                return Err(format!(
                    "{e}. The container tests must run in CI: install docker or podman+runc \
                     (see this-machine.md)."
                ));
            }
            if std::env::var("APP_TOKEN_ACTION_SKIP_CONTAINER").as_deref() == Ok("1") {
                eprintln!(
                    "\n########## SKIPPED: container tests ({e}; APP_TOKEN_ACTION_SKIP_CONTAINER=1) ##########\n"
                );
                return Ok(None);
            }
            return Err(format!(
                "{e}. Install docker or podman+runc, or set APP_TOKEN_ACTION_SKIP_CONTAINER=1 \
                 to skip the container tests on this machine (never in CI)."
            ));
        }
    };

    let binary = musl_binary()?;
    // The replacement for the Dockerfile's `build` stage: DIR/out/app-token-action and the
    // DIR/out/post symlink, as the real build stage leaves them.
    let context = work_dir().join("build-stage");
    let _ = std::fs::remove_dir_all(&context);
    std::fs::create_dir_all(context.join("out")).map_err(|e| e.to_string())?;
    std::fs::copy(&binary, context.join("out/app-token-action"))
        .map_err(|e| format!("copy {}: {e}", binary.display()))?;
    std::os::unix::fs::symlink("app-token-action", context.join("out/post"))
        .map_err(|e| e.to_string())?;

    let iidfile = work_dir().join("image-id");
    let _ = std::fs::remove_file(&iidfile);
    let mut cmd = engine.cmd();
    cmd.arg("build");
    if engine.podman {
        cmd.arg("--pull=never");
    }
    cmd.arg("--build-context")
        .arg(format!("build={}", context.display()))
        .arg("--iidfile")
        .arg(&iidfile)
        .args(["-t", "localhost/app-token-action:container-test"])
        .arg("-f")
        .arg(repo_root().join("Dockerfile"))
        .arg(repo_root());
    let out = cmd.output().map_err(|e| format!("image build: {e}"))?;
    if !out.status.success() {
        return Err(format!(
            "image build failed ({:?}):\n{}\n{}",
            cmd,
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        ));
    }
    if engine.podman {
        // Our own storage: drop the dangling images earlier test runs left behind.
        let _ = engine.cmd().args(["image", "prune", "-f"]).output();
    }
    let id = std::fs::read_to_string(&iidfile)
        .map_err(|e| format!("image id file: {e}"))?
        .trim()
        .to_string();
    Ok(Some(Image { engine, id }))
}

fn musl_target() -> &'static str {
    match std::env::consts::ARCH {
        "x86_64" => "x86_64-unknown-linux-musl",
        "aarch64" => "aarch64-unknown-linux-musl",
        other => panic!("no musl target for host architecture {other}"),
    }
}

/// `$APP_TOKEN_ACTION_MUSL_BIN`, or a release build for the host's musl target.
fn musl_binary() -> Result<PathBuf, String> {
    if let Some(path) = std::env::var_os("APP_TOKEN_ACTION_MUSL_BIN") {
        let path = PathBuf::from(path);
        return if path.is_file() {
            Ok(path)
        } else {
            Err(format!(
                "APP_TOKEN_ACTION_MUSL_BIN={} is not a file",
                path.display()
            ))
        };
    }
    let target_dir = repo_root().join("target/musl");
    let cargo = std::env::var("CARGO").unwrap_or_else(|_| "cargo".into());
    let status = Command::new(cargo)
        .current_dir(repo_root())
        .args(["build", "--locked", "--release", "--target", musl_target()])
        .arg("--target-dir")
        .arg(&target_dir)
        .status()
        .map_err(|e| format!("cargo build for {}: {e}", musl_target()))?;
    if !status.success() {
        return Err(format!(
            "cargo build --release --target {} failed (needs `rustup target add {0}` and a \
             musl C compiler, e.g. Debian's musl-tools)",
            musl_target()
        ));
    }
    Ok(target_dir
        .join(musl_target())
        .join("release/app-token-action"))
}

// ------------------------------------------------------------------------------------------
// Runner emulation
// ------------------------------------------------------------------------------------------

/// The host side of the runner's mounts and file-command files for one job.
struct Job {
    root: PathBuf,
    counter: usize,
}

static JOBS: AtomicUsize = AtomicUsize::new(0);

impl Job {
    fn new() -> Job {
        let n = JOBS.fetch_add(1, Ordering::SeqCst);
        let root = work_dir().join(format!("job-{}-{n}", std::process::id()));
        let _ = std::fs::remove_dir_all(&root);
        for d in [
            "workspace",
            "runner_temp/_github_home",
            "runner_temp/_github_workflow",
            "runner_temp/_runner_file_commands",
        ] {
            std::fs::create_dir_all(root.join(d)).unwrap();
        }
        Job { root, counter: 0 }
    }

    fn temp(&self) -> PathBuf {
        self.root.join("runner_temp")
    }
}

impl Drop for Job {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.root);
    }
}

#[derive(Debug)]
struct StepResult {
    code: Option<i32>,
    stdout: String,
    stderr: String,
    outputs: BTreeMap<String, String>,
    state: BTreeMap<String, String>,
}

impl StepResult {
    fn all_lines(&self) -> impl Iterator<Item = &str> {
        self.stdout.lines().chain(self.stderr.lines())
    }
}

#[derive(Clone, Copy, PartialEq)]
enum Stage {
    Main,
    Post,
}

/// Runs one step like the runner: `env` is the step's environment (inputs, GITHUB_*,
/// STATE_*); names travel as `-e NAME`, values in the engine's environment.
fn run_step(image: &Image, job: &mut Job, stage: Stage, env: &[(String, String)]) -> StepResult {
    job.counter += 1;
    let n = job.counter;
    let files = [
        ("GITHUB_OUTPUT", format!("set_output_{n}")),
        ("GITHUB_STATE", format!("save_state_{n}")),
        ("GITHUB_ENV", format!("set_env_{n}")),
        ("GITHUB_PATH", format!("add_path_{n}")),
        ("GITHUB_STEP_SUMMARY", format!("step_summary_{n}")),
    ];
    let fc_host = job.temp().join("_runner_file_commands");
    for (_, f) in &files {
        std::fs::write(fc_host.join(f), "").unwrap();
    }

    let mut env: Vec<(String, String)> = env.to_vec();
    for (var, f) in &files {
        env.push((var.to_string(), format!("/github/file_commands/{f}")));
    }

    let mut cmd = image.engine.cmd();
    cmd.args(["run", "--rm", "--workdir", "/github/workspace"]);
    for (k, v) in &env {
        cmd.arg("-e").arg(k).env(k, v);
    }
    cmd.args(["-e", "GITHUB_ACTIONS=true", "-e", "CI=true"]);
    if stage == Stage::Post {
        let yml = support::action_yml::read_action_yml(&repo_root());
        let post = yml.runs["post-entrypoint"].clone();
        cmd.arg("--entrypoint").arg(post);
    }
    cmd.args(["--network", "host"]);
    let temp = job.temp();
    for (host, guest) in [
        (temp.clone(), "/github/runner_temp"),
        (temp.join("_github_home"), "/github/home"),
        (temp.join("_github_workflow"), "/github/workflow"),
        (temp.join("_runner_file_commands"), "/github/file_commands"),
        (job.root.join("workspace"), "/github/workspace"),
    ] {
        cmd.arg("-v").arg(format!("{}:{guest}", host.display()));
    }
    cmd.arg(&image.id);
    let out = cmd.output().expect("run the container engine");

    let read = |name: &str| {
        let f = &files.iter().find(|(v, _)| *v == name).unwrap().1;
        std::fs::read_to_string(fc_host.join(f)).unwrap()
    };
    let parse = |name: &str| {
        support::runner::parse_file_commands(&read(name))
            .unwrap_or_else(|e| panic!("{name}: {e} (the runner would fail the step)"))
    };
    StepResult {
        code: out.status.code(),
        stdout: String::from_utf8_lossy(&out.stdout).into_owned(),
        stderr: String::from_utf8_lossy(&out.stderr).into_owned(),
        outputs: parse("GITHUB_OUTPUT"),
        state: parse("GITHUB_STATE"),
    }
}

/// The step environment the runner would build for `uses: ./` with these `with:` values:
/// every declared input (its default, `${{ github.api_url }}` evaluated, or empty), plus the
/// GITHUB_*/RUNNER_* variables a container step gets.
fn step_env(api_url: &str, with: &[(&str, &str)]) -> Vec<(String, String)> {
    let yml = support::action_yml::read_action_yml(&repo_root());
    let mut env = Vec::new();
    for (name, props) in &yml.inputs {
        let value = match with.iter().find(|(k, _)| k == name) {
            Some((_, v)) => v.to_string(),
            None => props
                .get("default")
                .map(|d| d.replace("${{ github.api_url }}", api_url))
                .unwrap_or_default(),
        };
        assert!(!value.contains("${{"), "unevaluated default for {name}");
        env.push((
            format!("INPUT_{}", name.replace(' ', "_").to_uppercase()),
            value,
        ));
    }
    for (k, v) in [
        ("HOME", "/github/home"),
        ("GITHUB_API_URL", api_url),
        ("GITHUB_SERVER_URL", "https://github.com"),
        ("GITHUB_REPOSITORY", "acme/repo-a"),
        ("GITHUB_REPOSITORY_OWNER", "acme"),
        ("GITHUB_WORKSPACE", "/github/workspace"),
        ("RUNNER_OS", "Linux"),
        ("RUNNER_ARCH", "X64"),
        ("RUNNER_TEMP", "/github/runner_temp"),
    ] {
        env.push((k.into(), v.into()));
    }
    env
}

fn with_state(env: &[(String, String)], state: &BTreeMap<String, String>) -> Vec<(String, String)> {
    let mut env = env.to_vec();
    for (k, v) in state {
        env.push((format!("STATE_{k}"), v.clone()));
    }
    env
}

/// For failure messages: masked values shown as `***`, as the runner logs them.
fn describe(r: &StepResult) -> String {
    support::runner::redact(&format!(
        "{}exit {:?}\n--- stdout\n{}--- stderr\n{}--- outputs {:?}\n--- state {:?}",
        r.stdout
            .lines()
            .filter(|l| l.starts_with("::add-mask::"))
            .map(|l| format!("{l}\n"))
            .collect::<String>(),
        r.code,
        r.stdout,
        r.stderr,
        r.outputs,
        r.state
    ))
}

// ------------------------------------------------------------------------------------------
// Tests
// ------------------------------------------------------------------------------------------

#[test]
fn main_mints_and_post_revokes_like_on_a_runner() {
    let Some(image) = image() else { return };
    let mock = MockGithub::start(Scenario::standard());
    let url = mock.url().to_string();
    let key = fixture("app.pem");
    let env = step_env(
        &url,
        &[
            ("client-id", "Iv23liMockClient01"),
            ("private-key", &key),
            ("owner", "acme"),
        ],
    );
    assert!(
        env.iter().any(|(k, _)| k == "INPUT_PRIVATE-KEY"),
        "hyphenated input names must reach the container"
    );
    let mut job = Job::new();

    // main
    let main = run_step(image, &mut job, Stage::Main, &env);
    let ctx = describe(&main);
    assert_eq!(main.code, Some(0), "main failed:\n{ctx}");
    let token = main.outputs.get("token").cloned().unwrap_or_default();
    assert!(!token.is_empty(), "no token output:\n{ctx}");
    assert_eq!(
        main.outputs.get("installation-id").map(String::as_str),
        Some("1001"),
        "{ctx}"
    );
    assert_eq!(
        main.outputs.get("app-slug").map(String::as_str),
        Some("mock-app"),
        "{ctx}"
    );
    assert!(
        main.outputs
            .get("expires-at")
            .is_some_and(|v| !v.is_empty()),
        "no expires-at output:\n{ctx}"
    );
    assert!(
        mock.minted().iter().any(|m| m.token == token),
        "the token output is not one the mock minted:\n{ctx}"
    );
    // GitHub's new format (the mock's default): long, with `.`, `-` and `_`.
    assert!(
        mock.minted()[0].format == TokenFormat::New
            && token.len() > 500
            && ['.', '-', '_'].iter().all(|c| token.contains(*c)),
        "not a new-format token ({} chars):\n{ctx}",
        token.len()
    );
    // The mask must come before the token appears anywhere in the log. stdout and stderr
    // interleave unpredictably, so: first on stdout, never on stderr.
    let first = main.stdout.lines().find(|l| l.contains(&token));
    assert_eq!(
        first,
        Some(format!("::add-mask::{token}").as_str()),
        "the first stdout line with the token must be its ::add-mask:: line:\n{ctx}"
    );
    assert!(
        !main.stderr.contains(&token),
        "token on stderr (not masked yet):\n{ctx}"
    );
    for key in ["token", "expires_at"] {
        assert!(
            main.state.get(key).is_some_and(|v| !v.is_empty()),
            "state `{key}` not saved:\n{ctx}"
        );
    }
    assert!(mock.revoked().is_empty(), "main revoked already:\n{ctx}");

    // post: same inputs and env, plus STATE_* from main, entrypoint from action.yml.
    let post = run_step(image, &mut job, Stage::Post, &with_state(&env, &main.state));
    let ctx = describe(&post);
    assert_eq!(post.code, Some(0), "post failed:\n{ctx}");
    assert!(post.stdout.contains("Token revoked"), "{ctx}");
    let revoked = mock.revoked();
    assert_eq!(revoked.len(), 1, "one revocation expected:\n{ctx}");
    assert!(
        revoked.contains(&token),
        "the mock revoked another token than main's output:\n{ctx}"
    );
    let delete = mock.requests().into_iter().find(|r| r.method == "DELETE");
    assert!(
        delete.is_some_and(|r| r.header("authorization") == Some(&format!("Bearer {token}"))),
        "the revocation must send the token as Bearer:\n{ctx}"
    );
    assert!(post.all_lines().all(|l| !l.starts_with("::error")), "{ctx}");
}

#[test]
fn bad_key_fails_with_one_error_and_no_request_and_post_copes() {
    let Some(image) = image() else { return };
    let mock = MockGithub::start(Scenario::standard());
    let url = mock.url().to_string();
    let key = fixture("ec.pem");
    let env = step_env(
        &url,
        &[
            ("client-id", "Iv23liMockClient01"),
            ("private-key", &key),
            ("owner", "acme"),
        ],
    );
    let mut job = Job::new();

    let main = run_step(image, &mut job, Stage::Main, &env);
    let ctx = describe(&main);
    assert_eq!(main.code, Some(1), "main must exit 1 on a bad key:\n{ctx}");
    let errors: Vec<&str> = main
        .all_lines()
        .filter(|l| l.starts_with("::error"))
        .collect();
    assert_eq!(errors.len(), 1, "exactly one ::error line:\n{ctx}");
    assert!(errors[0].starts_with("::error title="), "{ctx}");
    assert!(
        mock.requests().is_empty(),
        "a bad key must be rejected before any request: {:?}\n{ctx}",
        mock.requests()
    );
    assert!(
        main.outputs.get("token").is_none_or(|t| t.is_empty()),
        "{ctx}"
    );

    // post-if defaults to always(): post runs after the failed main with no saved state.
    let post = run_step(image, &mut job, Stage::Post, &with_state(&env, &main.state));
    let ctx = describe(&post);
    assert_eq!(
        post.code,
        Some(0),
        "post without state must succeed:\n{ctx}"
    );
    assert!(mock.requests().is_empty(), "{:?}\n{ctx}", mock.requests());
}

fn inspect(image: &Image, format: &str) -> String {
    let out = image
        .engine
        .cmd()
        .args(["image", "inspect", "--format", format, &image.id])
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8_lossy(&out.stdout).trim().to_string()
}

fn engine_output(image: &Image, args: &[&str]) -> Output {
    image.engine.cmd().args(args).output().unwrap()
}

#[test]
fn image_is_small_shell_free_root_and_execs_the_binary() {
    let Some(image) = image() else { return };

    let size: u64 = inspect(image, "{{.Size}}").parse().unwrap();
    eprintln!(
        "image size: {size} bytes ({:.2} MiB)",
        size as f64 / 1048576.0
    );
    assert!(
        size <= IMAGE_BUDGET_BYTES,
        "image is {size} bytes, budget {IMAGE_BUDGET_BYTES}"
    );

    let config: serde_json::Value =
        serde_json::from_str(&inspect(image, "{{json .Config}}")).expect("image config JSON");
    let empty = |v: &serde_json::Value| v.is_null() || v.as_str() == Some("");
    assert!(empty(&config["User"]), "USER must not be set: {config}");
    assert!(
        empty(&config["WorkingDir"]),
        "WORKDIR must not be set: {config}"
    );
    assert_eq!(
        config["Entrypoint"],
        serde_json::json!([ENTRYPOINT]),
        "{config}"
    );
    let labels = &config["Labels"];
    assert_eq!(
        labels["org.opencontainers.image.licenses"],
        "MIT OR Apache-2.0"
    );
    assert_eq!(
        labels["org.opencontainers.image.version"],
        env!("CARGO_PKG_VERSION"),
        "Dockerfile's ARG VERSION default must follow Cargo.toml"
    );
    for key in ["source", "description"] {
        assert!(
            labels[format!("org.opencontainers.image.{key}")]
                .as_str()
                .is_some_and(|v| !v.is_empty()),
            "label {key}: {config}"
        );
    }

    // No shell: the runner-style override of the entrypoint must fail.
    let sh = engine_output(
        image,
        &[
            "run",
            "--rm",
            "--entrypoint",
            "/bin/sh",
            &image.id,
            "-c",
            "true",
        ],
    );
    assert!(!sh.status.success(), "/bin/sh exists in the image");

    // The file system: the binary, and `post` as a symlink to it (one copy), nothing else.
    let name = format!("container-test-export-{}", std::process::id());
    let created = engine_output(image, &["create", "--name", &name, &image.id]);
    assert!(
        created.status.success(),
        "{}",
        String::from_utf8_lossy(&created.stderr)
    );
    let export = engine_output(image, &["export", &name]);
    let _ = engine_output(image, &["rm", "-f", &name]);
    assert!(export.status.success());
    let entries = tar_entries(&export.stdout);
    let files: Vec<_> = entries
        .iter()
        .filter(|e| e.kind == b'0' || e.kind == 0)
        .collect();
    assert_eq!(
        files.iter().map(|e| e.name.as_str()).collect::<Vec<_>>(),
        ["app-token-action"],
        "regular files in the image: {entries:?}"
    );
    let post = entries
        .iter()
        .find(|e| e.name == "post")
        .unwrap_or_else(|| panic!("no /post: {entries:?}"));
    assert_eq!(post.kind, b'2', "/post must be a symlink: {post:?}");
    assert_eq!(post.link, "app-token-action");
    let yml = support::action_yml::read_action_yml(&repo_root());
    assert_eq!(yml.runs["post-entrypoint"], "/post");
}

#[derive(Debug)]
struct TarEntry {
    name: String,
    kind: u8,
    link: String,
}

/// Minimal ustar reader (names ≤ 100 bytes plus prefix; enough for a scratch image).
fn tar_entries(data: &[u8]) -> Vec<TarEntry> {
    let field = |b: &[u8]| {
        let end = b.iter().position(|&c| c == 0).unwrap_or(b.len());
        String::from_utf8_lossy(&b[..end]).into_owned()
    };
    let mut entries = Vec::new();
    let mut off = 0;
    while off + 512 <= data.len() {
        let h = &data[off..off + 512];
        if h.iter().all(|&b| b == 0) {
            break;
        }
        let size = u64::from_str_radix(field(&h[124..136]).trim(), 8).unwrap_or(0) as usize;
        let prefix = if &h[257..262] == b"ustar" {
            field(&h[345..500])
        } else {
            String::new()
        };
        let mut name = field(&h[0..100]);
        if !prefix.is_empty() {
            name = format!("{prefix}/{name}");
        }
        let name = name
            .trim_start_matches("./")
            .trim_start_matches('/')
            .to_string();
        if !name.is_empty() && h[156] != b'x' && h[156] != b'g' {
            entries.push(TarEntry {
                name,
                kind: h[156],
                link: field(&h[157..257]),
            });
        }
        off += 512 + size.div_ceil(512) * 512;
    }
    entries
}

#[test]
fn tar_reader_reads_symlinks() {
    let mut tar = vec![0u8; 512 * 3];
    tar[..4].copy_from_slice(b"post");
    tar[124..135].copy_from_slice(b"00000000000");
    tar[156] = b'2';
    tar[157..173].copy_from_slice(b"app-token-action");
    let e = tar_entries(&tar);
    assert_eq!(e.len(), 1);
    assert_eq!(
        (e[0].name.as_str(), e[0].kind, e[0].link.as_str()),
        ("post", b'2', "app-token-action")
    );
}

/// Benchmark, not a test: the main stage inside the image, run as the runner runs
/// it, `BENCH_RUNS` times (default 20). `scripts/bench` runs it and prints the figures.
#[test]
#[ignore = "benchmark: run by scripts/bench"]
fn bench_main_stage_in_container() {
    let Some(image) = image() else { return };
    let runs: usize = std::env::var("BENCH_RUNS")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(20);
    let mock = MockGithub::start(Scenario::standard());
    let key = fixture("app.pem");
    let env = step_env(
        &mock.url(),
        &[("client-id", "Iv23liMockClient01"), ("private-key", &key)],
    );
    let mut env = env;
    // Debug lines carry the process's own peak RSS, run time and CPU time, read inside the container.
    env.push(("RUNNER_DEBUG".into(), "1".into()));
    let mut job = Job::new();
    let mut walls = Vec::new();
    let (mut peak_kib, mut own_ms, mut cpu_ms) = (0u64, Vec::<f64>::new(), Vec::<f64>::new());
    for _ in 0..runs {
        let started = std::time::Instant::now();
        let r = run_step(image, &mut job, Stage::Main, &env);
        walls.push(started.elapsed());
        assert_eq!(r.code, Some(0), "{}", describe(&r));
        let usage = r
            .stdout
            .lines()
            .find_map(|l| l.strip_prefix("::debug::resources: peak RSS "))
            .expect("a resources debug line");
        // "<KiB> KiB, <ms> ms in the program, CPU <ms> ms for the task"
        let (kib, rest) = usage.split_once(" KiB, ").expect("resources line format");
        let (own, cpu) = rest
            .split_once(" ms in the program, CPU ")
            .expect("resources line format");
        peak_kib = peak_kib.max(kib.parse().expect("KiB"));
        own_ms.push(own.parse().expect("ms"));
        cpu_ms.push(
            cpu.trim_end_matches(" ms for the task")
                .parse()
                .expect("ms"),
        );
    }
    own_ms.sort_by(f64::total_cmp);
    cpu_ms.sort_by(f64::total_cmp);
    walls.sort();
    let at = |p: f64| walls[((walls.len() - 1) as f64 * p).round() as usize];
    let size: u64 = inspect(image, "{{.Size}}").parse().unwrap_or(0);
    println!(
        "| image size | {size} bytes ({:.2} MiB) |",
        size as f64 / 1048576.0
    );
    println!(
        "| main stage in the container (`{} run`, {runs} runs), median / p95 | {:.0} ms / {:.0} ms |",
        image.engine.program,
        at(0.5).as_secs_f64() * 1000.0,
        at(0.95).as_secs_f64() * 1000.0
    );
    println!(
        "| inside the container: peak RSS (largest run) | {:.2} MiB |",
        peak_kib as f64 / 1024.0
    );
    println!(
        "| inside the container: time in the program, median | {:.2} ms |",
        own_ms[own_ms.len() / 2]
    );
    println!(
        "| inside the container: task CPU time incl. the runtime's set-up, median | {:.2} ms |",
        cpu_ms[cpu_ms.len() / 2]
    );
}
