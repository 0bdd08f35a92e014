//! Masking what the inputs hold before anything is printed.

use super::{Kind, Raw};

/// Masks the secret inputs' values (each body line of a key, the whole of a token)
/// and the lines of any plain input that looks like a secret, so that a slip
/// anywhere later still cannot show them. Call before any other output; `mask`
/// masks one value (`report::add_mask`).
pub fn mask_secrets(raw: &Raw, mask: &dyn Fn(&str)) {
    for (row, value) in raw.iter() {
        let masked = match row.kind {
            Kind::Secret => true,
            Kind::Plain => crate::secret::looks_secret(value),
            Kind::Certificates | Kind::Name => false,
        };
        if row.kind == Kind::Secret && !value.contains('\n') {
            mask(value);
        }
        if masked {
            mask_lines(value, mask);
        }
    }
    for p in &raw.permissions {
        if crate::secret::looks_secret(&p.level) {
            mask_lines(&p.level, mask);
        }
    }
}

fn mask_lines(value: &str, mask: &dyn Fn(&str)) {
    for line in crate::key::body_lines(value) {
        mask(&line);
    }
}
