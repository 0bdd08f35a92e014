//! What a hostile or broken server can make the action do: each case runs the
//! real binary the way the runner does against a server that answers badly on
//! purpose, and asserts that the exit is 0 or 1, a failure is one `::error`,
//! the runner reads no command but the program's own, no request reaches
//! another host, and no secret reaches any output.

mod keys;
mod text;
mod wire;
