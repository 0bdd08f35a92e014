//! The process environment: the one function that reads it, and the type through
//! which the rest of the code reads variables (so tests pass a map instead).

/// Reads an environment variable; empty counts as unset (as the runner and the SDKs treat it).
pub type Env<'a> = &'a dyn Fn(&str) -> Option<String>;

/// An environment variable of this process that is set and not blank.
pub fn var(name: &str) -> Option<String> {
    std::env::var(name).ok().filter(|v| !v.trim().is_empty())
}

/// An environment variable of this process as it is set, blank or not.
pub fn raw(name: &str) -> Option<String> {
    std::env::var(name).ok()
}

/// Every variable of this process; a value that is not UTF-8 cannot be any of ours,
/// so it stays visible as lossy text.
pub fn all() -> impl Iterator<Item = (String, String)> {
    std::env::vars_os()
        .filter_map(|(k, v)| Some((k.into_string().ok()?, v.to_string_lossy().into_owned())))
}
