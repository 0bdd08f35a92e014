//! A line-based reader for action.yml (no YAML crate).
//! Top-level keys at column 0, entries of `inputs:`/`outputs:`/`runs:` at two spaces, their
//! properties at four spaces; comments and blank lines ignored; values unquoted.

use std::collections::BTreeMap;
use std::path::Path;

/// One top-level block of action.yml: entry name -> (property -> unquoted value).
pub type Block = BTreeMap<String, BTreeMap<String, String>>;

/// What the reader found in an action.yml.
pub struct ActionYml {
    /// Top-level scalars (`name`, `description`, `author`).
    pub top: BTreeMap<String, String>,
    /// `inputs:` entries and their properties.
    pub inputs: Block,
    /// `outputs:` entries and their properties.
    pub outputs: Block,
    /// `runs:` properties (`using`, `image`, `post-entrypoint`, ...).
    pub runs: BTreeMap<String, String>,
    /// Entry names in file order, to detect duplicates.
    pub input_order: Vec<String>,
    /// Output names in file order, to detect duplicates.
    pub output_order: Vec<String>,
}

fn unquote(v: &str) -> String {
    let v = v.trim();
    // A trailing comment on an unquoted value.
    let v = if !v.starts_with(['"', '\'']) {
        v.split(" #").next().unwrap_or(v).trim()
    } else {
        v
    };
    for q in ['"', '\''] {
        if v.len() >= 2 && v.starts_with(q) && v.ends_with(q) {
            return v[1..v.len() - 1].to_string();
        }
    }
    v.to_string()
}

fn split_key(line: &str) -> Option<(String, String)> {
    let (k, v) = line.split_once(':')?;
    Some((k.trim().to_string(), unquote(v)))
}

/// Reads action.yml's text (see the module doc for the shape it accepts).
pub fn parse_action_yml(text: &str) -> ActionYml {
    let mut yml = ActionYml {
        top: BTreeMap::new(),
        inputs: Block::new(),
        outputs: Block::new(),
        runs: BTreeMap::new(),
        input_order: Vec::new(),
        output_order: Vec::new(),
    };
    let mut section = String::new();
    let mut entry: Option<String> = None;
    for (n, raw) in text.lines().enumerate() {
        let trimmed = raw.trim_start();
        if trimmed.is_empty() || trimmed.starts_with('#') {
            continue;
        }
        assert!(!raw.contains('\t'), "action.yml:{}: tab character", n + 1);
        let indent = raw.len() - trimmed.len();
        match indent {
            0 => {
                let (k, v) = split_key(raw)
                    .unwrap_or_else(|| panic!("action.yml:{}: expected `key:`", n + 1));
                section = k.clone();
                entry = None;
                if !v.is_empty() {
                    yml.top.insert(k, v);
                }
            }
            2 => {
                let (k, v) = split_key(raw)
                    .unwrap_or_else(|| panic!("action.yml:{}: expected `key:`", n + 1));
                match section.as_str() {
                    "inputs" | "outputs" => {
                        assert!(v.is_empty(), "action.yml:{}: `{k}` needs properties", n + 1);
                        let (block, order) = if section == "inputs" {
                            (&mut yml.inputs, &mut yml.input_order)
                        } else {
                            (&mut yml.outputs, &mut yml.output_order)
                        };
                        block.entry(k.clone()).or_default();
                        order.push(k.clone());
                        entry = Some(k);
                    }
                    "runs" => {
                        yml.runs.insert(k, v);
                    }
                    _ => {}
                }
            }
            4 => {
                if let (Some(e), "inputs" | "outputs") = (&entry, section.as_str()) {
                    let (k, v) = split_key(raw)
                        .unwrap_or_else(|| panic!("action.yml:{}: expected `key:`", n + 1));
                    let block = if section == "inputs" {
                        &mut yml.inputs
                    } else {
                        &mut yml.outputs
                    };
                    block.get_mut(e).unwrap().insert(k, v);
                }
            }
            _ => {}
        }
    }
    yml
}

/// Reads and parses `<dir>/action.yml`.
pub fn read_action_yml(dir: &Path) -> ActionYml {
    let path = dir.join("action.yml");
    let text = std::fs::read_to_string(&path)
        .unwrap_or_else(|e| panic!("cannot read {}: {e}", path.display()));
    parse_action_yml(&text)
}
