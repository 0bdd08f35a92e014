//! Just enough XML for AWS's query-protocol answers (STS results, error bodies): the text
//! of the first element with a given name. AWS's answers are flat, machine-written, and
//! their values carry no markup, so no XML crate is needed.

/// The text content of the first `<name>` element (attributes allowed), entities decoded;
/// `None` if it is missing, unterminated or contains markup.
pub(crate) fn text(xml: &str, name: &str) -> Option<String> {
    let mut from = 0;
    let start = loop {
        let at = from + xml[from..].find('<')?;
        let after = &xml[at + 1..];
        if let Some(tail) = after.strip_prefix(name) {
            match tail.chars().next() {
                Some('>') => break at + 1 + name.len() + 1,
                Some(c) if c.is_whitespace() => {
                    let close = tail.find('>')?;
                    if tail[..close].ends_with('/') {
                        return Some(String::new());
                    }
                    break at + 1 + name.len() + close + 1;
                }
                Some('/') if tail[1..].starts_with('>') => return Some(String::new()),
                _ => {}
            }
        }
        from = at + 1;
    };
    let end = start + xml[start..].find(&format!("</{name}>"))?;
    let raw = &xml[start..end];
    if raw.contains('<') {
        return None;
    }
    unescape(raw)
}

fn unescape(raw: &str) -> Option<String> {
    let mut out = String::with_capacity(raw.len());
    let mut rest = raw;
    while let Some(amp) = rest.find('&') {
        out.push_str(&rest[..amp]);
        let semi = rest[amp..].find(';')? + amp;
        let entity = &rest[amp + 1..semi];
        let c = match entity {
            "amp" => '&',
            "lt" => '<',
            "gt" => '>',
            "quot" => '"',
            "apos" => '\'',
            _ => {
                let code = if let Some(hex) = entity.strip_prefix("#x") {
                    u32::from_str_radix(hex, 16).ok()?
                } else {
                    entity.strip_prefix('#')?.parse().ok()?
                };
                char::from_u32(code)?
            }
        };
        out.push(c);
        rest = &rest[semi + 1..];
    }
    out.push_str(rest);
    Some(out)
}

#[cfg(test)]
mod tests {
    use super::text;

    #[test]
    fn finds_exact_names_only() {
        let xml = r#"<?xml version="1.0"?><R xmlns="x"><Credentials><AccessKeyIdX>no</AccessKeyIdX><AccessKeyId>ASIA1</AccessKeyId><SecretAccessKey>a&amp;b&#47;c&#x2B;</SecretAccessKey></Credentials><Empty/><Attr a="1">v</Attr></R>"#;
        assert_eq!(text(xml, "AccessKeyId").as_deref(), Some("ASIA1"));
        assert_eq!(text(xml, "SecretAccessKey").as_deref(), Some("a&b/c+"));
        assert_eq!(text(xml, "Empty").as_deref(), Some(""));
        assert_eq!(text(xml, "Attr").as_deref(), Some("v"));
        assert_eq!(text(xml, "Missing"), None);
        assert_eq!(text(xml, "Credentials"), None, "markup inside is not text");
        assert_eq!(text("<A>open", "A"), None);
        assert_eq!(text("<A>&bogus;</A>", "A"), None);
    }
}
