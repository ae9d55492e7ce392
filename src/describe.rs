//! How the libraries' refusals read on the command line: the files they are about, named.

use std::path::{Path, PathBuf};

use veil_approver::witness::WitnessError;

/// Where the documents of a witness came from, to name them in errors.
pub struct Sources<'a> {
    key: Option<&'a Path>,
    set: &'a Path,
    intent: &'a str,
    signatures: &'a [PathBuf],
}

impl<'a> Sources<'a> {
    pub fn approval(key: &'a Path, set: &'a Path) -> Self {
        Self { key: Some(key), set, intent: "", signatures: &[] }
    }

    pub fn threshold(set: &'a Path, intent: &'a str, signatures: &'a [PathBuf]) -> Self {
        Self { key: None, set, intent, signatures }
    }
}

/// A witness refusal with the files it is about.
pub fn describe(e: &WitnessError, src: &Sources<'_>) -> String {
    let sig = |i: usize| src.signatures.get(i).map_or_else(|| format!("signature {i}"), |p| p.display().to_string());
    let set = src.set.display();
    match e {
        WitnessError::NotAMember => {
            let key = src.key.map_or_else(|| "the key".into(), |k| k.display().to_string());
            format!("{key}: the key's commitment is not a member of {set}")
        }
        WitnessError::ZeroSecret => {
            let key = src.key.map_or_else(|| "the key".into(), |k| k.display().to_string());
            format!("{key}: the key's secret scalar is 0, so its public key is the identity, which cannot approve")
        }
        WitnessError::EmptySet => format!("{set}: the set is empty"),
        WitnessError::Set(e) => format!("{set}: {e}"),
        WitnessError::Depth { depth, source } => format!("{set} does not fit the key's depth {depth}: {source}"),
        WitnessError::OtherIntent { index } => format!("{}: signs something other than {}", sig(*index), src.intent),
        WitnessError::SameSigner { first, second } => {
            format!("{} and {}: the same signer twice", sig(*first), sig(*second))
        }
        WitnessError::SignerNotAMember { index } => format!("{}: the signer is not a member of {set}", sig(*index)),
        WitnessError::Threshold { k, signatures } => format!("--threshold {k}: {signatures} valid signatures given"),
        WitnessError::Circuit(e) => e.to_string(),
    }
}
