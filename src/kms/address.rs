//! The key services' addresses: one builder (a base URL and a path under it, a query or
//! form of percent-encoded pairs, an endpoint given as a host) and one percent-encoder,
//! so no service joins, splits or encodes a URL by hand. Which base is allowed (https, or
//! plain http to this machine) is [`crate::url::ServiceUrl`]'s to say.

/// Percent-encodes all but RFC 3986's unreserved characters: right for query values,
/// form bodies and SigV4's canonical query alike.
pub fn percent_encode(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for b in s.bytes() {
        if b.is_ascii_alphanumeric() || b"-_.~".contains(&b) {
            out.push(char::from(b));
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

/// `name=value&…`, each value percent-encoded (the names are fixed ASCII): a query or an
/// `application/x-www-form-urlencoded` body.
pub fn form(pairs: &[(&str, &str)]) -> String {
    pairs
        .iter()
        .map(|(k, v)| format!("{k}={}", percent_encode(v)))
        .collect::<Vec<_>>()
        .join("&")
}

/// `base` and `path` joined by exactly one `/`, whether or not `base` ends in one.
pub fn join(base: &str, path: &str) -> String {
    format!(
        "{}/{}",
        base.trim_end_matches('/'),
        path.trim_start_matches('/')
    )
}

/// `scheme://authority/…` from an endpoint given as `host[:port]` (https) or as a URL,
/// with a path of at least `/` (as the AWS SDKs read `AWS_ENDPOINT_URL`).
pub fn endpoint(endpoint: &str) -> String {
    let url = if endpoint.contains("://") {
        endpoint.to_string()
    } else {
        format!("https://{endpoint}")
    };
    if url
        .split_once("://")
        .is_some_and(|(_, rest)| rest.contains('/'))
    {
        url
    } else {
        format!("{url}/")
    }
}

/// `(authority, path, query)` of an absolute `http(s)` URL, the authority lower-cased and
/// the default port dropped as HTTP clients drop it from `Host` (what SigV4 signs).
pub fn parts(url: &str) -> (String, &str, &str) {
    let (scheme, rest) = url.split_once("://").unwrap_or(("https", url));
    let end = rest.find(['/', '?']).unwrap_or(rest.len());
    let authority = &rest[..end];
    let (path_query, _) = rest[end..].split_once('#').unwrap_or((&rest[end..], ""));
    let (path, query) = path_query.split_once('?').unwrap_or((path_query, ""));
    let default = if scheme.eq_ignore_ascii_case("http") {
        ":80"
    } else {
        ":443"
    };
    let authority = authority.strip_suffix(default).unwrap_or(authority);
    (authority.to_ascii_lowercase(), path, query)
}

/// `url` with its query parameter `name` replaced by `value` (percent-encoded), or only
/// removed when `value` is `None`; the other parameters and any fragment kept in place.
pub fn with_param(url: &str, name: &str, value: Option<&str>) -> String {
    let (base, fragment) = url.split_once('#').unwrap_or((url, ""));
    let (path, query) = base.split_once('?').unwrap_or((base, ""));
    let mut params: Vec<String> = query
        .split('&')
        .filter(|p| !p.is_empty() && p.split('=').next() != Some(name))
        .map(str::to_string)
        .collect();
    if let Some(v) = value {
        params.push(form(&[(name, v)]));
    }
    let mut out = path.to_string();
    if !params.is_empty() {
        out = format!("{out}?{}", params.join("&"));
    }
    if !fragment.is_empty() {
        out = format!("{out}#{fragment}");
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn encodes_all_but_unreserved() {
        assert_eq!(percent_encode("aZ9-_.~"), "aZ9-_.~");
        assert_eq!(percent_encode("a b/c:é"), "a%20b%2Fc%3A%C3%A9");
        assert_eq!(form(&[("a", "1 2"), ("b", "x&y")]), "a=1%202&b=x%26y");
    }

    #[test]
    fn joins_with_one_slash() {
        assert_eq!(join("http://h:1/", "/v1/token"), "http://h:1/v1/token");
        assert_eq!(join("http://h:1", "v1/token"), "http://h:1/v1/token");
    }

    #[test]
    fn endpoints_become_urls() {
        assert_eq!(endpoint("localhost:4566"), "https://localhost:4566/");
        assert_eq!(endpoint("http://127.0.0.1:1"), "http://127.0.0.1:1/");
        assert_eq!(endpoint("http://h/p"), "http://h/p");
    }

    #[test]
    fn parts_drop_the_default_port() {
        assert_eq!(
            parts("https://KMS.example:443/a?b=1#f"),
            ("kms.example".to_string(), "/a", "b=1")
        );
        assert_eq!(parts("http://h:80"), ("h".to_string(), "", ""));
        assert_eq!(parts("http://h:8080/"), ("h:8080".to_string(), "/", ""));
    }

    #[test]
    fn a_param_is_replaced_not_repeated() {
        assert_eq!(
            with_param(
                "https://r/t?api-version=2.0&audience=old#x",
                "audience",
                Some("a b")
            ),
            "https://r/t?api-version=2.0&audience=a%20b#x"
        );
        assert_eq!(
            with_param("https://r/t?audience=old", "audience", None),
            "https://r/t"
        );
    }
}
