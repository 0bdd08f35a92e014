//! The runner's context: the one reader of the process environment on the way to
//! a [`Config`](super::Config).

use crate::guard::PullRequestOrigin;

/// The runner's context, read from `GITHUB_*` and the few other variables a request
/// depends on: `Context::from_env` is the only reader of the process environment
/// on the way to a `Config`.
#[derive(Debug, Default, Clone)]
pub struct Context {
    /// `GITHUB_REPOSITORY` (`owner/name`).
    pub repository: Option<String>,
    /// `GITHUB_REPOSITORY_OWNER`.
    pub repository_owner: Option<String>,
    /// `GITHUB_API_URL`.
    pub api_url: Option<String>,
    /// `GITHUB_SERVER_URL`.
    pub server_url: Option<String>,
    /// `GITHUB_EVENT_NAME`.
    pub event_name: Option<String>,
    /// `GITHUB_RUN_ID`, for the key services' session names.
    pub run_id: Option<String>,
    /// `CLOUDSDK_API_ENDPOINT_OVERRIDES_CLOUDKMS`: gcloud's own override of Cloud KMS's
    /// endpoint (a private endpoint, or a local test server).
    pub cloudkms_endpoint: Option<String>,
    /// Where the triggering pull request comes from (the payload at `GITHUB_EVENT_PATH`).
    pub pull_request: PullRequestOrigin,
}

impl Context {
    /// Reads the context from this process's environment.
    pub fn from_env() -> Context {
        let var = crate::env::var;
        Context {
            repository: var("GITHUB_REPOSITORY"),
            repository_owner: var("GITHUB_REPOSITORY_OWNER"),
            api_url: var("GITHUB_API_URL"),
            server_url: var("GITHUB_SERVER_URL"),
            pull_request: PullRequestOrigin::of(
                var("GITHUB_EVENT_NAME").as_deref(),
                var("GITHUB_EVENT_PATH")
                    .and_then(|p| std::fs::read_to_string(p).ok())
                    .as_deref(),
            ),
            event_name: var("GITHUB_EVENT_NAME"),
            run_id: var("GITHUB_RUN_ID"),
            cloudkms_endpoint: var("CLOUDSDK_API_ENDPOINT_OVERRIDES_CLOUDKMS"),
        }
    }
}
