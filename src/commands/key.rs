//! `veil key`: approver keys.

use std::path::PathBuf;

use anyhow::Context;
use clap::{Args, Subcommand};
use serde::Serialize;
use veil_prover::keys::Key;

use crate::exit::{bad_input, OK};

#[derive(Debug, Subcommand)]
pub enum KeyCommand {
    /// Create a key from the operating system's CSPRNG and write it (0600) to --out.
    ///
    /// Prints the identity commitment, the only part to publish. The file is not
    /// encrypted in this version: protect it like an SSH key.
    New(NewArgs),
    /// Show a key's public parts: identity commitment and public key (never the secret).
    Show(ShowArgs),
}

#[derive(Debug, Args)]
pub struct NewArgs {
    /// Where to write the key file.
    #[arg(long)]
    out: PathBuf,
    /// Replace an existing file.
    #[arg(long)]
    force: bool,
}

#[derive(Debug, Args)]
pub struct ShowArgs {
    /// The key file.
    file: PathBuf,
    /// Print JSON (`commitment`, `public_key` as decimal strings).
    #[arg(long)]
    json: bool,
}

#[derive(Debug, Serialize)]
struct KeyReport {
    commitment: String,
    public_key: [String; 2],
}

pub fn run(c: KeyCommand) -> anyhow::Result<u8> {
    match c {
        KeyCommand::New(a) => {
            if a.out.exists() && !a.force {
                return Err(bad_input(format!("{} exists; pass --force to replace it", a.out.display())));
            }
            let key = Key::generate(&mut rand::rngs::OsRng);
            key.save(&a.out).context("writing the key")?;
            eprintln!("wrote {} (unencrypted, mode 0600)", a.out.display());
            println!("{}", key.commitment);
        },
        KeyCommand::Show(a) => {
            let key = Key::load(&a.file).map_err(bad_input)?;
            let report = KeyReport {
                commitment: key.commitment.to_string(),
                public_key: [key.public_key.x.to_string(), key.public_key.y.to_string()],
            };
            if a.json {
                println!("{}", serde_json::to_string_pretty(&report)?);
            } else {
                println!("commitment  {}", report.commitment);
                println!("public key  ({}, {})", report.public_key[0], report.public_key[1]);
            }
        },
    }
    Ok(OK)
}
