//! Where passphrases come from, in order: a `--passphrase-file`, the `VEIL_PASSPHRASE`
//! variable (the path for batch jobs), or a prompt on the terminal without echo. Never from
//! a flag's value (it would show in `ps` and shell history).

use std::{io::IsTerminal, path::Path};

use anyhow::Context;
use zeroize::Zeroizing;

use crate::exit::bad_input;

/// What the passphrase is for.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Purpose {
    /// Encrypting a new key file: a prompt asks twice.
    New,
    /// Unlocking an existing file.
    Unlock,
}

/// The environment variable read when no file is given.
pub const ENV: &str = "VEIL_PASSPHRASE";

/// Reads a passphrase for `what` (named in the prompt and in errors).
pub fn read(file: Option<&Path>, env: &str, purpose: Purpose, what: &str) -> anyhow::Result<Zeroizing<String>> {
    if let Some(path) = file {
        let mut text = Zeroizing::new(
            std::fs::read_to_string(path).with_context(|| format!("reading the passphrase file {}", path.display()))?,
        );
        // One trailing newline is the file's, not the passphrase's.
        if text.ends_with('\n') {
            text.pop();
            if text.ends_with('\r') {
                text.pop();
            }
        }
        return non_empty(text, &format!("the passphrase file {}", path.display()));
    }
    if let Ok(v) = std::env::var(env) {
        return non_empty(Zeroizing::new(v), env);
    }
    if !std::io::stdin().is_terminal() || !std::io::stderr().is_terminal() {
        return Err(bad_input(format!(
            "{what} needs a passphrase: pass --passphrase-file FILE or set {env} (no terminal to ask on)"
        )));
    }
    let first = Zeroizing::new(
        rpassword::prompt_password(format!("Passphrase for {what}: ")).context("reading the passphrase")?,
    );
    if purpose == Purpose::New {
        let again = Zeroizing::new(rpassword::prompt_password("Repeat it: ").context("reading the passphrase")?);
        if *again != *first {
            return Err(bad_input("the two passphrases differ"));
        }
    }
    non_empty(first, "the passphrase")
}

fn non_empty(p: Zeroizing<String>, source: &str) -> anyhow::Result<Zeroizing<String>> {
    if p.is_empty() {
        Err(bad_input(format!("{source} is empty")))
    } else {
        Ok(p)
    }
}
