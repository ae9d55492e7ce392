//! `veil sign`: an approver's signature on an intent, for a Threshold proof.

use std::path::PathBuf;

use clap::Args;
use veil_approver::{intent::Intent, keys::Key, signature::SignedIntent};

use crate::{
    exit::{input_error, OK},
    passphrase::{self, Purpose},
};

#[derive(Debug, Args)]
pub struct SignArgs {
    /// The approver's key file.
    #[arg(long)]
    key: PathBuf,
    /// A file holding the key's passphrase (else VEIL_PASSPHRASE, else a prompt).
    #[arg(long, value_name = "FILE")]
    passphrase_file: Option<PathBuf>,
    /// The intent file.
    #[arg(long)]
    intent: PathBuf,
    /// Where to write the signature (public key, signature, intent; nothing secret).
    #[arg(long)]
    out: PathBuf,
}

pub fn run(a: &SignArgs) -> anyhow::Result<u8> {
    let intent = Intent::load(&a.intent).map_err(|e| input_error(&e))?;
    let pass =
        passphrase::read(a.passphrase_file.as_deref(), passphrase::ENV, Purpose::Unlock, &a.key.display().to_string())?;
    let key = Key::load(&a.key, pass.as_bytes()).map_err(|e| input_error(&e))?;
    drop(pass);
    let signed = SignedIntent::sign(&key, &intent);
    signed.save(&a.out)?;
    eprintln!("wrote {}", a.out.display());
    println!("{}", signed.commitment());
    Ok(OK)
}
