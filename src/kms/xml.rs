//! AWS's query-protocol answers (STS results, error bodies), read with `quick-xml`: the
//! text of the first element with each given name. Character and entity references are
//! decoded as XML defines them, so what they decode to is checked by the caller (a
//! credential may not hold a control character however it was written).

use quick_xml::Reader;
use quick_xml::events::Event;

/// The text of the first element named `names[i]` (by local name, namespaces ignored),
/// references decoded; `None` if it is missing, empty, holds markup, uses an entity XML
/// does not predefine, or the document is not well-formed before it closes.
pub(crate) fn texts<const N: usize>(xml: &str, names: &[&str; N]) -> [Option<String>; N] {
    let mut found: [Option<String>; N] = std::array::from_fn(|_| None);
    let mut reader = Reader::from_str(xml);
    // The element being read: its index in `names` and its text so far.
    let mut current: Option<(usize, String)> = None;
    loop {
        match reader.read_event() {
            Ok(Event::Start(e)) => {
                // Markup inside the element: not a text value.
                if current.take().is_some() {
                    continue;
                }
                let local = e.local_name();
                current = names
                    .iter()
                    .position(|n| *n == local.as_ref())
                    .filter(|&i| found[i].is_none())
                    .map(|i| (i, String::new()));
            }
            Ok(Event::Text(t)) => {
                if let Some((_, buf)) = &mut current {
                    buf.push_str(&t.xml10_content());
                }
            }
            Ok(Event::CData(c)) => {
                if let Some((_, buf)) = &mut current {
                    buf.push_str(&c.xml10_content());
                }
            }
            Ok(Event::GeneralRef(r)) => {
                if let Some((_, buf)) = &mut current {
                    match reference(&r) {
                        Some(c) => buf.push(c),
                        None => current = None,
                    }
                }
            }
            Ok(Event::End(_)) => {
                if let Some((i, buf)) = current.take() {
                    found[i] = Some(buf).filter(|b| !b.is_empty());
                }
            }
            Ok(Event::Eof) | Err(_) => break,
            Ok(_) => {}
        }
    }
    found
}

/// A character reference, or one of the five entities XML predefines.
fn reference(r: &quick_xml::events::BytesRef<'_>) -> Option<char> {
    if let Ok(Some(c)) = r.resolve_char_ref() {
        return Some(c);
    }
    match r.as_ref() {
        "amp" => Some('&'),
        "lt" => Some('<'),
        "gt" => Some('>'),
        "quot" => Some('"'),
        "apos" => Some('\''),
        _ => None,
    }
}

/// The text of the first `<name>` element, as [`texts`] reads it.
pub(crate) fn text(xml: &str, name: &str) -> Option<String> {
    let [found] = texts(xml, &[name]);
    found
}

#[cfg(test)]
mod tests {
    use super::{text, texts};

    #[test]
    fn finds_exact_names_only() {
        let xml = r#"<?xml version="1.0"?><R xmlns="x"><Credentials><AccessKeyIdX>no</AccessKeyIdX><AccessKeyId>ASIA1</AccessKeyId><SecretAccessKey>a&amp;b&#47;c&#x2B;</SecretAccessKey></Credentials><Empty/><Attr a="1">v</Attr></R>"#;
        assert_eq!(text(xml, "AccessKeyId").as_deref(), Some("ASIA1"));
        assert_eq!(text(xml, "SecretAccessKey").as_deref(), Some("a&b/c+"));
        assert_eq!(text(xml, "Empty"), None);
        assert_eq!(text(xml, "Attr").as_deref(), Some("v"));
        assert_eq!(text(xml, "Missing"), None);
        assert_eq!(text(xml, "Credentials"), None, "markup inside is not text");
        assert_eq!(text("<A>open", "A"), None);
        assert_eq!(text("<A>&bogus;</A>", "A"), None);
        let [a, b] = texts(
            "<x:R xmlns:x='u'><x:A>1</x:A><B><![CDATA[<2>]]></B></x:R>",
            &["A", "B"],
        );
        assert_eq!((a.as_deref(), b.as_deref()), (Some("1"), Some("<2>")));
    }

    #[test]
    fn references_decode_to_what_they_name() {
        // Decoded faithfully, control characters included: the caller refuses them.
        assert_eq!(
            text("<A>x&#10;y&#x1b;</A>", "A").as_deref(),
            Some("x\ny\u{1b}")
        );
        assert_eq!(text("<A>&#0;</A>", "A"), None);
    }
}
