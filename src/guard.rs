//! Guardrails at mint time, decided before any request: a token for a pull request
//! from a fork only where the workflow allows it, and no token with every permission
//! of the app where the workflow asks for permissions to be named.
//!
//! Why: a workflow triggered by `pull_request_target` (or a `pull_request` run where
//! the app's key is reachable) runs with the base repository's secrets while the
//! pull request's author controls what the job checks out; security reviews flag
//! minting write tokens there. GitHub describes who opened a pull request from where
//! in the event payload (`GITHUB_EVENT_PATH`), which `Context` reads.

use thiserror::Error;

use crate::secret::Shown;

/// The events whose payload carries a `pull_request` with its head and base.
pub const PULL_REQUEST_EVENTS: &[&str] = &[
    "pull_request",
    "pull_request_target",
    "pull_request_review",
    "pull_request_review_comment",
];

/// Where the pull request that triggered the run comes from.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub enum PullRequestOrigin {
    /// The run was not triggered by a pull request.
    #[default]
    NotAPullRequest,
    /// A branch of the base repository itself.
    SameRepository,
    /// Another repository: a fork (`head` is its `owner/name`, when known).
    Fork {
        /// The head repository's full name; `None` when GitHub no longer knows it
        /// (a deleted fork).
        head: Option<String>,
    },
    /// A pull-request event whose payload could not be read.
    Unknown {
        /// The event's name.
        event: String,
    },
}

impl PullRequestOrigin {
    /// Reads the origin from the event's name and payload (`GITHUB_EVENT_NAME`,
    /// the JSON at `GITHUB_EVENT_PATH`).
    pub fn of(event_name: Option<&str>, payload: Option<&str>) -> PullRequestOrigin {
        let Some(event) = event_name.filter(|e| PULL_REQUEST_EVENTS.contains(e)) else {
            return PullRequestOrigin::NotAPullRequest;
        };
        let unknown = || PullRequestOrigin::Unknown {
            event: event.to_string(),
        };
        let Some(json) = payload.and_then(|p| serde_json::from_str::<serde_json::Value>(p).ok())
        else {
            return unknown();
        };
        let pr = &json["pull_request"];
        let base = &pr["base"]["repo"];
        let head = &pr["head"]["repo"];
        if !pr.is_object() || !base.is_object() {
            return unknown();
        }
        // A deleted fork leaves `head.repo` null: it was not the base repository.
        let same = match (head["id"].as_u64(), base["id"].as_u64()) {
            (Some(h), Some(b)) => h == b,
            _ => head.is_object() && head["full_name"] == base["full_name"],
        };
        if same {
            PullRequestOrigin::SameRepository
        } else {
            PullRequestOrigin::Fork {
                head: head["full_name"].as_str().map(str::to_string),
            }
        }
    }
}

/// `fork-pull-requests`: what to do on a run for a pull request from a fork.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum ForkPolicy {
    /// Mint, and say so in a notice (the default: nothing changes for current users).
    #[default]
    Allow,
    /// Fail before any request.
    Refuse,
}

impl ForkPolicy {
    /// Parses the input's value (unset: `allow`).
    pub fn parse(value: Option<&str>) -> Result<ForkPolicy, GuardError> {
        match value {
            None | Some("allow") => Ok(ForkPolicy::Allow),
            Some("refuse") => Ok(ForkPolicy::Refuse),
            Some(other) => Err(GuardError::InvalidForkPolicy {
                value: Shown::of(other),
            }),
        }
    }
}

/// A guardrail that stopped the run, or a guardrail input given wrongly.
#[derive(Debug, Error)]
pub enum GuardError {
    /// `fork-pull-requests` is neither `allow` nor `refuse`.
    #[error(
        "`fork-pull-requests` must be `allow` (mint for a pull request from a fork, with a notice) or `refuse`; the value given is {value}."
    )]
    InvalidForkPolicy { value: Shown },
    /// `fork-pull-requests: refuse` on a run for a fork's pull request.
    #[error(
        "This run was triggered by `{event}` for a pull request from a fork{}, and `fork-pull-requests` is `refuse`: no token was minted. Its author controls what this job runs, so a token here can act with the app's permissions on their behalf. If that is intended (for example, a job that only labels or comments and checks out nothing from the fork), set `fork-pull-requests: allow`.",
        match head { Some(h) => format!(" ({h})"), None => String::new() }
    )]
    ForkRefused { event: String, head: Option<Shown> },
    /// A pull-request event whose payload does not say where the pull request comes from.
    #[error(
        "This run was triggered by `{event}`, but its event payload (GITHUB_EVENT_PATH) could not be read to tell whether the pull request comes from a fork, and `fork-pull-requests` is `refuse`. Run the step where the runner provides the event file, or set `fork-pull-requests: allow`."
    )]
    OriginUnknown { event: String },
    /// `require-permissions: true` without any `permission-*` input.
    #[error(
        "`require-permissions` is true, but no `permission-*` input is set, so the token would get every permission the app's installation has. Name the permissions this job needs, e.g. `permission-contents: read` (CLI: --permission contents=read)."
    )]
    PermissionsRequired,
}

impl GuardError {
    /// The heading of the `::error` annotation.
    pub fn title(&self) -> &'static str {
        match self {
            GuardError::InvalidForkPolicy { .. } => "Invalid input",
            GuardError::ForkRefused { .. }
            | GuardError::OriginUnknown { .. }
            | GuardError::PermissionsRequired => "Refused by a guardrail",
        }
    }
}

/// What the guardrails decided for a run that may go on.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Verdict {
    /// Nothing to say.
    Quiet,
    /// Minting for a fork's pull request, allowed: say so once.
    ForkAllowed {
        /// The event's name.
        event: String,
        /// The fork's `owner/name`, when known.
        head: Option<Shown>,
    },
}

/// Checks the run against the guardrails; `permissions` is how many `permission-*`
/// inputs were given.
pub fn check(
    origin: &PullRequestOrigin,
    policy: ForkPolicy,
    require_permissions: bool,
    permissions: usize,
    event: Option<&str>,
) -> Result<Verdict, GuardError> {
    if require_permissions && permissions == 0 {
        return Err(GuardError::PermissionsRequired);
    }
    let event = event.unwrap_or_default().to_string();
    match (origin, policy) {
        (PullRequestOrigin::Fork { head }, ForkPolicy::Refuse) => Err(GuardError::ForkRefused {
            event,
            head: head.as_deref().map(Shown::of),
        }),
        (PullRequestOrigin::Unknown { event }, ForkPolicy::Refuse) => {
            Err(GuardError::OriginUnknown {
                event: event.clone(),
            })
        }
        (PullRequestOrigin::Fork { head }, ForkPolicy::Allow) => Ok(Verdict::ForkAllowed {
            event,
            head: head.as_deref().map(Shown::of),
        }),
        _ => Ok(Verdict::Quiet),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn payload(head_id: Option<u64>, head_name: &str) -> String {
        let head = match head_id {
            Some(id) => serde_json::json!({"id": id, "full_name": head_name}),
            None => serde_json::Value::Null,
        };
        serde_json::json!({
            "pull_request": {
                "head": {"repo": head},
                "base": {"repo": {"id": 1, "full_name": "acme/repo-a"}},
            }
        })
        .to_string()
    }

    #[test]
    fn origin_from_the_event() {
        let of = |e: &str, p: &str| PullRequestOrigin::of(Some(e), Some(p));
        assert_eq!(of("push", "{}"), PullRequestOrigin::NotAPullRequest);
        assert_eq!(
            of("pull_request", &payload(Some(1), "acme/repo-a")),
            PullRequestOrigin::SameRepository
        );
        assert_eq!(
            of("pull_request_target", &payload(Some(2), "mallory/repo-a")),
            PullRequestOrigin::Fork {
                head: Some("mallory/repo-a".into())
            }
        );
        assert_eq!(
            of("pull_request_target", &payload(None, "")),
            PullRequestOrigin::Fork { head: None }
        );
        for bad in ["", "{", "[]", "{\"pull_request\": 3}"] {
            assert_eq!(
                of("pull_request", bad),
                PullRequestOrigin::Unknown {
                    event: "pull_request".into()
                },
                "{bad}"
            );
        }
        assert_eq!(
            PullRequestOrigin::of(Some("pull_request"), None),
            PullRequestOrigin::Unknown {
                event: "pull_request".into()
            }
        );
    }

    #[test]
    fn the_guardrails_decide() {
        let fork = PullRequestOrigin::Fork {
            head: Some("mallory/x".into()),
        };
        let ev = Some("pull_request_target");
        let refused = check(&fork, ForkPolicy::Refuse, false, 0, ev).unwrap_err();
        let text = refused.to_string();
        assert!(text.contains("`pull_request_target`") && text.contains("(\"mallory/x\")"));
        assert!(text.contains("set `fork-pull-requests: allow`"), "{text}");
        assert!(matches!(
            check(&fork, ForkPolicy::Allow, false, 0, ev),
            Ok(Verdict::ForkAllowed { .. })
        ));
        let same = PullRequestOrigin::SameRepository;
        assert_eq!(
            check(&same, ForkPolicy::Refuse, false, 0, ev).unwrap(),
            Verdict::Quiet
        );
        let unknown = PullRequestOrigin::Unknown {
            event: "pull_request".into(),
        };
        assert!(matches!(
            check(&unknown, ForkPolicy::Refuse, false, 0, ev),
            Err(GuardError::OriginUnknown { .. })
        ));
        assert!(matches!(
            check(&same, ForkPolicy::Allow, true, 0, ev),
            Err(GuardError::PermissionsRequired)
        ));
        assert_eq!(
            check(&same, ForkPolicy::Allow, true, 1, ev).unwrap(),
            Verdict::Quiet
        );
    }

    #[test]
    fn policy_words() {
        assert_eq!(ForkPolicy::parse(None).unwrap(), ForkPolicy::Allow);
        assert_eq!(
            ForkPolicy::parse(Some("refuse")).unwrap(),
            ForkPolicy::Refuse
        );
        let e = ForkPolicy::parse(Some("deny")).unwrap_err().to_string();
        assert!(e.contains("`allow`") && e.contains("\"deny\""), "{e}");
    }

    /// Each variant's place in the catalogue (an exhaustive match).
    fn place(e: &GuardError) -> usize {
        match e {
            GuardError::InvalidForkPolicy { .. } => 0,
            GuardError::ForkRefused { .. } => 1,
            GuardError::OriginUnknown { .. } => 2,
            GuardError::PermissionsRequired => 3,
        }
    }

    #[test]
    #[rustfmt::skip]
    fn every_guard_error_is_specific_and_actionable() {
        let event = || "pull_request_target".to_string();
        let all = [
            (GuardError::InvalidForkPolicy { value: Shown::of("deny") }, vec!["`fork-pull-requests`", "`allow`", "`refuse`", "\"deny\""]),
            (GuardError::ForkRefused { event: event(), head: Some(Shown::of("fork/repo")) }, vec!["`pull_request_target`", "(\"fork/repo\")", "`refuse`", "set `fork-pull-requests: allow`"]),
            (GuardError::OriginUnknown { event: event() }, vec!["GITHUB_EVENT_PATH", "set `fork-pull-requests: allow`"]),
            (GuardError::PermissionsRequired, vec!["`require-permissions`", "`permission-*`", "permission-contents: read"]),
        ];
        crate::catalogue::check(&all, 4, place, GuardError::title);
    }
}
