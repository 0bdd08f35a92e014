//! The action's main and post stages, run as the runner runs them, against the
//! mock GitHub API. One scenario per behaviour.

mod support;

use support::runner::{Step, assert_masked_first};
use support::{MockGithub, Scenario};

fn mock() -> MockGithub {
    MockGithub::start(Scenario::standard())
}

#[test]
fn default_scope_is_the_workflow_repository() {
    let gh = mock();
    let main = Step::new(&gh.url()).main();
    assert_eq!(main.code, 0, "{}", main.log());
    let minted = gh.minted();
    assert_eq!(minted.len(), 1);
    assert_eq!(main.output("token"), minted[0].token);
    assert_eq!(main.output("installation-id"), "1001");
    assert_eq!(main.output("app-slug"), "mock-app");
    assert_eq!(main.output("bot-name"), "mock-app[bot]");
    assert_eq!(main.output("expires-at"), minted[0].expires_at);
    assert_eq!(
        minted[0].body,
        serde_json::json!({"repositories": ["repo-a"]})
    );
    assert_eq!(gh.count("GET", "/repos/acme/repo-a/installation"), 1);
    assert_eq!(gh.requests().len(), 2, "default flow is two requests");
    assert_masked_first(&main.log(), main.output("token"));
}
