//! End-to-end: the real image, run the way the GitHub Actions runner runs a Docker action,
//! on the Docker engine (the one GitHub's runners use).
//!
//! * Engine: `docker` when `docker info` answers; else a private `dockerd` started here (flags
//!   of this-machine.md, socket under /tmp/ata-dk-XXXX) and stopped by the pid in its pidfile
//!   when the last [`Lease`] is dropped, also when a test panics. One engine per test process,
//!   shared by the tests through [`lease`]. Podman (own storage, vfs, runc, cgroupfs) is the
//!   fallback where Docker cannot run, or when `APP_TOKEN_ACTION_ENGINE=podman`; with
//!   `CI=true` the tests require Docker and never skip. The output says which engine ran.
//!   `APP_TOKEN_ACTION_SKIP_CONTAINER=1` skips them outside CI, with a loud line.
//! * Image: the project's Dockerfile, final stage, built by podman with the `build` stage
//!   replaced by a directory from `scripts/build-binaries` (`--build-context build=DIR`, see
//!   the Dockerfile header), handed to docker with `podman save | docker load` ([`image`]).
//!   `APP_TOKEN_ACTION_BINARIES=DIR` uses binaries built earlier (the release rehearsal).
//! * Runs: [`run_step`] is the runner's `docker run` line (runner.md): `--name`, `--label`,
//!   `--workdir`, `--rm`, `-e NAME` only with values in the engine's own environment (so
//!   `INPUT_APP-ID` passes), every declared input (default or empty), the docker socket and
//!   the five /github mounts, file-command files written from inside the container,
//!   `--entrypoint` from action.yml's `post-entrypoint` for post, `STATE_*` from main's
//!   `$GITHUB_STATE`. `--network host` to reach the mock API on 127.0.0.1, or a runner-style
//!   `github_network_*` network for a run that needs no traffic.
//!
//! Adding a container test: write a `fn(&Lease, &str)` (the engine, the image reference) that
//! runs steps with [`run_step`] / [`run_post`], and add it to the list in
//! `container_scenarios`, which runs them in order on one engine. A separate `#[test]` takes
//! its own [`lease`] and gets the image with [`image`]; the engine stays up while any lease
//! is alive.

use std::collections::BTreeMap;
use std::io::Write as _;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Output, Stdio};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex, OnceLock};
use std::time::{Duration, Instant};

use testkit::bin;
use testkit::fixture;
use testkit::mock::{MockGithub, Scenario, TokenFormat};
use testkit::runner::{Run, Step, parse_file_commands};

/// The image's size is reported, not budgeted (a pull of ~1 MB compressed is not what
/// users wait for); this bound only catches a debug or unstripped binary shipped by
/// mistake, which is several times larger.
const IMAGE_SANITY_BYTES: u64 = 8 * 1024 * 1024;
const ENTRYPOINT: &str = "/app-token-action";
const TEST_TAG: &str = "localhost/app-token-action:container-test";

fn repo_root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

fn work_dir() -> PathBuf {
    let dir = repo_root().join("target/container-test");
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

/// Written straight to stderr: the test harness captures `eprintln!`, not this, so the line
/// shows in every run (which engine ran, skips).
fn say(line: &str) {
    let _ = writeln!(std::io::stderr(), "container tests: {line}");
}

fn in_ci() -> bool {
    std::env::var("CI").is_ok_and(|v| !v.is_empty() && v != "false")
}

// ------------------------------------------------------------------------------------------
// Engines
// ------------------------------------------------------------------------------------------

/// A container engine CLI with its global flags and environment.
#[derive(Clone, Debug)]
struct Engine {
    program: String,
    /// Global flags before the subcommand (podman: storage/runtime settings).
    global: Vec<String>,
    /// Environment for the engine process itself (podman: CONTAINERS_CONF; docker: DOCKER_HOST).
    env: Vec<(String, String)>,
    podman: bool,
    /// Docker: the engine's socket on the host, mounted as the runner mounts it.
    socket: Option<String>,
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

    /// `docker` talking to `host` (a `unix://` URL), or to its default when `None`.
    fn docker(host: Option<&str>) -> Engine {
        let host = host
            .map(str::to_string)
            .or_else(|| std::env::var("DOCKER_HOST").ok())
            .unwrap_or_else(|| "unix:///var/run/docker.sock".into());
        Engine {
            program: "docker".into(),
            global: vec![],
            env: vec![("DOCKER_HOST".into(), host.clone())],
            podman: false,
            socket: host.strip_prefix("unix://").map(str::to_string),
        }
    }

    fn answers(&self) -> bool {
        self.cmd()
            .arg("info")
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .status()
            .is_ok_and(|s| s.success())
    }

    fn server_version(&self) -> String {
        let format = if self.podman {
            "{{.Version}}"
        } else {
            "{{.Server.Version}}"
        };
        self.cmd()
            .args(["version", "--format", format])
            .output()
            .map(|o| String::from_utf8_lossy(&o.stdout).trim().to_string())
            .unwrap_or_default()
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
            socket: None,
        };
        checked(engine.cmd().arg("info"), "podman info")?;
        Ok(engine)
    }
}

/// A `dockerd` this process started: stopped by the pid in its pidfile on drop.
struct Dockerd {
    dir: PathBuf,
    child: Child,
}

impl Dockerd {
    /// Starts dockerd with exactly the flags of this-machine.md, on a socket under a short
    /// directory (unix socket paths are limited to 108 bytes), and waits for `docker info`.
    fn start() -> Result<(Dockerd, Engine), String> {
        let dir = short_temp_dir("ata-dk")?;
        let arg = |p: &str| dir.join(p).to_string_lossy().into_owned();
        let log = std::fs::File::create(dir.join("log")).map_err(|e| e.to_string())?;
        let child = Command::new("dockerd")
            .args(["--data-root", &arg("data"), "--exec-root", &arg("exec")])
            .arg("-H")
            .arg(format!("unix://{}", arg("docker.sock")))
            .args(["--pidfile", &arg("pid"), "--storage-driver", "vfs"])
            .args(["--iptables=false", "--ip6tables=false", "--bridge=none"])
            .stdin(Stdio::null())
            .stdout(log.try_clone().map_err(|e| e.to_string())?)
            .stderr(log)
            .spawn()
            .map_err(|e| format!("cannot start dockerd: {e}"))?;
        let engine = Engine::docker(Some(&format!("unix://{}", arg("docker.sock"))));
        let daemon = Dockerd { dir, child };
        let deadline = Instant::now() + Duration::from_secs(60);
        while !engine.answers() {
            if Instant::now() > deadline {
                let log = std::fs::read_to_string(daemon.dir.join("log")).unwrap_or_default();
                let tail: Vec<&str> = log.lines().rev().take(15).collect();
                return Err(format!(
                    "dockerd did not answer within 60 s; its log ends:\n{}",
                    tail.into_iter().rev().collect::<Vec<_>>().join("\n")
                ));
            }
            std::thread::sleep(Duration::from_millis(250));
        }
        Ok((daemon, engine))
    }

    fn pid(&self) -> Option<i32> {
        std::fs::read_to_string(self.dir.join("pid"))
            .ok()
            .and_then(|p| p.trim().parse().ok())
    }
}

impl Drop for Dockerd {
    fn drop(&mut self) {
        // The pidfile's pid is this child's (dockerd does not fork); without one, the child.
        let pid = self.pid().unwrap_or(self.child.id() as i32);
        // SAFETY: kill(2) with a pid this process started; no memory is involved.
        unsafe { libc::kill(pid, libc::SIGTERM) };
        let deadline = Instant::now() + Duration::from_secs(30);
        while self.child.try_wait().ok().flatten().is_none() {
            if Instant::now() > deadline {
                let _ = self.child.kill();
                let _ = self.child.wait();
                break;
            }
            std::thread::sleep(Duration::from_millis(100));
        }
        say(&format!("stopped the dockerd it started (pid {pid})"));
        unmount_under(&self.dir);
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}

/// Unmounts what a stopped dockerd leaves mounted under `dir` (the nsfs of its default
/// network namespace, `exec/netns/default`), deepest first, so the directory can go.
fn unmount_under(dir: &Path) {
    let prefix = format!("{}/", dir.display());
    let mounts = std::fs::read_to_string("/proc/mounts").unwrap_or_default();
    let mut points: Vec<&str> = mounts
        .lines()
        .filter_map(|l| l.split(' ').nth(1))
        .filter(|m| m.starts_with(&prefix))
        .collect();
    points.sort_by(|a, b| b.cmp(a));
    for point in points {
        let Ok(c) = std::ffi::CString::new(point) else {
            continue;
        };
        // SAFETY: a NUL-terminated path that lives across the call.
        unsafe { libc::umount2(c.as_ptr(), libc::MNT_DETACH) };
    }
}

/// A fresh directory `/tmp/PREFIX-XXXXXXXX` (short on purpose, see [`Dockerd::start`]).
fn short_temp_dir(prefix: &str) -> Result<PathBuf, String> {
    static N: AtomicUsize = AtomicUsize::new(0);
    let seed = std::process::id() as usize * 1000 + N.fetch_add(1, Ordering::SeqCst);
    let dir = PathBuf::from(format!("/tmp/{prefix}-{seed:08x}"));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).map_err(|e| format!("{}: {e}", dir.display()))?;
    Ok(dir)
}

/// The engine of this test process and what it has built.
struct Session {
    engine: Engine,
    /// Builds images (podman has `--build-context`, Debian's docker has no buildx).
    builder: Engine,
    image: OnceLock<Result<String, String>>,
    /// Declared after the engine: dropped (stopped) last.
    _daemon: Option<Dockerd>,
}

/// Process-wide: how many leases are alive, and the session they share.
struct Shared {
    users: usize,
    session: Option<Arc<Session>>,
}

static SHARED: Mutex<Shared> = Mutex::new(Shared {
    users: 0,
    session: None,
});

/// Keeps the engine up; the last lease dropped stops a dockerd started here.
struct Lease {
    session: Arc<Session>,
}

impl Drop for Lease {
    fn drop(&mut self) {
        let mut shared = SHARED.lock().unwrap_or_else(|e| e.into_inner());
        shared.users -= 1;
        if shared.users == 0 {
            // Our own Arc is the last one then: the session (and its dockerd) goes with it.
            shared.session = None;
        }
    }
}

impl std::ops::Deref for Lease {
    type Target = Engine;
    fn deref(&self) -> &Engine {
        &self.session.engine
    }
}

/// The shared engine, started on first use; `None` when the tests are explicitly skipped.
fn lease() -> Option<Lease> {
    let mut shared = SHARED.lock().unwrap_or_else(|e| e.into_inner());
    if shared.session.is_none() {
        match open_session() {
            Ok(session) => shared.session = Some(Arc::new(session)),
            Err(e)
                if !in_ci()
                    && std::env::var("APP_TOKEN_ACTION_SKIP_CONTAINER").as_deref() == Ok("1") =>
            {
                say(&format!(
                    "########## SKIPPED ({e}; APP_TOKEN_ACTION_SKIP_CONTAINER=1) ##########"
                ));
                return None;
            }
            Err(e) => panic!("{e}"),
        }
    }
    shared.users += 1;
    let session = shared.session.clone().unwrap();
    Some(Lease { session })
}

fn open_session() -> Result<Session, String> {
    let forced = std::env::var("APP_TOKEN_ACTION_ENGINE").unwrap_or_default();
    let podman_only = forced == "podman";
    let mut daemon = None;
    let mut engine = None;
    let mut why_not_docker = String::new();
    if !podman_only {
        let existing = Engine::docker(None);
        if existing.answers() {
            say(&format!(
                "engine: docker {} (already running, {})",
                existing.server_version(),
                existing.env[0].1
            ));
            engine = Some(existing);
        } else {
            match Dockerd::start() {
                Ok((d, e)) => {
                    say(&format!(
                        "engine: docker {} (dockerd started by the tests, pid {}, {})",
                        e.server_version(),
                        d.pid().unwrap_or(0),
                        e.env[0].1
                    ));
                    daemon = Some(d);
                    engine = Some(e);
                }
                Err(e) => why_not_docker = e,
            }
        }
    }
    let builder = Engine::podman().map_err(|e| {
        format!("{e}. The image is built with podman: install podman and runc (scripts/setup).")
    })?;
    let engine = match engine {
        Some(engine) => engine,
        None if in_ci() && !podman_only => {
            return Err(format!(
                "CI runs the container tests on Docker, and Docker cannot run here: {why_not_docker} \
                 (scripts/setup installs docker.io; APP_TOKEN_ACTION_ENGINE=podman chooses podman)"
            ));
        }
        None => {
            say(&format!(
                "engine: podman {} (fallback{})",
                builder.server_version(),
                if podman_only {
                    ": APP_TOKEN_ACTION_ENGINE=podman".to_string()
                } else {
                    format!(": no Docker engine: {why_not_docker}")
                }
            ));
            builder.clone()
        }
    };
    Ok(Session {
        engine,
        builder,
        image: OnceLock::new(),
        _daemon: daemon,
    })
}

// ------------------------------------------------------------------------------------------
// Binaries and image
// ------------------------------------------------------------------------------------------

fn host_arch() -> &'static str {
    match std::env::consts::ARCH {
        "x86_64" => "amd64",
        "aarch64" => "arm64",
        other => panic!("no image platform for host architecture {other}"),
    }
}

/// `DIR/linux-ARCH/out/{app-token-action,post}` for amd64 and arm64: `$APP_TOKEN_ACTION_BINARIES`,
/// else `scripts/build-binaries` (the release's recipe) into target/container-test/binaries.
fn binaries() -> &'static Path {
    static DIR: OnceLock<Result<PathBuf, String>> = OnceLock::new();
    let built = DIR.get_or_init(|| {
        if let Some(dir) = std::env::var_os("APP_TOKEN_ACTION_BINARIES") {
            return Ok(PathBuf::from(dir));
        }
        let dir = work_dir().join("binaries");
        checked(
            Command::new(repo_root().join("scripts/build-binaries"))
                .arg(&dir)
                .args(["amd64", "arm64"])
                .stdin(Stdio::null()),
            "scripts/build-binaries",
        )?;
        Ok(dir)
    });
    match built {
        Ok(dir) => dir,
        Err(e) => panic!("{e}"),
    }
}

fn binary(arch: &str) -> PathBuf {
    let path = binaries().join(format!("linux-{arch}/out/app-token-action"));
    assert!(path.is_file(), "no {}", path.display());
    path
}

/// The image for the host's platform, built once per engine session: the Dockerfile's final
/// stage around `binaries()`, loaded into docker. Returns the engine's image reference.
fn image(lease: &Lease) -> &str {
    match lease.session.image.get_or_init(|| build_image(lease)) {
        Ok(id) => id,
        Err(e) => panic!("{e}"),
    }
}

fn build_image(lease: &Lease) -> Result<String, String> {
    let builder = &lease.session.builder;
    let context = binaries().join(format!("linux-{}", host_arch()));
    let mut cmd = builder.cmd();
    cmd.args(["build", "--pull=never", "--layers=false"])
        .arg("--build-context")
        .arg(format!("build={}", context.display()))
        .args(["-t", TEST_TAG, "-f"])
        .arg(repo_root().join("Dockerfile"))
        .arg(repo_root());
    checked(&mut cmd, "image build")?;
    // Our own storage: drop what earlier runs left behind.
    let _ = builder.cmd().args(["image", "prune", "-f"]).output();
    if !lease.podman {
        let mut save = builder
            .cmd()
            .args(["save", "--format", "docker-archive", TEST_TAG])
            .stdout(Stdio::piped())
            .spawn()
            .map_err(|e| format!("podman save: {e}"))?;
        let mut load = lease.cmd();
        load.arg("load")
            .stdin(save.stdout.take().expect("piped stdout"));
        let loaded = checked(&mut load, "docker load");
        let saved = save.wait().map_err(|e| e.to_string())?;
        loaded?;
        if !saved.success() {
            return Err(format!("podman save {TEST_TAG} failed"));
        }
    }
    Ok(inspect_ref(lease, TEST_TAG, "{{.Id}}"))
}

/// Runs `cmd`, returning its output or an error with everything it printed.
fn checked(cmd: &mut Command, what: &str) -> Result<Output, String> {
    let out = cmd.output().map_err(|e| format!("{what}: {e}"))?;
    if out.status.success() {
        Ok(out)
    } else {
        Err(format!(
            "{what} failed ({cmd:?}):\n{}\n{}",
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        ))
    }
}

fn inspect_ref(engine: &Engine, reference: &str, format: &str) -> String {
    let out = checked(
        engine
            .cmd()
            .args(["image", "inspect", "--format", format, reference]),
        "image inspect",
    )
    .unwrap_or_else(|e| panic!("{e}"));
    String::from_utf8_lossy(&out.stdout).trim().to_string()
}

// ------------------------------------------------------------------------------------------
// Runner emulation
// ------------------------------------------------------------------------------------------

/// The host side of the runner's mounts and file-command files for one job.
struct Job {
    root: PathBuf,
    id: usize,
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
        Job {
            root,
            id: n,
            counter: 0,
        }
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

/// Where the container's network comes from.
#[derive(Clone, Copy)]
enum Net<'a> {
    /// `--network host`: reaches a mock on the host's 127.0.0.1.
    Host,
    /// `--network NAME`, as the runner passes its job network (no route to the host's loopback).
    Named(&'a str),
}

/// Runs one step of `image` like the runner: `env` is the step's environment (inputs,
/// GITHUB_*, STATE_*); names travel as `-e NAME`, values in the engine's environment.
fn run_step(
    engine: &Engine,
    image: &str,
    job: &mut Job,
    stage: Stage,
    env: &[(String, String)],
    net: Net,
) -> StepResult {
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

    let mut cmd = engine.cmd();
    cmd.arg("run")
        .arg("--name")
        .arg(format!("ata-test-{}-{}-{n}", std::process::id(), job.id))
        .args(["--label", "app-token-action-test"])
        .args(["--workdir", "/github/workspace", "--rm"]);
    for (k, v) in &env {
        cmd.arg("-e").arg(k).env(k, v);
    }
    cmd.args(["-e", "GITHUB_ACTIONS=true", "-e", "CI=true"]);
    if stage == Stage::Post {
        let yml = testkit::action_yml::read_action_yml(&repo_root());
        let post = yml.runs["post-entrypoint"].clone();
        cmd.arg("--entrypoint").arg(post);
    }
    cmd.arg("--network").arg(match net {
        Net::Host => "host",
        Net::Named(name) => name,
    });
    if let Some(socket) = &engine.socket {
        cmd.arg("-v").arg(format!("{socket}:/var/run/docker.sock"));
    }
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
    cmd.arg(image);
    let out = cmd.output().expect("run the container engine");

    let read = |name: &str| {
        let f = &files.iter().find(|(v, _)| *v == name).unwrap().1;
        std::fs::read_to_string(fc_host.join(f)).unwrap()
    };
    let parse = |name: &str| {
        testkit::runner::parse_file_commands(&read(name))
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
    let yml = testkit::action_yml::read_action_yml(&repo_root());
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

/// The post step after `main`: the same environment plus `STATE_*` from main's state file,
/// the entrypoint from action.yml.
fn run_post(
    engine: &Engine,
    image: &str,
    job: &mut Job,
    env: &[(String, String)],
    main: &StepResult,
    net: Net,
) -> StepResult {
    let mut env = env.to_vec();
    for (k, v) in &main.state {
        env.push((format!("STATE_{k}"), v.clone()));
    }
    run_step(engine, image, job, Stage::Post, &env, net)
}

/// For failure messages: masked values shown as `***`, as the runner logs them.
fn describe(r: &StepResult) -> String {
    testkit::runner::redact(&format!(
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

/// A named container test: runs against the shared engine and the image reference.
type ContainerTest = (&'static str, fn(&Lease, &str));

/// Every scenario on the one engine, in order (so one dockerd serves the whole run).
#[test]
fn container_scenarios() {
    let Some(lease) = lease() else { return };
    let image = image(&lease).to_string();
    let scenarios: &[ContainerTest] = &[
        (
            "main mints and post revokes like on a runner",
            main_mints_and_post_revokes,
        ),
        (
            "bad key on a github_network_* job network: one error, no request, post copes",
            bad_key_on_a_job_network,
        ),
        (
            "kms-key: main signs in OpenBao (on loopback), mints; post revokes",
            vault_key_signs_in_the_container,
        ),
        (
            "image is small, shell-free, root and execs the binary",
            image_is_small_shell_free_root_and_execs_the_binary,
        ),
    ];
    let mut failed = Vec::new();
    for (name, scenario) in scenarios {
        let started = Instant::now();
        let result =
            std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| scenario(&lease, &image)));
        let verdict = if result.is_ok() { "ok  " } else { "FAIL" };
        say(&format!(
            "{verdict} {name} [{}, {:.1} s]",
            lease.program,
            started.elapsed().as_secs_f64()
        ));
        if result.is_err() {
            failed.push(*name);
        }
    }
    assert!(failed.is_empty(), "failed scenarios: {failed:?}");
}

/// The release rehearsal's step 4: the image it pulled by digest, main and post on Docker.
#[test]
#[ignore = "run by scripts/release-rehearsal, with APP_TOKEN_ACTION_IMAGE"]
fn released_image_mints_and_revokes() {
    let reference = std::env::var("APP_TOKEN_ACTION_IMAGE")
        .expect("APP_TOKEN_ACTION_IMAGE=REGISTRY/NAME@sha256:DIGEST (pulled already)");
    let lease = lease().expect("an engine");
    assert!(!lease.podman, "the released image is run on Docker");
    main_mints_and_post_revokes(&lease, &reference);
    say(&format!("ok   {reference}: main minted, post revoked"));
}

fn main_mints_and_post_revokes(engine: &Lease, image: &str) {
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
    let main = run_step(engine, image, &mut job, Stage::Main, &env, Net::Host);
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
    let post = run_post(engine, image, &mut job, &env, &main, Net::Host);
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

/// The key-service path through the image: an OpenBao dev server on the host's loopback
/// (`--network host`), a transit key whose public half the mock API registers, `kms-key`
/// instead of `private-key`, VAULT_ADDR and VAULT_TOKEN in the step's environment.
fn vault_key_signs_in_the_container(engine: &Lease, image: &str) {
    let bao = testkit::kms::Bao::start().expect("OpenBao (scripts/services)");
    bao.mount_transit("");
    bao.create_key("gh-app", "rsa-2048");
    let mut scenario = Scenario::standard();
    scenario.apps[0].public_key_pem = bao.public_pem("gh-app");
    let mock = MockGithub::start(scenario);
    let mut env = step_env(
        &mock.url(),
        &[
            ("client-id", "Iv23liMockClient01"),
            ("kms-key", "hashivault://gh-app"),
        ],
    );
    env.push(("VAULT_ADDR".into(), bao.addr.clone()));
    env.push(("VAULT_TOKEN".into(), bao.root_token.clone()));
    let mut job = Job::new();
    let main = run_step(engine, image, &mut job, Stage::Main, &env, Net::Host);
    let ctx = describe(&main);
    assert_eq!(main.code, Some(0), "main failed:\n{ctx}");
    let token = main.outputs.get("token").cloned().unwrap_or_default();
    assert!(mock.minted().iter().any(|m| m.token == token), "{ctx}");
    assert!(
        main.stdout.contains("Signing in Vault with the key gh-app"),
        "{ctx}"
    );
    let logged: String = main
        .stdout
        .lines()
        .chain(main.stderr.lines())
        .filter(|l| !l.starts_with("::add-mask::"))
        .collect();
    assert!(
        !logged.contains(&bao.root_token),
        "the Vault token in the log"
    );
    let post = run_post(engine, image, &mut job, &env, &main, Net::Host);
    assert!(post.stdout.contains("Token revoked"), "{}", describe(&post));
}

/// A runner-style job network (`docker network create github_network_<id>`), removed on drop.
struct JobNetwork<'a> {
    engine: &'a Engine,
    name: String,
}

impl<'a> JobNetwork<'a> {
    fn create(engine: &'a Engine) -> JobNetwork<'a> {
        let name = format!(
            "github_network_{:08x}{:08x}",
            std::process::id(),
            JOBS.load(Ordering::SeqCst)
        );
        checked(
            engine.cmd().args(["network", "create", &name]),
            "network create",
        )
        .unwrap_or_else(|e| panic!("{e}"));
        JobNetwork { engine, name }
    }
}

impl Drop for JobNetwork<'_> {
    fn drop(&mut self) {
        let _ = self
            .engine
            .cmd()
            .args(["network", "rm", &self.name])
            .output();
    }
}

fn bad_key_on_a_job_network(engine: &Lease, image: &str) {
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
    // Podman here has no network backend for user networks: the host network stands in.
    let network = (!engine.podman).then(|| JobNetwork::create(engine));
    let net = network.as_ref().map_or(Net::Host, |n| Net::Named(&n.name));
    let mut job = Job::new();

    let main = run_step(engine, image, &mut job, Stage::Main, &env, net);
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
    let post = run_post(engine, image, &mut job, &env, &main, net);
    let ctx = describe(&post);
    assert_eq!(
        post.code,
        Some(0),
        "post without state must succeed:\n{ctx}"
    );
    assert!(mock.requests().is_empty(), "{:?}\n{ctx}", mock.requests());
}

fn engine_output(engine: &Engine, args: &[&str]) -> Output {
    engine.cmd().args(args).output().unwrap()
}

fn image_is_small_shell_free_root_and_execs_the_binary(engine: &Lease, image: &str) {
    let size: u64 = inspect_ref(engine, image, "{{.Size}}").parse().unwrap();
    say(&format!(
        "image size: {size} bytes ({:.2} MiB)",
        size as f64 / 1048576.0
    ));
    assert!(
        size <= IMAGE_SANITY_BYTES,
        "image is {size} bytes: a debug or unstripped binary? (bound {IMAGE_SANITY_BYTES})"
    );

    let config: serde_json::Value =
        serde_json::from_str(&inspect_ref(engine, image, "{{json .Config}}"))
            .expect("image config JSON");
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
        engine,
        &[
            "run",
            "--rm",
            "--entrypoint",
            "/bin/sh",
            image,
            "-c",
            "true",
        ],
    );
    assert!(!sh.status.success(), "/bin/sh exists in the image");

    // The file system: the binary, and `post` as a symlink to it (one copy), nothing else.
    // Read from the image's layers (`save`), not a container, to which the engine adds files.
    let saved = engine_output(engine, &["save", image]);
    assert!(
        saved.status.success(),
        "{}",
        String::from_utf8_lossy(&saved.stderr)
    );
    let entries: Vec<TarEntry> = tar_entries(&saved.stdout)
        .into_iter()
        .filter(|e| e.name.ends_with(".tar"))
        .flat_map(|layer| tar_entries(&layer.data))
        .collect();
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
    let yml = testkit::action_yml::read_action_yml(&repo_root());
    assert_eq!(yml.runs["post-entrypoint"], "/post");
}

/// The ELF machine of a binary (e_machine): 62 x86-64, 183 AArch64.
fn elf_machine(path: &Path) -> u16 {
    let bytes = std::fs::read(path).unwrap();
    assert_eq!(&bytes[..4], b"\x7fELF", "{} is not ELF", path.display());
    u16::from_le_bytes([bytes[18], bytes[19]])
}

/// Runs one stage of `program` with the runner's environment (as tests/action.rs does),
/// directly or through a user-mode emulator.
fn exec_stage(
    step: &Step,
    emulator: Option<&str>,
    program: &Path,
    extra: &[(String, String)],
) -> Run {
    let mut cmd = match emulator {
        Some(qemu) => {
            let mut cmd = step.command(Path::new(qemu), extra);
            cmd.arg(program);
            cmd
        }
        None => step.command(program, extra),
    };
    let out = cmd
        .output()
        .unwrap_or_else(|e| panic!("{}: {e}", emulator.unwrap_or("the binary")));
    let read = |f: &str| std::fs::read_to_string(step.dir.0.join(f)).unwrap_or_default();
    let output_file = read("output");
    Run {
        code: out.status.code().unwrap_or(-1),
        stdout: String::from_utf8_lossy(&out.stdout).into_owned(),
        stderr: String::from_utf8_lossy(&out.stderr).into_owned(),
        outputs: parse_file_commands(&output_file).expect("runner-valid GITHUB_OUTPUT"),
        state: parse_file_commands(&read("state")).expect("runner-valid GITHUB_STATE"),
        output_file,
    }
}

/// Both shipped binaries, main then post, against the mock over TLS (a private CA through the
/// `ca-certificates` input): the host's natively, the other under qemu-user. The arm64
/// binary's crypto (RS256 signing with ring) and TLS code run, not only link.
#[test]
fn release_binaries_of_both_architectures_run_main_and_post() {
    for (arch, machine, qemu) in [
        ("amd64", 62, "qemu-x86_64-static"),
        ("arm64", 183, "qemu-aarch64-static"),
    ] {
        let bin = binary(arch);
        assert_eq!(elf_machine(&bin), machine, "{}", bin.display());
        let emulator = (arch != host_arch()).then_some(qemu);
        let how = emulator.map_or("natively".to_string(), |q| format!("under {q}"));
        let gh = MockGithub::builder(Scenario::standard()).tls().start();
        let mut step = Step::new(bin!(), &gh.url());
        step.input("ca-certificates", &gh.ca_pem().expect("TLS mock"));

        let main = exec_stage(&step, emulator, &bin, &[]);
        assert_eq!(main.code, 0, "{arch} main {how}:\n{}", main.shown());
        let token = main.output("token").to_string();
        assert!(
            gh.minted().iter().any(|m| m.token == token),
            "{arch}: the token output is not one the mock minted:\n{}",
            main.shown()
        );
        testkit::runner::assert_masked_first(&main.log(), &token);

        let state: Vec<(String, String)> = main
            .state
            .iter()
            .map(|(k, v)| (format!("STATE_{k}"), v.clone()))
            .collect();
        let post = exec_stage(&step, emulator, &bin.with_file_name("post"), &state);
        assert_eq!(post.code, 0, "{arch} post {how}:\n{}", post.shown());
        assert!(
            format!("{:?}", gh.revoked()).contains(&token),
            "{arch}: post did not revoke main's token:\n{}",
            post.shown()
        );
        say(&format!(
            "ok   {arch} binary {how}: main minted over TLS, post revoked"
        ));
    }
}

#[derive(Debug)]
struct TarEntry {
    name: String,
    kind: u8,
    link: String,
    /// The content of a regular file.
    data: Vec<u8>,
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
            let body = &data[(off + 512).min(data.len())..(off + 512 + size).min(data.len())];
            entries.push(TarEntry {
                name,
                kind: h[156],
                link: field(&h[157..257]),
                data: if matches!(h[156], b'0' | 0) {
                    body.to_vec()
                } else {
                    Vec::new()
                },
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

fn median(mut v: Vec<Duration>) -> Duration {
    v.sort();
    v[v.len() / 2]
}

fn p95(mut v: Vec<Duration>) -> Duration {
    v.sort();
    v[((v.len() - 1) as f64 * 0.95).round() as usize]
}

fn ms(d: Duration) -> f64 {
    d.as_secs_f64() * 1000.0
}

/// Benchmark, not a test: the container path as the runner takes it, `BENCH_RUNS` times
/// (default 20): the engine's no-op run of the image (`--version`), the main stage and the
/// post stage with the runner's `docker run` line. `scripts/bench` runs it and prints the
/// rows; budget: main stage ≤ 1.15 × the no-op run.
#[test]
#[ignore = "benchmark: run by scripts/bench"]
fn bench_container_path() {
    let Some(lease) = lease() else { return };
    let image = image(&lease).to_string();
    let runs: usize = std::env::var("BENCH_RUNS")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(20);
    let mock = MockGithub::start(Scenario::standard());
    let key = fixture("app.pem");
    let mut env = step_env(
        &mock.url(),
        &[("client-id", "Iv23liMockClient01"), ("private-key", &key)],
    );
    // Debug lines carry the process's own peak RSS, run time and CPU time, read inside the container.
    env.push(("RUNNER_DEBUG".into(), "1".into()));
    let mut job = Job::new();
    let (mut noop, mut mains, mut posts) = (Vec::new(), Vec::new(), Vec::new());
    let (mut peak_kib, mut own_ms, mut cpu_ms) = (0u64, Vec::<f64>::new(), Vec::<f64>::new());
    for _ in 0..runs {
        let started = Instant::now();
        let version = engine_output(&lease, &["run", "--rm", &image, "--version"]);
        noop.push(started.elapsed());
        assert!(version.status.success(), "{version:?}");

        let started = Instant::now();
        let r = run_step(&lease, &image, &mut job, Stage::Main, &env, Net::Host);
        mains.push(started.elapsed());
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

        let started = Instant::now();
        let p = run_post(&lease, &image, &mut job, &env, &r, Net::Host);
        posts.push(started.elapsed());
        assert_eq!(p.code, Some(0), "{}", describe(&p));
    }
    own_ms.sort_by(f64::total_cmp);
    cpu_ms.sort_by(f64::total_cmp);
    let engine = format!("{} {}", lease.program, lease.server_version());
    let size: u64 = inspect_ref(&lease, &image, "{{.Size}}")
        .parse()
        .unwrap_or(0);
    let (noop_med, main_med) = (median(noop.clone()), median(mains.clone()));
    println!(
        "| image size (uncompressed) | {size} bytes ({:.2} MiB) |",
        size as f64 / 1048576.0
    );
    for (what, v) in [
        ("container start: `run --rm IMAGE --version`", noop),
        ("main stage in the container", mains),
        ("post stage in the container", posts),
    ] {
        println!(
            "| {what} ({engine}, {runs} runs), median / p95 | {:.0} ms / {:.0} ms |",
            ms(median(v.clone())),
            ms(p95(v))
        );
    }
    let ratio = main_med.as_secs_f64() / noop_med.as_secs_f64();
    println!(
        "| main stage / no-op run (budget ≤ 1.15) | {ratio:.2} ({}) |",
        if ratio <= 1.15 { "within" } else { "OVER" }
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

/// scripts/build-binaries (the release's and these tests' binaries) must use the Dockerfile's
/// cross recipe: the same C compiler, archiver and linker flags.
#[test]
fn build_binaries_uses_the_dockerfiles_cross_recipe() {
    let read = |p: &str| std::fs::read_to_string(repo_root().join(p)).unwrap();
    let (dockerfile, script) = (read("Dockerfile"), read("scripts/build-binaries"));
    for needle in [
        "-Clink-self-contained=yes -Clinker=rust-lld",
        "tr 'a-z-' 'A-Z_'",
        "cargo build --locked --release",
        "amd64) target=x86_64-unknown-linux-musl",
        "arm64) target=aarch64-unknown-linux-musl",
    ] {
        assert!(dockerfile.contains(needle), "Dockerfile lacks {needle:?}");
        assert!(
            script.contains(needle),
            "scripts/build-binaries lacks {needle:?}"
        );
    }
    assert!(dockerfile.contains("\"CC_${triple_cc}=clang\" \"AR_${triple_cc}=llvm-ar\""));
    assert!(script.contains(
        "\"CC_${triple_cc}=${CC_CLANG:-clang}\" \"AR_${triple_cc}=${LLVM_AR:-llvm-ar}\""
    ));
}
