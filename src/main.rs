//! `veil`: zero-knowledge private authorization from the command line.
//!
//! Exit codes are documented in [`exit`]: 0 success, 1 failure, 2 usage or bad input, 75
//! transient (batch, chain commands: retry).
#![forbid(unsafe_code)]

mod commands;
mod describe;
mod exit;
mod passphrase;

use std::process::ExitCode;

use clap::{Parser, Subcommand};

/// Prove, in zero knowledge, that keys committed in an approver set authorized a
/// transaction intent (Groth16 over BN254).
///
/// A typical flow: `veil key new`, `veil set new`, `veil intent new`, `veil setup approval`,
/// `veil prove approval`, `veil verify`. Logs go to stderr; set VEIL_LOG (e.g.
/// `VEIL_LOG=debug`) for more. Exit codes: 0 success, 1 failure (for verify: invalid proof;
/// on a chain: refused), 2 usage or bad input, 75 transient (batch, chain commands: retry).
#[derive(Debug, Parser)]
#[command(name = "veil", version, about, long_about)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Show the size of a circuit (constraints, public inputs, witness variables), or a proving
    /// key's header and provenance (`veil info key`).
    #[command(subcommand)]
    Info(commands::info::InfoCommand),
    /// Create and inspect approver keys.
    #[command(subcommand)]
    Key(commands::key::KeyCommand),
    /// Create and edit approver sets (Lean IMTs of identity commitments, as Semaphore groups).
    #[command(subcommand)]
    Set(commands::set::SetCommand),
    /// Create transaction intents (EIP-712 `VeilIntent`).
    #[command(subcommand)]
    Intent(commands::intent::IntentCommand),
    /// Signing policies: check, compile, explain an intent against, and update a policy file
    /// (which keys may call which functions, up to which value, after which delay, with how
    /// many co-signers).
    #[command(subcommand)]
    Policy(commands::policy::PolicyCommand),
    /// Generate proving and verifying keys for a circuit (development setup).
    #[command(subcommand)]
    Setup(commands::setup::SetupCommand),
    /// Prove a statement.
    #[command(subcommand)]
    Prove(commands::prove::ProveCommand),
    /// Sign an intent with an approver key, for a Threshold proof (writes a signature file).
    Sign(commands::sign::SignArgs),
    /// Verify a proof (exit 0 valid, 1 invalid, 2 bad input).
    Verify(commands::verify::VerifyArgs),
    /// Precompute a proving key's fixed-base MSM tables and store them beside it
    /// (DIR/proving_key.tables).
    ///
    /// `veil prove` and `veil batch` then read them instead of running variable-base MSMs:
    /// about 30–40% faster proofs, for more memory and disk (40 MiB at Approval depth 20,
    /// 365 MiB at Threshold K_MAX 8). Every proof made from tables is verified before it is
    /// written; a damaged file only costs the speed-up.
    Tables(commands::tables::TablesArgs),
    /// Run a multi-party trusted setup (phase 2 over Perpetual Powers of Tau) whose
    /// transcript snarkjs verifies too: init, contribute, beacon, verify, finalize.
    #[command(subcommand)]
    Ceremony(commands::ceremony::CeremonyCommand),
    /// Deploy the Approval and Threshold verifiers and a VeilAccount over JSON-RPC, and write
    /// a deployment record. Exit codes: 0 done, 1 refused by the chain, 2 bad input, 75
    /// transient (node unreachable, timeout: safe to retry).
    Deploy(commands::chain::DeployArgs),
    /// Submit an intent with its proof to a deployed account (checked locally first).
    #[command(subcommand)]
    Submit(commands::chain::SubmitCommand),
    /// Inspect a deployed account.
    #[command(subcommand)]
    Account(commands::chain::AccountCommand),
    /// ERC-4337 user operations of ERC-7579 accounts whose VeilValidator holds the set:
    /// build, prove from the members' signatures, send to the EntryPoint or a bundler.
    #[command(subcommand)]
    Userop(commands::chain::UserOpCommand),
    /// ERC-1271 signatures of ERC-7579 accounts whose VeilValidator holds the set: a message
    /// (EIP-712 typed data) bound to the account, its proof, the account's answer on chain.
    #[command(subcommand)]
    Message(commands::chain::MessageCommand),
    /// Export proofs in other encodings.
    #[command(subcommand)]
    Export(commands::export::ExportCommand),
    /// Prove many requests from JSON lines: parallel, resumable, shardable.
    ///
    /// Exit codes: 0 every request proven; 1 done, but some requests have error records
    /// (re-running will not change them); 2 bad flags or proving key (do not retry);
    /// 75 interrupted or transient failure (retry: re-running resumes).
    Batch(commands::batch::BatchArgs),
    /// Print the gas of every on-chain entry point (both verifiers next to the EIP-1108 floor
    /// and snarkjs's verifier, VeilAccount's execute/approve/executeQueued), measured in an
    /// in-memory EVM. Needs `npm ci --prefix scripts` (the pinned solc).
    Gas(commands::gas::GasArgs),
    /// Run the whole story on an in-memory chain: keys, a set, setups, a 3-of-5 Threshold
    /// proof and three Approval proofs paying from a VeilAccount, and refused replays.
    /// Needs `npm ci --prefix scripts` (the pinned solc).
    Demo(commands::demo::DemoArgs),
}

fn main() -> ExitCode {
    let cli = match Cli::try_parse() {
        Ok(cli) => cli,
        Err(e) => {
            let code = if e.use_stderr() { exit::BAD_INPUT } else { exit::OK };
            let _ = e.print();
            return ExitCode::from(code);
        }
    };
    init_logging();
    match run(cli) {
        Ok(code) => ExitCode::from(code),
        Err(e) => {
            tracing::debug!(error = ?e, "command failed");
            eprintln!("error: {e:#}");
            let code = commands::chain::code_for(&e).or_else(|| commands::batch::code_for(&e));
            ExitCode::from(code.unwrap_or_else(|| exit::code_for(&e)))
        }
    }
}

fn init_logging() {
    use tracing_subscriber::EnvFilter;
    let spec = std::env::var("VEIL_LOG").unwrap_or_default();
    let mut filter =
        EnvFilter::try_new(if spec.is_empty() { "warn" } else { &spec }).unwrap_or_else(|_| EnvFilter::new("warn"));
    // arkworks opens a span per gadget and constraint under the target "gr1cs": tracing them
    // slows proving fifty-fold, so they stay off unless asked for by name.
    if !spec.contains("gr1cs") {
        filter = filter.add_directive("gr1cs=off".parse().expect("a valid directive"));
    }
    let _ = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr)
        .with_ansi(std::io::IsTerminal::is_terminal(&std::io::stderr()))
        .try_init();
}

fn run(cli: Cli) -> anyhow::Result<u8> {
    match cli.command {
        Command::Info(c) => commands::info::run(c),
        Command::Key(c) => commands::key::run(c),
        Command::Set(c) => commands::set::run(c),
        Command::Intent(c) => commands::intent::run(c),
        Command::Policy(c) => commands::policy::run(c),
        Command::Setup(c) => commands::setup::run(c),
        Command::Prove(c) => commands::prove::run(c),
        Command::Verify(a) => commands::verify::run(&a),
        Command::Sign(a) => commands::sign::run(&a),
        Command::Tables(a) => commands::tables::run(&a),
        Command::Ceremony(c) => commands::ceremony::run(c),
        Command::Export(c) => commands::export::run(c),
        Command::Deploy(a) => commands::chain::deploy(&a),
        Command::Submit(c) => commands::chain::submit(c),
        Command::Userop(c) => commands::chain::userop(c),
        Command::Message(c) => commands::chain::message(c),
        Command::Account(c) => commands::chain::account(c),
        Command::Batch(a) => commands::batch::run(&a),
        Command::Gas(a) => commands::gas::run(&a),
        Command::Demo(a) => commands::demo::run(&a),
    }
}
