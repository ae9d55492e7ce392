//! The Safe module on a real chain: `veil deploy --safe SAFE [--enable-with OWNER_KEY…]`
//! checks the Safe and its owners' keys, deploys the module (in `deploy`), then enables it
//! with a Safe transaction those owners sign, or prints the transaction they must make.

use std::path::Path;

use alloy::signers::{local::PrivateKeySigner, SignerSync};
use alloy_primitives::{Address, Bytes, U256};
use alloy_sol_types::SolCall;
use veil_chain::{record::Record, Client};
use veil_verifier_contract::safe::ISafeAdmin;

use super::{chain_error, print_mined, write_record, DeployArgs, SignerArgs};
use crate::exit::{bad_input, OK};

/// The owners' signers from --enable-with, checked before anything is deployed: `safe` is a
/// Safe (it answers `getOwners`), each key is one of its owners, once, and together they
/// reach its threshold.
pub fn owner_keys(a: &DeployArgs, client: &Client, safe: Address) -> anyhow::Result<Vec<PrivateKeySigner>> {
    let owners = client
        .read(safe, &ISafeAdmin::getOwnersCall {})
        .map_err(|e| bad_input(format!("--safe {safe}: not a Safe on chain {} ({e})", client.chain_id)))?;
    if a.enable_with.is_empty() {
        return Ok(Vec::new());
    }
    let threshold = client.read(safe, &ISafeAdmin::getThresholdCall {}).map_err(chain_error)?;
    let mut signers: Vec<PrivateKeySigner> = Vec::new();
    for path in &a.enable_with {
        let signer = key_file(path)?;
        if !owners.contains(&signer.address()) {
            return Err(bad_input(format!(
                "{}: {} is not an owner of the Safe {safe}",
                path.display(),
                signer.address()
            )));
        }
        if signers.iter().any(|s| s.address() == signer.address()) {
            return Err(bad_input(format!("{}: the same owner twice", path.display())));
        }
        signers.push(signer);
    }
    if U256::from(signers.len()) < threshold {
        return Err(bad_input(format!(
            "--enable-with: {} owner keys, the Safe {safe} needs {threshold} signatures",
            signers.len()
        )));
    }
    Ok(signers)
}

/// A private key from a file, as `--private-key-file` reads one.
fn key_file(path: &Path) -> anyhow::Result<PrivateKeySigner> {
    let args = SignerArgs {
        keystore: None,
        private_key_file: Some(path.to_path_buf()),
        mnemonic_file: None,
        mnemonic_path: String::new(),
        passphrase_file: None,
    };
    args.signer()
}

/// Enables `module` in `safe`: with owner keys, a Safe transaction calling the Safe's own
/// `enableModule(module)`, signed by them (EIP-712 SafeTx hashes, signatures sorted by
/// owner) and sent by the deployer; without, the transaction the owners must make.
pub fn enable(
    a: &DeployArgs,
    client: &Client,
    mut rec: Record,
    safe: Address,
    module: Address,
    owners: &[PrivateKeySigner],
) -> anyhow::Result<u8> {
    let data = ISafeAdmin::enableModuleCall { module }.abi_encode();
    if owners.is_empty() {
        eprintln!("wrote {} (chain {})", a.out.display(), client.chain_id);
        println!("module {module}");
        println!(
            "enable it with a Safe transaction of the Safe's owners: to {safe} (the Safe itself), value 0, \
             operation CALL, data 0x{}",
            hex::encode(&data)
        );
        return Ok(OK);
    }
    let nonce = client.read(safe, &ISafeAdmin::nonceCall {}).map_err(chain_error)?;
    let hash = client
        .read(
            safe,
            &ISafeAdmin::getTransactionHashCall {
                to: safe,
                value: U256::ZERO,
                data: data.clone().into(),
                operation: 0,
                safeTxGas: U256::ZERO,
                baseGas: U256::ZERO,
                gasPrice: U256::ZERO,
                gasToken: Address::ZERO,
                refundReceiver: Address::ZERO,
                nonce,
            },
        )
        .map_err(chain_error)?;
    let mut sorted: Vec<&PrivateKeySigner> = owners.iter().collect();
    sorted.sort_by_key(|s| s.address());
    let mut signatures = Vec::with_capacity(65 * sorted.len());
    for signer in sorted {
        let sig = signer.sign_hash_sync(&hash).map_err(|e| anyhow::anyhow!("signing the Safe transaction: {e}"))?;
        signatures.extend_from_slice(&sig.as_bytes());
    }
    let call = ISafeAdmin::execTransactionCall {
        to: safe,
        value: U256::ZERO,
        data: data.into(),
        operation: 0,
        safeTxGas: U256::ZERO,
        baseGas: U256::ZERO,
        gasPrice: U256::ZERO,
        gasToken: Address::ZERO,
        refundReceiver: Address::ZERO,
        signatures: Bytes::from(signatures),
    };
    let m = client.transact(safe, call.abi_encode(), U256::ZERO).map_err(chain_error)?;
    print_mined("enableModule (Safe transaction)", &m);
    let enabled = client.read(safe, &ISafeAdmin::isModuleEnabledCall { module }).map_err(chain_error)?;
    anyhow::ensure!(enabled, "the Safe transaction was mined but {module} is not enabled in {safe}");
    if let Some(m2) = rec.safe_module.as_mut() {
        m2.enabled_by = Some(m.hash);
    }
    write_record(&a.out, &rec)?;
    eprintln!("wrote {} (chain {})", a.out.display(), client.chain_id);
    println!("module {module} (enabled in the Safe {safe})");
    Ok(OK)
}
