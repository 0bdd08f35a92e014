//! The `permission-*` inputs, each checked against GitHub's list of permissions.

use std::collections::BTreeMap;

use crate::inputs::RawPermission;
use crate::inputs::error::InputError;
use crate::permissions::{self, Problem, Verdict};
use crate::secret::Shown;

/// The permissions to request, and the names sent although not in the known list.
pub(super) type Checked = (BTreeMap<String, String>, Vec<String>);

/// Checks each permission's name and level.
pub(super) fn check_permissions(raw: &[RawPermission]) -> Result<Checked, InputError> {
    let mut map = BTreeMap::new();
    let mut unknown = Vec::new();
    for p in raw {
        let level = p.level.trim();
        if level.is_empty() {
            continue;
        }
        match permissions::check(&p.name, level) {
            Ok(Verdict::Known) => {}
            Ok(Verdict::Unknown) => unknown.push(p.name.clone()),
            Err(Problem::Level { accepted }) => {
                return Err(InputError::PermissionLevel {
                    input: p.input.clone(),
                    name: p.name.clone(),
                    level: Shown::of(level),
                    accepted,
                });
            }
            Err(Problem::Typo { suggestion }) => {
                return Err(InputError::PermissionTypo {
                    given: p.input.clone(),
                    suggestion,
                });
            }
        }
        map.insert(p.name.clone(), level.to_string());
    }
    Ok((map, unknown))
}
