//! `veil sign`: an approver's signature on what a set authorizes (an intent, a user
//! operation, an ERC-1271 message), for a Threshold proof.

use std::path::{Path, PathBuf};

use clap::Args;
use veil_approver::{
    intent::Intent,
    keys::Key,
    message::Message,
    signature::{SignedIntent, Subject},
    userop::UserOperation,
};

use crate::{
    exit::{input_error, OK},
    passphrase::{self, Purpose},
};

#[derive(Debug, Args)]
#[command(group = clap::ArgGroup::new("subject").required(true).args(["intent", "userop", "message"]))]
pub struct SignArgs {
    /// The approver's key file.
    #[arg(long)]
    key: PathBuf,
    /// A file holding the key's passphrase (else VEIL_PASSPHRASE, else a prompt).
    #[arg(long, value_name = "FILE")]
    passphrase_file: Option<PathBuf>,
    /// The intent file (`veil intent new`).
    #[arg(long)]
    intent: Option<PathBuf>,
    /// A user-operation file (`veil userop new`): signs the operation and its window.
    #[arg(long)]
    userop: Option<PathBuf>,
    /// A message file (`veil message new`): signs an ERC-1271 message for its account.
    #[arg(long)]
    message: Option<PathBuf>,
    /// Where to write the signature (public key, signature, what was signed; nothing secret).
    #[arg(long)]
    out: PathBuf,
}

/// The subject of a signature from its file: an intent, a user operation or a message
/// (exactly one path given).
pub fn subject(
    intent: Option<&Path>,
    userop: Option<&Path>,
    message: Option<&Path>,
) -> anyhow::Result<(Subject, PathBuf)> {
    Ok(match (intent, userop, message) {
        (Some(p), _, _) => (Subject::Intent(Intent::load(p).map_err(|e| input_error(&e))?), p.to_owned()),
        (_, Some(p), _) => (Subject::from(&UserOperation::load(p).map_err(|e| input_error(&e))?), p.to_owned()),
        (_, _, Some(p)) => (Subject::Message(Message::load(p).map_err(|e| input_error(&e))?), p.to_owned()),
        _ => unreachable!("clap requires one"),
    })
}

pub fn run(a: &SignArgs) -> anyhow::Result<u8> {
    let (subject, _) = subject(a.intent.as_deref(), a.userop.as_deref(), a.message.as_deref())?;
    let pass =
        passphrase::read(a.passphrase_file.as_deref(), passphrase::ENV, Purpose::Unlock, &a.key.display().to_string())?;
    let key = Key::load(&a.key, pass.as_bytes()).map_err(|e| input_error(&e))?;
    drop(pass);
    let signed = SignedIntent::sign(&key, subject);
    signed.save(&a.out)?;
    eprintln!("wrote {} (signing {})", a.out.display(), signed.subject.noun());
    println!("{}", signed.commitment());
    Ok(OK)
}
