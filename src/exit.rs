//! Exit codes and the error kinds that choose them.
//!
//! | code | meaning |
//! | --- | --- |
//! | 0 | success (for `verify`: the proof is valid) |
//! | 1 | failure: the operation ran and failed (an invalid proof, an I/O error, an unsatisfied statement) |
//! | 2 | usage or bad input: unknown flags, out-of-range values, malformed or mismatched files |
//! | 75 | transient (`veil batch`; chain commands: the node unreachable, a timeout): retry |
//! | 130 | interrupted (SIGINT) |

use std::fmt;

/// Success.
pub const OK: u8 = 0;
/// The operation failed.
pub const FAILURE: u8 = 1;
/// Bad usage or bad input.
pub const BAD_INPUT: u8 = 2;

/// Marks an error as caused by the user's input (exit code 2): attach it with
/// `.context(BadInput)` or build it with [`bad_input`].
#[derive(Debug, Clone, Copy)]
pub struct BadInput;

impl fmt::Display for BadInput {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("bad input")
    }
}

/// An error caused by the user's input, with its message.
pub fn bad_input(message: impl fmt::Display) -> anyhow::Error {
    anyhow::Error::new(InputError(message.to_string()))
}

/// A bad-input error from an error value: its message and every cause under it, joined by
/// `: ` (what `{:#}` prints for an `anyhow` chain), so that the file and the field a nested
/// error names reach the user.
pub fn input_error<E: std::error::Error + ?Sized>(e: &E) -> anyhow::Error {
    let mut message = e.to_string();
    let mut cause = e.source();
    while let Some(c) = cause {
        let text = c.to_string();
        // A wrapper whose message already ends with its cause's (`{source}` in its
        // format) is not repeated.
        if !message.ends_with(&text) {
            message.push_str(": ");
            message.push_str(&text);
        }
        cause = c.source();
    }
    bad_input(message)
}

/// A bad-input error carrying its own message.
#[derive(Debug)]
pub struct InputError(pub String);

impl fmt::Display for InputError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::error::Error for InputError {}

/// The exit code for an error: 2 when any cause in its chain is bad input, else 1.
pub fn code_for(e: &anyhow::Error) -> u8 {
    let bad = e.chain().any(|c| c.is::<InputError>()) || e.downcast_ref::<BadInput>().is_some();
    if bad {
        BAD_INPUT
    } else {
        FAILURE
    }
}
