//! `veil deploy`, `veil submit` and `veil account`: the contracts on a real chain, over
//! JSON-RPC (veil-chain, alloy).

use std::path::{Path, PathBuf};

use alloy::signers::local::PrivateKeySigner;
use alloy_primitives::{Address, U256};
use alloy_sol_types::{SolCall, SolConstructor, SolEvent};
use anyhow::Context;
use clap::{Args, Subcommand};
use veil_approver::intent::Intent;
use veil_chain::{
    record::{self, Record},
    ChainError, Client, Mined,
};
use veil_prover::{
    snarkjs::{public_from_json, ProofJson, VerificationKeyJson},
    VerifyingKey,
};
use veil_verifier_contract::{
    account::VeilAccount,
    harness::{proof_words, sol_intent},
    solc::{Solc, EVM_VERSION, OPTIMIZER_RUNS},
};

use super::read_json;
use crate::exit::{bad_input, input_error, FAILURE, OK};

mod message;
mod policy;
mod safe;
mod userop;
mod validator;

pub use message::{run as message, MessageCommand};
pub use userop::{run as userop, UserOpCommand};

/// Exit code for a transient failure (the node unreachable, a timeout): retrying is safe.
pub const RETRY: u8 = 75;

/// Where the node is.
#[derive(Debug, Clone, Args)]
pub struct RpcArgs {
    /// The node's JSON-RPC URL.
    #[arg(long, env = "ETH_RPC_URL", value_name = "URL")]
    rpc_url: String,
}

/// Who signs: an Ethereum keystore or a file holding a private key (never a secret on the
/// command line).
#[derive(Debug, Clone, Args)]
#[group(id = "signer", multiple = true)]
pub struct SignerArgs {
    /// An Ethereum keystore (Web3 Secret Storage v3), unlocked with --passphrase-file,
    /// VEIL_PASSPHRASE or a prompt.
    #[arg(long, value_name = "FILE", conflicts_with = "private_key_file")]
    keystore: Option<PathBuf>,
    /// A file holding the sender's private key (hex, 0x-prefixed or not).
    #[arg(long, value_name = "FILE", conflicts_with = "mnemonic_file")]
    private_key_file: Option<PathBuf>,
    /// A file holding a BIP-39 mnemonic; the sender is the wallet account at --mnemonic-path.
    #[arg(long, value_name = "FILE", conflicts_with = "keystore")]
    mnemonic_file: Option<PathBuf>,
    /// The BIP-32 path of the sender in --mnemonic-file.
    #[arg(long, default_value = "m/44'/60'/0'/0/0", requires = "mnemonic_file")]
    mnemonic_path: String,
    /// The keystore's passphrase, from a file.
    #[arg(long, value_name = "FILE")]
    passphrase_file: Option<PathBuf>,
}

impl SignerArgs {
    pub fn signer(&self) -> anyhow::Result<PrivateKeySigner> {
        if let Some(path) = &self.private_key_file {
            let text = zeroize::Zeroizing::new(
                std::fs::read_to_string(path).with_context(|| format!("reading {}", path.display()))?,
            );
            let hex = text.trim().trim_start_matches("0x");
            return hex
                .parse::<PrivateKeySigner>()
                .map_err(|_| bad_input(format!("{}: not a 32-byte hex private key", path.display())));
        }
        if let Some(path) = &self.keystore {
            let pass = crate::passphrase::read(
                self.passphrase_file.as_deref(),
                crate::passphrase::ENV,
                crate::passphrase::Purpose::Unlock,
                &format!("the keystore {}", path.display()),
            )?;
            return PrivateKeySigner::decrypt_keystore(path, pass.as_bytes())
                .map_err(|e| bad_input(format!("{}: cannot unlock the keystore ({e})", path.display())));
        }
        if let Some(path) = &self.mnemonic_file {
            let phrase = zeroize::Zeroizing::new(
                std::fs::read_to_string(path).with_context(|| format!("reading {}", path.display()))?,
            );
            let secret = veil_approver::keys::wallet_key_from_mnemonic(phrase.trim(), "", &self.mnemonic_path)
                .map_err(|e| bad_input(format!("{}: {e}", path.display())))?;
            let bytes = zeroize::Zeroizing::new(secret.to_bytes());
            return PrivateKeySigner::from_bytes(&alloy_primitives::B256::from_slice(&bytes[..]))
                .map_err(|e| bad_input(format!("{}: not a usable key ({e})", path.display())));
        }
        Err(bad_input("a signer is needed: --keystore FILE, --private-key-file FILE or --mnemonic-file FILE"))
    }
}

/// Connects, mapping errors to the CLI's exit codes.
fn connect(rpc: &RpcArgs, signer: Option<PrivateKeySigner>) -> anyhow::Result<Client> {
    Client::connect(&rpc.rpc_url, signer).map_err(chain_error)
}

/// A chain error as the CLI reports it: bad input for a bad URL; the rest carries its kind
/// (see [`code_for`]).
fn chain_error(e: ChainError) -> anyhow::Error {
    match e {
        ChainError::BadUrl(_) => bad_input(e),
        e => anyhow::Error::new(e),
    }
}

/// The exit code of a failed chain command: 75 transient, 2 bad input, 1 otherwise.
pub fn code_for(e: &anyhow::Error) -> Option<u8> {
    e.chain().find_map(|c| c.downcast_ref::<ChainError>()).map(|c| if c.is_transient() { RETRY } else { FAILURE })
}

/// The chain id of the node at `url` and `account`'s nonce there (for `veil intent new`).
pub fn chain_id_and_nonce(url: &str, account: Address) -> anyhow::Result<(u64, U256)> {
    let client = Client::connect(url, None).map_err(chain_error)?;
    if !client.has_code(account).map_err(chain_error)? {
        return Err(bad_input(format!(
            "--account {account}: no contract at that address on chain {}",
            client.chain_id
        )));
    }
    let nonce = client.read(account, &VeilAccount::nonceCall {}).map_err(chain_error)?;
    Ok((client.chain_id, nonce))
}

#[derive(Debug, Args)]
pub struct DeployArgs {
    #[command(flatten)]
    rpc: RpcArgs,
    #[command(flatten)]
    signer: SignerArgs,
    /// Deploy an Approval verifier for this verifying key (verification_key.json).
    #[arg(long, value_name = "FILE")]
    approval_vk: Option<PathBuf>,
    /// Deploy a Threshold verifier for this verifying key (verification_key.json).
    #[arg(long, value_name = "FILE")]
    threshold_vk: Option<PathBuf>,
    /// Reuse the verifiers of this earlier record (same chain, their code checked) for those
    /// not given by --approval-vk / --threshold-vk.
    #[arg(long, value_name = "RECORD")]
    verifiers_from: Option<PathBuf>,
    /// Deploy no account: only the verifiers given (an account can use them later with
    /// --verifiers-from).
    #[arg(long, conflicts_with_all = ["root", "threshold"])]
    no_account: bool,
    /// The approver set's root (decimal), as `veil set root` prints it.
    #[arg(long, required_unless_present_any = ["no_account", "policy_vk", "validator"])]
    root: Option<String>,
    /// How many distinct members must approve.
    #[arg(long, value_parser = clap::value_parser!(u64).range(1..), required_unless_present_any = ["no_account", "policy_vk", "validator"])]
    threshold: Option<u64>,
    /// Deploy an ERC-7579 validator module instead of an account (VeilValidator: ERC-4337
    /// user operations and ERC-1271 signatures of smart accounts authorized by Threshold
    /// proofs). One deployment serves every account; each installs it with its own set
    /// (`installModule(1, validator, abi.encode(root, threshold))`, printed when --root and
    /// --threshold are given). Needs --threshold-vk or --verifiers-from.
    #[arg(long, conflicts_with_all = ["safe", "policy_vk", "no_account", "approval_vk", "fund", "delay"])]
    validator: bool,
    /// Deploy a Safe module for this Safe instead of an account (VeilSafeModule: the Safe's
    /// funds move on the set's proofs once its owners enable the module, with the same
    /// rules as an account). Needs both verifiers, --root and --threshold as an account.
    #[arg(long, value_name = "SAFE", conflicts_with_all = ["no_account", "fund", "policy_vk"])]
    safe: Option<Address>,
    /// Enable the module in the Safe right away: a Safe transaction signed by these owners'
    /// keys (files holding a private key; as many as the Safe's threshold), sent by the
    /// deployer. Without it, `veil deploy` prints the transaction the owners must make.
    #[arg(long, value_name = "FILE", requires = "safe")]
    enable_with: Vec<PathBuf>,
    /// Let the set's intents make the Safe DELEGATECALL (an intent calling the module's
    /// `delegate(to, data)`): the delegated code runs in the Safe's own storage, so only for
    /// a set trusted that far. Off by default: the module makes CALLs only.
    #[arg(long, requires = "safe")]
    allow_delegatecall: bool,
    /// Deploy a policy account instead (VeilPolicyAccount, with a Policy verifier for this
    /// verifying key), holding the auth root of --auth.
    #[arg(long, value_name = "FILE", requires = "auth", conflicts_with_all = ["approval_vk", "threshold_vk", "verifiers_from", "no_account", "root", "threshold", "delay"])]
    policy_vk: Option<PathBuf>,
    /// The compiled policy's public auth file (`veil policy compile`: DIR/auth.json): the
    /// auth root and the chain; the account it names must be the address this deployment
    /// creates (the deployer's next nonce but one; `--dry-run` prints it).
    #[arg(long, value_name = "FILE", requires = "policy_vk")]
    auth: Option<PathBuf>,
    /// The time-lock, in seconds, between authorization and execution.
    #[arg(long, default_value_t = 0)]
    delay: u64,
    /// Wei to send to the account with its deployment.
    #[arg(long, default_value = "0")]
    fund: U256,
    /// The deployment record to write (JSON).
    #[arg(long)]
    out: PathBuf,
    /// Print what would be sent and the estimated gas; send nothing, write nothing.
    #[arg(long)]
    dry_run: bool,
    /// Replace an existing record of the same chain.
    #[arg(long)]
    force: bool,
}

/// An existing record at --out must be of this chain, and is replaced only with --force (or
/// left alone by a dry run).
fn check_out(a: &DeployArgs, client: &Client) -> anyhow::Result<()> {
    if a.out.exists() {
        let old = read_record(&a.out)?;
        same_chain(&a.out, &old, client)?;
        if !a.force && !a.dry_run {
            return Err(bad_input(format!("{} exists (--force replaces it)", a.out.display())));
        }
    }
    Ok(())
}

/// The pinned solc, and the record's description of it and its settings.
fn compiler() -> anyhow::Result<(Solc, String)> {
    let solc = Solc::locate().context("the pinned solc")?;
    let version = solc.version().context("solc's version")?;
    Ok((solc, format!("solc {version} (optimizer runs {OPTIMIZER_RUNS}, via IR, evm {EVM_VERSION})")))
}

fn read_vk(path: &Path) -> anyhow::Result<VerifyingKey> {
    let json: VerificationKeyJson = read_json(path, "verifying key")?;
    (&json).try_into().map_err(|e| bad_input(format!("{}: {e}", path.display())))
}

fn vk_hash(vk: &VerifyingKey) -> String {
    hex::encode(veil_ceremony::manifest::vk_hash(vk))
}

fn write_record(path: &Path, r: &Record) -> anyhow::Result<()> {
    let json = serde_json::to_string_pretty(r).expect("a record serializes");
    veil_fs::write_atomic(path, format!("{json}\n").as_bytes(), false)
        .with_context(|| format!("writing {}", path.display()))
}

fn read_record(path: &Path) -> anyhow::Result<Record> {
    let text = std::fs::read_to_string(path).with_context(|| format!("reading {}", path.display()))?;
    let r: Record = serde_json::from_str(&text)
        .map_err(|e| bad_input(format!("{}: not a deployment record ({e})", path.display())))?;
    if r.format != record::FORMAT || r.version != 1 {
        return Err(bad_input(format!("{}: not a version-1 {} record", path.display(), record::FORMAT)));
    }
    Ok(r)
}

fn same_chain(path: &Path, r: &Record, client: &Client) -> anyhow::Result<()> {
    if r.chain_id != client.chain_id {
        return Err(bad_input(format!(
            "{}: the record is for chain {}, the node is chain {}",
            path.display(),
            r.chain_id,
            client.chain_id
        )));
    }
    Ok(())
}

fn print_mined(what: &str, m: &Mined) {
    println!("{what}: tx {} (gas {})", m.hash, m.gas_used);
    for e in &m.events {
        println!("  {e}");
    }
}

/// Verifiers reused from the record at `path`: of the node's chain, with code there.
fn check_reused(
    path: &Path,
    r: &Record,
    client: &Client,
    verifiers: &[&Option<record::Verifier>],
) -> anyhow::Result<()> {
    same_chain(path, r, client)?;
    for v in verifiers.iter().copied().flatten() {
        if !client.has_code(v.address).map_err(chain_error)? {
            return Err(bad_input(format!(
                "{}: no contract at {} on chain {}",
                path.display(),
                v.address,
                client.chain_id
            )));
        }
    }
    Ok(())
}

/// The validator given (`--validator`), or the one of the record `--deployment` (`veil
/// deploy --validator`).
fn validator_of(given: Option<Address>, deployment: Option<&Path>) -> anyhow::Result<Option<Address>> {
    match (given, deployment) {
        (Some(v), _) => Ok(Some(v)),
        (None, Some(path)) => Ok(Some(
            read_record(path)?
                .validator
                .ok_or_else(|| bad_input(format!("{}: no validator in the record", path.display())))?
                .address,
        )),
        (None, None) => Ok(None),
    }
}

/// `--root`: a canonical decimal below r (a root can be nothing else).
fn root_arg(a: &DeployArgs) -> anyhow::Result<Option<U256>> {
    a.root
        .as_deref()
        .map(|r| {
            veil_circuits::field::parse::<veil_circuits::Fr>(r).map_err(|e| bad_input(format!("--root: {e}")))?;
            let n = veil_circuits::field::parse_u256(r).map_err(|e| bad_input(format!("--root: {e}")))?;
            Ok(U256::from_limbs(n.0))
        })
        .transpose()
}

/// The Solidity verifier of `vk` named `name` (the record's compiler compiles it).
fn render(vk: &VerifyingKey, name: &str, description: &str) -> anyhow::Result<String> {
    use veil_verifier_contract::render::{render_verifier, KeyProvenance, VerifierOptions};
    let options = VerifierOptions {
        contract_name: name.to_owned(),
        description: description.to_owned(),
        provenance: KeyProvenance::Unknown,
    };
    render_verifier(vk, &options).map_err(|e| anyhow::anyhow!("rendering {name}: {e}"))
}

pub fn deploy(a: &DeployArgs) -> anyhow::Result<u8> {
    if let (Some(vk), Some(auth)) = (&a.policy_vk, &a.auth) {
        return policy::deploy(a, vk, auth);
    }
    if a.validator {
        return validator::deploy(a);
    }
    use veil_verifier_contract::harness::{APPROVAL_VERIFIER, THRESHOLD_VERIFIER};
    let root = root_arg(a)?;
    let approval_vk = a.approval_vk.as_deref().map(read_vk).transpose()?;
    let threshold_vk = a.threshold_vk.as_deref().map(read_vk).transpose()?;
    let reuse = a.verifiers_from.as_deref().map(read_record).transpose()?;
    let reused = |pick: fn(&Record) -> &Option<record::Verifier>| reuse.as_ref().and_then(|r| pick(r).clone());
    let (reuse_approval, reuse_threshold) = (
        if approval_vk.is_none() { reused(|r| &r.approval_verifier) } else { None },
        if threshold_vk.is_none() { reused(|r| &r.threshold_verifier) } else { None },
    );
    if !a.no_account
        && (approval_vk.is_none() && reuse_approval.is_none() || threshold_vk.is_none() && reuse_threshold.is_none())
    {
        return Err(bad_input(
            "an account needs both verifiers: give --approval-vk and --threshold-vk, or --verifiers-from RECORD (or --no-account)",
        ));
    }
    if a.no_account && approval_vk.is_none() && threshold_vk.is_none() {
        return Err(bad_input("nothing to deploy: --no-account with neither --approval-vk nor --threshold-vk"));
    }
    let signer = a.signer.signer()?;
    let client = connect(&a.rpc, Some(signer))?;
    if let (Some(path), Some(r)) = (&a.verifiers_from, &reuse) {
        check_reused(path, r, &client, &[&reuse_approval, &reuse_threshold])?;
    }
    check_out(a, &client)?;
    let owners = a.safe.map(|safe| safe::owner_keys(a, &client, safe)).transpose()?;
    let (solc, compiler) = compiler()?;
    // Render the verifiers asked for and compile them with the account.
    let (account_name, account_source) = match a.safe {
        Some(_) => ("VeilSafeModule", veil_verifier_contract::safe::SOURCE),
        None => ("VeilAccount", veil_verifier_contract::account::SOURCE),
    };
    let mut sources: Vec<(String, String)> = vec![(format!("{account_name}.sol"), account_source.to_owned())];
    if let Some(vk) = &approval_vk {
        sources.push(("ApprovalVerifier.sol".into(), render(vk, APPROVAL_VERIFIER, "veil Approval")?));
    }
    if let Some(vk) = &threshold_vk {
        sources.push(("ThresholdVerifier.sol".into(), render(vk, THRESHOLD_VERIFIER, "veil Threshold")?));
    }
    let refs: Vec<(&str, &str)> = sources.iter().map(|(n, c)| (n.as_str(), c.as_str())).collect();
    let mut compiled = solc.compile(&refs).context("compiling the contracts")?;
    let mut take = |name: &str| compiled.remove(name).map(|a| a.bytecode);
    let account_code = take(account_name).with_context(|| format!("solc did not return {account_name}"))?;
    let account_args = |tv: Address, av: Address, root: U256, threshold: u64| match a.safe {
        Some(safe) => veil_verifier_contract::safe::VeilSafeModule::constructorCall {
            safe_: safe,
            thresholdVerifier_: tv,
            approvalVerifier_: av,
            root_: root,
            threshold_: U256::from(threshold),
            delay_: a.delay,
            allowDelegateCall_: a.allow_delegatecall,
        }
        .abi_encode(),
        None => VeilAccount::constructorCall {
            thresholdVerifier_: tv,
            approvalVerifier_: av,
            root_: root,
            threshold_: U256::from(threshold),
            delay_: a.delay,
        }
        .abi_encode(),
    };
    let approval_code = approval_vk.as_ref().and_then(|_| take(APPROVAL_VERIFIER));
    let threshold_code = threshold_vk.as_ref().and_then(|_| take(THRESHOLD_VERIFIER));
    let from = client.from().expect("a signer");
    if a.dry_run {
        use alloy::{network::TransactionBuilder, rpc::types::TransactionRequest};
        for (name, code) in [("ApprovalVerifier", &approval_code), ("ThresholdVerifier", &threshold_code)] {
            if let Some(code) = code {
                let gas = client
                    .estimate(&TransactionRequest::default().with_deploy_code(code.clone()))
                    .map_err(chain_error)?;
                println!("would deploy {name}: {} bytes, estimated gas {gas}", code.len());
            }
        }
        if let (Some(root), Some(threshold)) = (root, a.threshold) {
            // The constructor only stores the verifiers' addresses: the ones the two
            // deployments before it would get serve for the estimate.
            let n = client.nonce(from).map_err(chain_error)?;
            let mut next = (0..).map(|i| from.create(n + i));
            let av = reuse_approval.as_ref().map_or_else(|| next.next().expect("endless"), |v| v.address);
            let tv = reuse_threshold.as_ref().map_or_else(|| next.next().expect("endless"), |v| v.address);
            let args = account_args(tv, av, root, threshold);
            let mut code = account_code.clone();
            code.extend_from_slice(&args);
            let gas = client
                .estimate(&TransactionRequest::default().with_deploy_code(code).with_value(a.fund))
                .map_err(chain_error)?;
            println!(
                "would deploy {account_name}: {} bytes, estimated gas {gas}, root {root}, threshold {threshold}, delay {} s, funded with {} wei, from {from} on chain {}",
                account_code.len(),
                a.delay,
                a.fund,
                client.chain_id
            );
        }
        return Ok(OK);
    }
    let mut rec = Record::new(client.chain_id, from, compiler);
    rec.approval_verifier = reuse_approval.clone();
    rec.threshold_verifier = reuse_threshold.clone();
    let deploy_verifier = |name: &str, code: &[u8], vk: &VerifyingKey| -> anyhow::Result<record::Verifier> {
        let m = client.deploy(code, &[], U256::ZERO).map_err(chain_error)?;
        print_mined(name, &m);
        Ok(record::Verifier {
            address: m.created.expect("created"),
            tx: m.hash,
            gas_used: m.gas_used,
            vk_hash: vk_hash(vk),
        })
    };
    if let (Some(code), Some(vk)) = (&approval_code, &approval_vk) {
        rec.approval_verifier = Some(deploy_verifier("ApprovalVerifier", code, vk)?);
        write_record(&a.out, &rec)?;
    }
    if let (Some(code), Some(vk)) = (&threshold_code, &threshold_vk) {
        rec.threshold_verifier = Some(deploy_verifier("ThresholdVerifier", code, vk)?);
        write_record(&a.out, &rec)?;
    }
    let (Some(root), Some(threshold)) = (root, a.threshold) else {
        eprintln!("wrote {} (chain {}; verifiers only)", a.out.display(), client.chain_id);
        return Ok(OK);
    };
    let (av, tv) =
        (rec.approval_verifier.as_ref().expect("set").address, rec.threshold_verifier.as_ref().expect("set").address);
    let args = account_args(tv, av, root, threshold);
    let m = client.deploy(&account_code, &args, a.fund).map_err(chain_error)?;
    print_mined(account_name, &m);
    let account = m.created.expect("created");
    if let (Some(safe), Some(owners)) = (a.safe, owners) {
        rec.safe_module = Some(record::SafeModule {
            address: account,
            tx: m.hash,
            gas_used: m.gas_used,
            safe,
            threshold_verifier: tv,
            approval_verifier: av,
            root,
            threshold,
            delay: a.delay,
            enabled_by: None,
        });
        write_record(&a.out, &rec)?;
        return safe::enable(a, &client, rec, safe, account, &owners);
    }
    rec.account = Some(record::Account {
        address: account,
        tx: m.hash,
        gas_used: m.gas_used,
        threshold_verifier: tv,
        approval_verifier: av,
        root,
        threshold,
        delay: a.delay,
        funded: a.fund,
    });
    write_record(&a.out, &rec)?;
    eprintln!("wrote {} (chain {})", a.out.display(), client.chain_id);
    println!("account {account}");
    Ok(OK)
}

#[derive(Debug, Subcommand)]
pub enum AccountCommand {
    /// Print an account's root, threshold, nonce, delay, epoch, balance and queued intents.
    Show(ShowArgs),
}

#[derive(Debug, Args)]
pub struct ShowArgs {
    #[command(flatten)]
    rpc: RpcArgs,
    /// The deployment record.
    #[arg(long)]
    deployment: PathBuf,
    /// With a validator's record (`veil deploy --validator`): the ERC-7579 account to show
    /// (its set in the validator, whether the account has the module installed, its
    /// balance and its EntryPoint nonce under the validator's key).
    #[arg(long)]
    account: Option<Address>,
    /// With --account: the EntryPoint the account uses.
    #[arg(long, default_value = userop::ENTRY_POINT_V08, requires = "account")]
    entry_point: Address,
}

pub fn account(c: AccountCommand) -> anyhow::Result<u8> {
    let AccountCommand::Show(a) = c;
    let rec = read_record(&a.deployment)?;
    let client = connect(&a.rpc, None)?;
    same_chain(&a.deployment, &rec, &client)?;
    if let Some(v) = &rec.validator {
        let Some(account) = a.account else {
            return Err(bad_input(format!(
                "{}: a validator serves many accounts: name one with --account",
                a.deployment.display()
            )));
        };
        return validator::show(&client, v.address, account, a.entry_point);
    }
    let (account, epoch) = if let Some(p) = &rec.policy_account {
        (p.address, policy::show(&client, p.address)?)
    } else {
        // A VeilAccount, or a Safe module (the same views; the funds are the Safe's).
        let (account, holder) = match (&rec.account, &rec.safe_module) {
            (Some(acc), _) => (acc.address, acc.address),
            (None, Some(m)) => (m.address, m.safe),
            (None, None) => return Err(bad_input(format!("{}: no account in the record", a.deployment.display()))),
        };
        let read = |c: &dyn Fn(&Client) -> Result<U256, ChainError>| c(&client).map_err(chain_error);
        let root = read(&|c| c.read(account, &VeilAccount::rootCall {}))?;
        let threshold = read(&|c| c.read(account, &VeilAccount::thresholdCall {}))?;
        let nonce = read(&|c| c.read(account, &VeilAccount::nonceCall {}))?;
        let epoch = read(&|c| c.read(account, &VeilAccount::epochCall {}))?;
        let delay = client.read(account, &VeilAccount::delayCall {}).map_err(chain_error)?;
        let balance = client.balance(holder).map_err(chain_error)?;
        if holder == account {
            println!("account   {account} (chain {})", client.chain_id);
        } else {
            let enabled = client
                .read(holder, &veil_verifier_contract::safe::ISafeAdmin::isModuleEnabledCall { module: account })
                .map_err(chain_error)?;
            println!("module    {account} (chain {})", client.chain_id);
            println!("safe      {holder} (module {})", if enabled { "enabled" } else { "NOT enabled" });
        }
        println!("root      {root}");
        println!("threshold {threshold}");
        println!("nonce     {nonce}");
        println!("delay     {delay} s");
        println!("epoch     {epoch}");
        println!("balance   {balance} wei");
        (account, epoch)
    };
    let now = client.timestamp().map_err(chain_error)?;
    let mut queued: Vec<(alloy_primitives::B256, U256, U256)> = Vec::new();
    for log in client.account_logs(account).map_err(chain_error)? {
        let topic = log.topics().first().copied();
        if topic == Some(VeilAccount::Queued::SIGNATURE_HASH) {
            if let Ok(q) = VeilAccount::Queued::decode_log_data(log.data()) {
                queued.push((q.digest, q.eta, q.epoch));
            }
        } else if topic == Some(VeilAccount::Executed::SIGNATURE_HASH) {
            if let Ok(x) = VeilAccount::Executed::decode_log_data(log.data()) {
                queued.retain(|(d, ..)| *d != x.digest);
            }
        } else if topic == Some(VeilAccount::Cancelled::SIGNATURE_HASH) {
            if let Ok(x) = VeilAccount::Cancelled::decode_log_data(log.data()) {
                queued.retain(|(d, ..)| *d != x.digest);
            }
        }
    }
    if queued.is_empty() {
        println!("queued    none");
    }
    for (digest, eta, q_epoch) in queued {
        let state = if q_epoch != epoch {
            format!("void (queued before a {} change)", if rec.policy_account.is_some() { "policy" } else { "set" })
        } else if U256::from(now) >= eta {
            "executable now".to_owned()
        } else {
            format!("executable in {} s", eta - U256::from(now))
        };
        println!("queued    {digest}: eta {eta}, epoch {q_epoch}, {state}");
    }
    Ok(OK)
}

#[derive(Debug, Subcommand)]
pub enum SubmitCommand {
    /// `execute(intent, signers, proof)` with a Threshold proof.
    Execute(SubmitArgs),
    /// `approve(intent, nullifier, proof)` with an Approval proof.
    Approve(SubmitArgs),
    /// `executeQueued(intent)` once its delay has passed (anyone may send it); VeilAccount
    /// or VeilPolicyAccount.
    ExecuteQueued(QueuedArgs),
    /// `execute(intent, lead, proof)` on a VeilPolicyAccount with a Policy proof (`veil prove
    /// policy`); the lead is the proof's. Checked first: the proof's call, value and
    /// arguments are the intent's, its root the account's, the nonce, the window, and with a
    /// lead that validAfter covers it (the account then queues the intent).
    Policy(SubmitArgs),
    /// `execute(intent, signers, proof)` of a cancellation: an intent built by
    /// `veil intent new --cancel QUEUED_INTENT` (checked to be one), with its Threshold proof;
    /// it executes at once, whatever the time-lock.
    Cancel(SubmitArgs),
}

#[derive(Debug, Args)]
pub struct SubmitArgs {
    #[command(flatten)]
    rpc: RpcArgs,
    #[command(flatten)]
    signer: SignerArgs,
    /// The deployment record.
    #[arg(long)]
    deployment: PathBuf,
    /// The intent file.
    #[arg(long)]
    intent: PathBuf,
    /// The proof (snarkjs proof.json).
    #[arg(long, required_unless_present = "batch", requires = "public")]
    proof: Option<PathBuf>,
    /// The public signals (snarkjs public.json).
    #[arg(long, required_unless_present = "batch")]
    public: Option<PathBuf>,
    /// Take the proof and public signals from this `veil batch` results file instead …
    #[arg(long, value_name = "RESULTS", conflicts_with_all = ["proof", "public"], requires = "id")]
    batch: Option<PathBuf>,
    /// … from its line with this request id.
    #[arg(long, requires = "batch")]
    id: Option<String>,
    /// The statement's verifying key: the proof is verified locally before anything is sent
    /// (the key must be the deployed verifier's: its hash is checked against the record).
    /// Without it, the node's gas estimate runs the deployed verifier first.
    #[arg(long, value_name = "FILE")]
    vk: Option<PathBuf>,
}

#[derive(Debug, Args)]
pub struct QueuedArgs {
    #[command(flatten)]
    rpc: RpcArgs,
    #[command(flatten)]
    signer: SignerArgs,
    /// The deployment record.
    #[arg(long)]
    deployment: PathBuf,
    /// The intent file.
    #[arg(long)]
    intent: PathBuf,
}

/// The record's account, checked against the node and the intent.
fn checked_account(rec_path: &Path, intent_path: &Path, client: &Client) -> anyhow::Result<(Address, Intent)> {
    let rec = read_record(rec_path)?;
    same_chain(rec_path, &rec, client)?;
    let account = rec
        .account
        .map(|a| a.address)
        .or(rec.policy_account.map(|a| a.address))
        .or(rec.safe_module.map(|m| m.address))
        .ok_or_else(|| bad_input(format!("{}: no account in the record", rec_path.display())))?;
    let intent = Intent::load(intent_path).map_err(|e| input_error(&e))?;
    if intent.chain_id != client.chain_id {
        return Err(bad_input(format!(
            "{}: the intent is for chain {}, the node is chain {}",
            intent_path.display(),
            intent.chain_id,
            client.chain_id
        )));
    }
    if intent.account != account {
        return Err(bad_input(format!(
            "{}: the intent is for account {}, the record's account is {account}",
            intent_path.display(),
            intent.account
        )));
    }
    Ok((account, intent))
}

pub fn submit(c: SubmitCommand) -> anyhow::Result<u8> {
    if let SubmitCommand::Policy(a) = &c {
        return policy::submit(a);
    }
    let (rpc, signer, deployment, intent_path) = match &c {
        SubmitCommand::Execute(a) | SubmitCommand::Approve(a) | SubmitCommand::Cancel(a) => {
            (&a.rpc, &a.signer, &a.deployment, &a.intent)
        }
        SubmitCommand::ExecuteQueued(a) => (&a.rpc, &a.signer, &a.deployment, &a.intent),
        SubmitCommand::Policy(_) => unreachable!("handled above"),
    };
    let client = connect(rpc, Some(signer.signer()?))?;
    let (account, intent) = checked_account(deployment, intent_path, &client)?;
    let sol = sol_intent(&intent);
    let (name, data) = match &c {
        SubmitCommand::ExecuteQueued(_) => {
            ("executeQueued", VeilAccount::executeQueuedCall { intent: sol }.abi_encode())
        }
        SubmitCommand::Policy(_) => unreachable!("handled above"),
        SubmitCommand::Execute(a) | SubmitCommand::Approve(a) | SubmitCommand::Cancel(a) => {
            if matches!(c, SubmitCommand::Cancel(_)) {
                let selector = VeilAccount::cancelCall::SELECTOR;
                if intent.target != account
                    || intent.value != U256::ZERO
                    || intent.data.len() != 36
                    || intent.data[..4] != selector
                {
                    return Err(bad_input(format!(
                        "{}: not a cancellation (make one with `veil intent new --cancel QUEUED_INTENT`)",
                        intent_path.display()
                    )));
                }
            }
            let (proof_json, public, source) = proof_and_public(a)?;
            let proof = (&proof_json).try_into().map_err(|e| bad_input(format!("{source}: {e}")))?;
            let inputs = public_from_json(&public).map_err(|e| bad_input(format!("{source}: {e}")))?;
            if let Some(vk_path) = &a.vk {
                let vk = read_vk(vk_path)?;
                let rec = read_record(deployment)?;
                let deployed = match &c {
                    SubmitCommand::Execute(_) | SubmitCommand::Cancel(_) => rec.threshold_verifier.as_ref(),
                    _ => rec.approval_verifier.as_ref(),
                };
                if deployed.map(|v| v.vk_hash.as_str()) != Some(vk_hash(&vk).as_str()) {
                    return Err(bad_input(format!(
                        "{}: not the verifying key of the verifier in {}",
                        vk_path.display(),
                        deployment.display()
                    )));
                }
                let valid = veil_prover::verify(&veil_prover::prepare(&vk), &inputs, &proof)
                    .map_err(|e| bad_input(format!("{source}: {e}")))?;
                if !valid {
                    eprintln!(
                        "error: {}: the proof does not verify under {} (nothing sent)",
                        source,
                        vk_path.display()
                    );
                    return Ok(FAILURE);
                }
            }
            let words = proof_words(&proof);
            let words_in = veil_prover::snarkjs::Calldata::new(&proof, &inputs).inputs;
            let u = |i: usize| words_in[i];
            // Local checks first: the intent, the root, the nonce and the window.
            let field = intent.field_element();
            let (root, intent_input) = match &c {
                SubmitCommand::Execute(_) | SubmitCommand::Cancel(_) if inputs.len() == 3 => (0, inputs[1]),
                SubmitCommand::Approve(_) if inputs.len() == 4 => (0, inputs[2]),
                _ => return Err(bad_input(format!("{source}: not the public signals of this statement"))),
            };
            if intent_input != field {
                return Err(bad_input(format!(
                    "{}: the proof is for another intent than {}",
                    source,
                    intent_path.display()
                )));
            }
            let on_chain_root = client.read(account, &VeilAccount::rootCall {}).map_err(chain_error)?;
            if on_chain_root != u(root) {
                return Err(bad_input(format!(
                    "{}: the proof's root {} is not the account's root {on_chain_root} (a stale set?)",
                    source,
                    u(root)
                )));
            }
            match &c {
                SubmitCommand::Execute(_) | SubmitCommand::Cancel(_) => {
                    ("execute", VeilAccount::executeCall { intent: sol, signers: u(2), proof: words }.abi_encode())
                }
                _ => ("approve", VeilAccount::approveCall { intent: sol, nullifier: u(1), proof: words }.abi_encode()),
            }
        }
    };
    let nonce = client.read(account, &VeilAccount::nonceCall {}).map_err(chain_error)?;
    if name != "executeQueued" && nonce != intent.nonce {
        eprintln!(
            "error: the account's nonce is {nonce}, the intent's {}: NonceMismatch (already executed, or out of order)",
            intent.nonce
        );
        return Ok(FAILURE);
    }
    let now = client.timestamp().map_err(chain_error)?;
    if now < intent.valid_after || (intent.valid_until != 0 && now > intent.valid_until) {
        eprintln!(
            "error: the intent's window [{}, {}] is not open at the chain's time {now}",
            intent.valid_after, intent.valid_until
        );
        return Ok(FAILURE);
    }
    let m = client.transact(account, data, U256::ZERO).map_err(chain_error)?;
    print_mined(name, &m);
    Ok(OK)
}

/// The proof and public signals of a submission, from their files or a batch results line,
/// with a label for errors.
fn proof_and_public(a: &SubmitArgs) -> anyhow::Result<(ProofJson, Vec<String>, String)> {
    if let (Some(results), Some(id)) = (&a.batch, &a.id) {
        // Bytes, not text: a batch killed mid-write may leave a last line cut inside a
        // character, which is skipped like any other line that is not a record.
        let bytes = std::fs::read(results).with_context(|| format!("reading {}", results.display()))?;
        for (n, line) in bytes.split(|&b| b == b'\n').enumerate() {
            let Ok(v) = serde_json::from_slice::<serde_json::Value>(line) else { continue };
            let matches = match &v["id"] {
                serde_json::Value::String(s) => s == id,
                serde_json::Value::Number(n) => n.as_u64().is_some_and(|n| id.parse() == Ok(n)),
                _ => false,
            };
            if !matches {
                continue;
            }
            let label = format!("{} line {} (id {id})", results.display(), n + 1);
            if v["status"] != "ok" {
                return Err(bad_input(format!("{label}: the request failed in the batch ({})", v["error"])));
            }
            let proof: ProofJson =
                serde_json::from_value(v["proof"].clone()).map_err(|e| bad_input(format!("{label}: proof: {e}")))?;
            let public: Vec<String> =
                serde_json::from_value(v["public"].clone()).map_err(|e| bad_input(format!("{label}: public: {e}")))?;
            return Ok((proof, public, label));
        }
        return Err(bad_input(format!("{}: no result with id {id}", results.display())));
    }
    let (proof_path, public_path) = (a.proof.as_ref().expect("required"), a.public.as_ref().expect("required"));
    let proof: ProofJson = read_json(proof_path, "proof")?;
    let public: Vec<String> = read_json(public_path, "public signals")?;
    Ok((proof, public, format!("{} and {}", proof_path.display(), public_path.display())))
}
