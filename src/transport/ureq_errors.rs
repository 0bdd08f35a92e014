//! ureq's errors as the program words them ([`Cause`]), quoting nothing the
//! server sent.

use super::error::Cause;

/// Describes a ureq error without quoting anything the server sent.
pub(super) fn cause(e: ureq::Error) -> Cause {
    use ureq::Error as E;
    match e {
        E::Timeout(_) => Cause::Timeout,
        E::HostNotFound => Cause::HostNotFound,
        E::ConnectionFailed => Cause::ConnectionFailed,
        E::BodyExceedsLimit(n) => Cause::TooLarge(n),
        E::Tls(msg) => Cause::Tls(msg.to_string()),
        E::Rustls(e) => Cause::Tls(e.to_string()),
        E::ConnectProxyFailed(msg) if msg.starts_with("proxy server responded 407") => {
            Cause::ProxyAuth
        }
        E::ConnectProxyFailed(msg) => Cause::ProxyRefused(msg),
        E::Io(io) => {
            // rustls reports certificate problems as InvalidData I/O errors.
            if let Some(e) = io.get_ref().and_then(|r| r.downcast_ref::<rustls::Error>()) {
                return Cause::Tls(e.to_string());
            }
            use std::io::ErrorKind as K;
            match io.kind() {
                K::ConnectionRefused => Cause::Refused,
                K::ConnectionReset | K::ConnectionAborted => Cause::Reset,
                K::UnexpectedEof => Cause::ClosedEarly,
                K::TimedOut | K::WouldBlock => Cause::Timeout,
                _ => Cause::Io(io.to_string()),
            }
        }
        E::Protocol(p) => Cause::Protocol(p.to_string()),
        other => Cause::Other(other.to_string()),
    }
}
