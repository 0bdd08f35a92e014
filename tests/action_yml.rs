//! action.yml must declare exactly the inputs and outputs the program uses.
//!
//! The runner passes every *declared* input to the container as `INPUT_<NAME>` (and warns
//! about undeclared `with:` keys), so an input the program reads but action.yml does not
//! declare can never be set, and a declared input the program ignores is silently dropped.
//!
//! action.yml is read with a small line-based parser (no YAML crate): top-level keys at
//! column 0, entries of `inputs:`/`outputs:`/`runs:` at two spaces, their properties at four.

use std::collections::BTreeSet;
use std::path::PathBuf;
use testkit::action_yml::{ActionYml, parse_action_yml};

// What the program reads and writes, taken from the program itself.

/// Permission names (snake_case, as in the REST API) the program accepts.
fn program_permissions() -> Vec<String> {
    app_token_action::permissions::PERMISSIONS
        .iter()
        .map(|(name, _)| name.to_string())
        .collect()
}

/// Every input the program reads, as declared in action.yml (kebab-case).
fn program_inputs() -> Vec<String> {
    let mut inputs: Vec<String> = app_token_action::inputs::INPUTS
        .iter()
        .map(|s| s.name.to_string())
        .collect();
    inputs.extend(permission_inputs(&program_permissions()));
    inputs
}

/// Every output the program writes to `$GITHUB_OUTPUT` (in some mode).
fn program_outputs() -> Vec<String> {
    app_token_action::action::OUTPUTS
        .iter()
        .map(|s| s.to_string())
        .collect()
}

/// The program's permission list matches the shared copy of GitHub's schema.
#[test]
fn permissions_match_the_shared_schema() {
    let path = repo_root().join("tests/fixtures/app-permissions.json");
    let text = std::fs::read_to_string(&path).expect("app-permissions.json");
    let json: serde_json::Value = serde_json::from_str(&text).expect("valid JSON");
    let schema = json["permissions"].as_object().expect("permissions object");
    let program = app_token_action::permissions::PERMISSIONS;
    assert_eq!(schema.len(), program.len());
    for (name, levels) in program {
        let expected: Vec<&str> = schema[*name]
            .as_array()
            .expect("levels")
            .iter()
            .map(|v| v.as_str().expect("level"))
            .collect();
        assert_eq!(&expected, levels, "{name}");
    }
}

fn permission_inputs(permissions: &[String]) -> Vec<String> {
    permissions
        .iter()
        .map(|p| format!("permission-{}", p.replace('_', "-")))
        .collect()
}

fn repo_root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

fn action_yml() -> ActionYml {
    testkit::action_yml::read_action_yml(&repo_root())
}

fn set(items: impl IntoIterator<Item = String>) -> BTreeSet<String> {
    items.into_iter().collect()
}

fn assert_same(what: &str, declared: &BTreeSet<String>, program: &BTreeSet<String>) {
    let missing: Vec<_> = program.difference(declared).collect();
    let extra: Vec<_> = declared.difference(program).collect();
    assert!(
        missing.is_empty() && extra.is_empty(),
        "{what}: used by the program but not declared in action.yml: {missing:?}; \
         declared in action.yml but not used by the program: {extra:?}"
    );
}

fn no_duplicates(what: &str, order: &[String]) {
    let mut seen = BTreeSet::new();
    for k in order {
        assert!(seen.insert(k), "{what} `{k}` declared twice in action.yml");
    }
}

#[test]
fn every_input_the_program_reads_is_declared_and_vice_versa() {
    let yml = action_yml();
    no_duplicates("input", &yml.input_order);
    assert_same(
        "inputs",
        &set(yml.inputs.keys().cloned()),
        &set(program_inputs()),
    );
}

#[test]
fn permission_inputs_match_the_permission_list() {
    let yml = action_yml();
    let declared = set(yml
        .inputs
        .keys()
        .filter(|k| k.starts_with("permission-"))
        .cloned());
    let program = set(permission_inputs(&program_permissions()));
    assert_same("permission inputs", &declared, &program);
    for name in &declared {
        let props = &yml.inputs[name];
        assert!(
            !props.contains_key("default"),
            "{name} must have no default (unset = not requested)"
        );
        assert_ne!(props.get("required").map(String::as_str), Some("true"));
    }
}

#[test]
fn outputs_match_the_program_outputs() {
    let yml = action_yml();
    no_duplicates("output", &yml.output_order);
    assert_same(
        "outputs",
        &set(yml.outputs.keys().cloned()),
        &set(program_outputs()),
    );
}

#[test]
fn inputs_and_outputs_have_descriptions() {
    let yml = action_yml();
    for (kind, block) in [("input", &yml.inputs), ("output", &yml.outputs)] {
        for (name, props) in block {
            let d = props.get("description").map(String::as_str).unwrap_or("");
            assert!(!d.is_empty(), "{kind} `{name}` has no description");
        }
    }
}

#[test]
fn defaults_and_required_match_upstream() {
    let yml = action_yml();
    let prop = |input: &str, key: &str| -> Option<String> {
        yml.inputs
            .get(input)
            .unwrap_or_else(|| panic!("input `{input}` missing"))
            .get(key)
            .cloned()
    };
    // Upstream requires private-key; here `kms-key` may take its place, so the
    // program checks that exactly one of the two is set.
    assert_eq!(prop("private-key", "required").as_deref(), Some("false"));
    for flag in ["skip-token-revoke", "bot-identity", "check"] {
        assert_eq!(prop(flag, "default").as_deref(), Some("false"), "{flag}");
    }
    assert_eq!(
        prop("github-api-url", "default").as_deref(),
        Some("${{ github.api_url }}")
    );
    let deprecation = prop("app-id", "deprecationMessage").unwrap_or_default();
    assert!(
        deprecation.contains("client-id"),
        "app-id's deprecationMessage must point to client-id: {deprecation:?}"
    );
    // The runner does not enforce `required`; the program checks (client-id or
    // app-id, private-key or kms-key: one of each pair).
    for (name, props) in &yml.inputs {
        assert_ne!(
            props.get("required").map(String::as_str),
            Some("true"),
            "{name}"
        );
    }
}

#[test]
fn metadata_is_present() {
    let yml = action_yml();
    for key in ["name", "description", "author"] {
        assert!(
            yml.top.get(key).is_some_and(|v| !v.is_empty()),
            "action.yml needs `{key}`"
        );
    }
    assert!(
        action_text().lines().any(|l| l == "branding:"),
        "action.yml needs `branding`"
    );
}

fn action_text() -> String {
    std::fs::read_to_string(repo_root().join("action.yml")).unwrap()
}

#[test]
fn runs_as_a_docker_action_with_a_post_entrypoint() {
    let yml = action_yml();
    assert_eq!(yml.runs.get("using").map(String::as_str), Some("docker"));
    assert_eq!(
        yml.runs.get("image").map(String::as_str),
        Some("Dockerfile")
    );
    let post = yml
        .runs
        .get("post-entrypoint")
        .expect("runs.post-entrypoint (the post step revokes the token)");
    // The program tells the stages apart by argv[0]'s file name.
    assert!(
        post.starts_with('/') && post.rsplit('/').next() == Some("post"),
        "post-entrypoint must be an absolute path whose file name is `post`: {post:?}"
    );
    // main uses the image ENTRYPOINT: no `runs.entrypoint`, no `runs.args`.
    assert!(!yml.runs.contains_key("entrypoint"));
    assert!(!yml.runs.contains_key("args"));
}

#[test]
fn parser_handles_the_shapes_used() {
    let yml = parse_action_yml(
        "name: \"N\"\ninputs:\n  # c\n  a-b:\n    description: 'x: y'\n    default: ${{ github.api_url }}\n  c:\n    required: true # why\noutputs:\n  o:\n    description: d\nruns:\n  using: \"docker\"\n",
    );
    assert_eq!(yml.top["name"], "N");
    assert_eq!(yml.inputs["a-b"]["description"], "x: y");
    assert_eq!(yml.inputs["a-b"]["default"], "${{ github.api_url }}");
    assert_eq!(yml.inputs["c"]["required"], "true");
    assert_eq!(yml.outputs["o"]["description"], "d");
    assert_eq!(yml.runs["using"], "docker");
}
