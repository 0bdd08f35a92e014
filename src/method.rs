//! The HTTP methods the program sends, to GitHub and to key services alike.

use std::fmt;

/// An HTTP method the program uses.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Method {
    /// Reads: lookups, public keys, the OIDC token.
    Get,
    /// POST, with a body: minting, signing, logins, STS.
    Post,
    /// Revocation.
    Delete,
}

impl Method {
    /// The method as HTTP writes it.
    pub fn as_str(self) -> &'static str {
        match self {
            Method::Get => "GET",
            Method::Post => "POST",
            Method::Delete => "DELETE",
        }
    }
}

impl fmt::Display for Method {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}
