//! Test support for the error catalogues: each error type lists every variant once
//! with sample details, and an exhaustive `match` gives each variant its place, so
//! the compiler says when a new variant is missing from its catalogue.

use std::fmt;

/// Checks a catalogue of `count` variants: each variant (by `place`, from an
/// exhaustive `match`) listed once; each message a sentence with no unfilled field
/// that says everything `must` lists; each with a title.
pub fn check<E: fmt::Display + fmt::Debug>(
    all: &[(E, Vec<&str>)],
    count: usize,
    place: impl Fn(&E) -> usize,
    title: impl Fn(&E) -> &'static str,
) {
    let mut places: Vec<usize> = all.iter().map(|(e, _)| place(e)).collect();
    places.sort_unstable();
    assert_eq!(places, (0..count).collect::<Vec<_>>(), "every variant once");
    for (e, must) in all {
        let msg = e.to_string();
        assert!(!title(e).is_empty(), "{e:?}: a title");
        for m in must {
            assert!(msg.contains(m), "{e:?}: {m:?} missing from: {msg}");
        }
        assert!(msg.ends_with(['.', '?']), "{e:?}: a sentence: {msg}");
        assert!(
            !msg.contains('{') || msg.contains("${{"),
            "{e:?}: unfilled field: {msg}"
        );
    }
}
