//! `veil key`: approver keys, encrypted at rest.

use std::{
    fs::File,
    io::{IsTerminal, Read},
    path::{Path, PathBuf},
};

use anyhow::Context;
use clap::{ArgGroup, Args, Subcommand, ValueEnum};
use serde::Serialize;
use veil_approver::keys::{self, Kdf, Key, KeySource, SourceKind};
use zeroize::Zeroizing;

use crate::{
    exit::{bad_input, input_error, OK},
    passphrase::{self, Purpose},
};

#[derive(Debug, Subcommand)]
pub enum KeyCommand {
    /// Create a key and write it, encrypted (Web3 Secret Storage v3, scrypt), 0600.
    ///
    /// By default the key comes from the operating system's CSPRNG. With --mnemonic a new
    /// BIP-39 mnemonic is made and shown once, on the terminal only: it is the backup.
    /// With --from-mnemonic the key is derived from an existing wallet mnemonic at --path
    /// (BIP-32 on secp256k1, then a domain-separated hash: the same mnemonic and path always
    /// give the same identity, different paths unlinkable ones). With --from-eth-keystore
    /// an Ethereum keystore's key is mapped the same way. With --from-semaphore a Semaphore v4
    /// identity is imported as it is, so its commitment stays the same. The passphrase comes
    /// from --passphrase-file, VEIL_PASSPHRASE, or a prompt. Prints the identity commitment.
    New(NewArgs),
    /// Show a key's public parts: identity commitment, public key, and the Ethereum address
    /// and path it was derived from (or that it was imported from Semaphore), if any. Never
    /// the secret; no passphrase needed.
    Show(ShowArgs),
    /// Print what to share with a set's administrator: the identity commitment and public
    /// key only (not the derivation source, which would link the identity to a wallet).
    ExportPublic(ExportArgs),
}

#[derive(Debug, Clone, Copy, ValueEnum)]
enum KdfArg {
    /// scrypt n = 2^18, as geth (about a second per use).
    Standard,
    /// scrypt n = 2^12: for tests and throwaway keys only.
    Light,
}

#[derive(Debug, Args)]
#[command(group(ArgGroup::new("source").args(["mnemonic", "from_mnemonic", "from_eth_keystore", "from_semaphore"])))]
pub struct NewArgs {
    /// Where to write the key file.
    #[arg(long)]
    out: PathBuf,
    /// Replace an existing file.
    #[arg(long)]
    force: bool,
    /// Create a new BIP-39 mnemonic, show it once on the terminal, and derive the key from it.
    #[arg(long)]
    mnemonic: bool,
    /// Words of the new mnemonic.
    #[arg(long, default_value_t = 24, value_parser = parse_words, requires = "mnemonic")]
    words: usize,
    /// Derive the key from the mnemonic in FILE (an existing wallet's backup).
    #[arg(long, value_name = "FILE")]
    from_mnemonic: Option<PathBuf>,
    /// The BIP-32 derivation path.
    #[arg(long, default_value = keys::DEFAULT_PATH, conflicts_with = "from_semaphore")]
    path: String,
    /// Derive the key from an Ethereum keystore (v3) file.
    #[arg(long, value_name = "FILE")]
    from_eth_keystore: Option<PathBuf>,
    /// A file holding the Ethereum keystore's passphrase (else VEIL_ETH_PASSPHRASE, else a prompt).
    #[arg(long, value_name = "FILE", requires = "from_eth_keystore")]
    eth_passphrase_file: Option<PathBuf>,
    /// Import a Semaphore v4 identity: FILE holds the text its `Identity.export()` returns
    /// (the base64 of its private key; surrounding whitespace is ignored). The key keeps the
    /// identity's commitment; the file stays a secret, so delete it once imported.
    #[arg(long, value_name = "FILE")]
    from_semaphore: Option<PathBuf>,
    /// A file holding the new key's passphrase (else VEIL_PASSPHRASE, else a prompt).
    #[arg(long, value_name = "FILE")]
    passphrase_file: Option<PathBuf>,
    /// The scrypt cost.
    #[arg(long, value_enum, default_value_t = KdfArg::Standard)]
    kdf: KdfArg,
}

fn parse_words(s: &str) -> Result<usize, String> {
    match s.parse::<usize>() {
        Ok(n @ (12 | 15 | 18 | 21 | 24)) => Ok(n),
        _ => Err("a BIP-39 mnemonic has 12, 15, 18, 21 or 24 words".into()),
    }
}

#[derive(Debug, Args)]
pub struct ShowArgs {
    /// The key file.
    file: PathBuf,
    /// Print JSON (`commitment`, `public_key` as decimal strings, `source`).
    #[arg(long)]
    json: bool,
}

#[derive(Debug, Args)]
pub struct ExportArgs {
    /// The key file.
    file: PathBuf,
}

#[derive(Debug, Serialize)]
struct PublicReport {
    commitment: String,
    public_key: [String; 2],
    #[serde(skip_serializing_if = "Option::is_none")]
    source: Option<SourceReport>,
}

#[derive(Debug, Serialize)]
struct SourceReport {
    kind: &'static str,
    #[serde(skip_serializing_if = "Option::is_none")]
    path: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    address: Option<String>,
}

fn source_report(s: &KeySource) -> SourceReport {
    SourceReport { kind: s.kind.as_str(), path: s.path.clone(), address: s.address.map(|a| a.to_checksum(None)) }
}

/// The most a Semaphore export file may hold: the export of the longest key a key file holds
/// (1024 bytes, 1368 characters), with room for whitespace around it.
const SEMAPHORE_FILE_LIMIT: usize = 4096;

/// Reads a file holding a secret into a buffer wiped on drop (allocated once, so no copy is
/// left behind), refusing one longer than `limit` bytes. Errors name the file; they are bad
/// input (exit 2), as the file is.
fn read_secret_file(path: &Path, limit: usize, what: &str) -> anyhow::Result<Zeroizing<Vec<u8>>> {
    let mut buf = Zeroizing::new(Vec::with_capacity(limit + 1));
    let limit_u64 = u64::try_from(limit).expect("a small limit");
    File::open(path)
        .and_then(|f| f.take(limit_u64 + 1).read_to_end(&mut buf))
        .map_err(|e| bad_input(format!("{}: reading {what}: {e}", path.display())))?;
    if buf.len() > limit {
        return Err(bad_input(format!("{}: more than {limit} bytes: not {what}", path.display())));
    }
    Ok(buf)
}

pub fn run(c: KeyCommand) -> anyhow::Result<u8> {
    match c {
        KeyCommand::New(a) => new(&a),
        KeyCommand::Show(a) => {
            let info = keys::read_public(&a.file).map_err(|e| input_error(&e))?;
            let report = PublicReport {
                commitment: info.commitment.to_string(),
                public_key: [info.public_key.x.to_string(), info.public_key.y.to_string()],
                source: info.source.as_ref().map(source_report),
            };
            if a.json {
                println!("{}", serde_json::to_string_pretty(&report)?);
            } else {
                println!("commitment  {}", report.commitment);
                println!("public key  ({}, {})", report.public_key[0], report.public_key[1]);
                match &report.source {
                    Some(s) if s.kind == SourceKind::Semaphore.as_str() => {
                        println!("derived     from semaphore: an imported Semaphore v4 identity");
                    }
                    Some(s) => println!(
                        "derived     from {} {}{}",
                        s.kind,
                        s.address.as_deref().unwrap_or_default(),
                        s.path.as_ref().map(|p| format!(" at {p}")).unwrap_or_default()
                    ),
                    None => println!("derived     from OS entropy"),
                }
                if !info.encrypted {
                    println!("warning     this file is not encrypted (version 1): re-create it with `veil key new`");
                }
            }
            Ok(OK)
        }
        KeyCommand::ExportPublic(a) => {
            let info = keys::read_public(&a.file).map_err(|e| input_error(&e))?;
            let report = PublicReport {
                commitment: info.commitment.to_string(),
                public_key: [info.public_key.x.to_string(), info.public_key.y.to_string()],
                source: None,
            };
            println!("{}", serde_json::to_string_pretty(&report)?);
            Ok(OK)
        }
    }
}

fn new(a: &NewArgs) -> anyhow::Result<u8> {
    if a.out.exists() && !a.force {
        return Err(bad_input(format!("{} exists; pass --force to replace it", a.out.display())));
    }
    let key = if a.mnemonic {
        // The words are the backup: shown once, on a terminal only, never in a pipe or a log.
        if !std::io::stdout().is_terminal() {
            return Err(bad_input("--mnemonic shows the new mnemonic on a terminal only; run it in one"));
        }
        let phrase = keys::new_mnemonic(&mut rand::rngs::OsRng, a.words).map_err(|e| input_error(&e))?;
        let key = Key::from_mnemonic(&phrase, "", &a.path).map_err(|e| input_error(&e))?;
        println!("Write these {} words down and keep them offline. They restore this key", a.words);
        println!("(`veil key new --from-mnemonic FILE --path {}`); anyone who sees them owns it.\n", a.path);
        println!("{}\n", phrase.as_str());
        key
    } else if let Some(file) = &a.from_mnemonic {
        let phrase = Zeroizing::new(
            std::fs::read_to_string(file).with_context(|| format!("reading the mnemonic file {}", file.display()))?,
        );
        Key::from_mnemonic(phrase.trim(), "", &a.path).map_err(|e| bad_input(format!("{}: {e}", file.display())))?
    } else if let Some(file) = &a.from_eth_keystore {
        let pass = passphrase::read(
            a.eth_passphrase_file.as_deref(),
            "VEIL_ETH_PASSPHRASE",
            Purpose::Unlock,
            "the Ethereum keystore",
        )?;
        Key::from_eth_keystore(file, pass.as_bytes()).map_err(|e| input_error(&e))?
    } else if let Some(file) = &a.from_semaphore {
        let export = read_secret_file(file, SEMAPHORE_FILE_LIMIT, "a Semaphore identity export")?;
        Key::from_semaphore_export(&export).map_err(|e| bad_input(format!("{}: {e}", file.display())))?
    } else {
        Key::generate(&mut rand::rngs::OsRng)
    };
    let pass = passphrase::read(a.passphrase_file.as_deref(), passphrase::ENV, Purpose::New, "the new key")?;
    let kdf = match a.kdf {
        KdfArg::Standard => Kdf::Standard,
        KdfArg::Light => Kdf::Light,
    };
    key.save(&a.out, pass.as_bytes(), kdf, a.force).context("writing the key")?;
    eprintln!("wrote {} (encrypted, mode 0600)", a.out.display());
    println!("{}", key.commitment);
    Ok(OK)
}
