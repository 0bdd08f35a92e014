//! The wire: redirects, proxies, dates and numbers in headers, malformed answers.
