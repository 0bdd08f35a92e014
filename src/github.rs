//! What the API's answers mean: GitHub's error messages mapped to the
//! program's, and the small calls around the token (the app, the bot user).

use serde::Deserialize;

use crate::error::Error;
use crate::http::{Auth, Client, Method, Response};
use crate::jwt::AppJwt;

/// Percent-encodes one path segment (names are ASCII; anything else is escaped).
pub fn path_segment(s: &str) -> String {
    s.bytes()
        .map(|b| {
            if b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_' | b'.') {
                (b as char).to_string()
            } else {
                format!("%{b:02X}")
            }
        })
        .collect()
}

/// GitHub's 401 texts for a JWT, as documented.
const DECODE_FAILED: &str = "A JSON web token could not be decoded";
const NO_PUBLIC_KEY: &str = "Integration must generate a public key";

/// Maps an unexpected answer to the most specific error.
pub fn api_error(resp: &Response, action: &str) -> Error {
    let message = resp.message();
    match resp.status {
        401 if message.contains(DECODE_FAILED) => Error::KeyMismatch,
        401 if message.contains(NO_PUBLIC_KEY) => Error::NoPublicKey,
        401 if message.contains("'Issued at' claim")
            || message.contains("'Expiration time' claim") =>
        {
            Error::ClockSkew { message }
        }
        401 => Error::Unauthorized {
            action: action.to_string(),
            message,
            hint: "",
        },
        status => Error::Api {
            action: action.to_string(),
            status,
            message,
            attempts: resp.attempts_note(),
            hint: match status {
                403 => {
                    " The app may lack a permission this call needs, or an IP allow list may block the runner."
                }
                s if s >= 500 => {
                    " GitHub had a problem; retry the job later, or check https://www.githubstatus.com (or your GitHub Enterprise Server's health) and the host in `github-api-url`."
                }
                _ => "",
            },
        },
    }
}

/// The app, as `GET /app` describes it.
#[derive(Debug, Deserialize)]
pub struct App {
    /// Numeric id.
    pub id: u64,
    /// URL name.
    pub slug: String,
}

/// `GET /app`: proves the id and key belong together.
pub fn app(client: &Client, jwt: &AppJwt) -> Result<App, Error> {
    let action = "the app check (GET /app)";
    let resp = client.send(Method::Get, "/app", Auth::App(jwt), None)?;
    match resp.status {
        200 => resp.json(action),
        _ => Err(api_error(&resp, action)),
    }
}

#[derive(Deserialize)]
struct User {
    id: u64,
}

/// The bot user's id: `GET /users/<slug>[bot]`, with the fresh token.
pub fn bot_user_id(client: &Client, token: &str, slug: &str) -> Result<u64, Error> {
    let path = format!("/users/{}%5Bbot%5D", path_segment(slug));
    let action = format!("the bot user lookup (GET {path})");
    let resp = client.send(Method::Get, &path, Auth::FreshToken(token), None)?;
    match resp.status {
        200 => Ok(resp.json::<User>(&action)?.id),
        _ => Err(api_error(&resp, &action)),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn segments_are_escaped() {
        assert_eq!(path_segment("repo-a.b_c"), "repo-a.b_c");
        assert_eq!(path_segment("a/b c"), "a%2Fb%20c");
    }
}
