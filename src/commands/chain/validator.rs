//! The ERC-7579 validator on a real chain: `veil deploy --validator`.

use alloy_primitives::{Address, Bytes, U256};
use alloy_sol_types::{SolCall, SolConstructor, SolValue};
use anyhow::Context;
use veil_chain::{
    record::{self, Record},
    Client,
};
use veil_verifier_contract::{
    harness::THRESHOLD_VERIFIER,
    validator::{aa, aa::IErc7579Account, nonce_key, VeilValidator},
};

use super::{
    chain_error, check_out, check_reused, compiler, connect, print_mined, read_record, read_vk, render, root_arg,
    vk_hash, write_record, DeployArgs,
};
use crate::exit::{bad_input, OK};

/// `veil deploy --validator`: a Threshold verifier (or one reused), then a `VeilValidator`
/// using it; with --root and --threshold, the call each account makes to install it.
pub fn deploy(a: &DeployArgs) -> anyhow::Result<u8> {
    let root = root_arg(a)?;
    let vk = a.threshold_vk.as_deref().map(read_vk).transpose()?;
    if let (Some(vk), Some(path)) = (&vk, &a.threshold_vk) {
        if vk.gamma_abc_g1.len() != 4 {
            return Err(bad_input(format!(
                "{}: a verifying key of {} public inputs, not the Threshold statement's 3",
                path.display(),
                vk.gamma_abc_g1.len() - 1
            )));
        }
    }
    let reuse = a.verifiers_from.as_deref().map(read_record).transpose()?;
    let reused = if vk.is_none() { reuse.as_ref().and_then(|r| r.threshold_verifier.clone()) } else { None };
    if vk.is_none() && reused.is_none() {
        return Err(bad_input(
            "a validator needs a Threshold verifier: --threshold-vk FILE, or --verifiers-from RECORD holding one",
        ));
    }
    let client = connect(&a.rpc, Some(a.signer.signer()?))?;
    if let (Some(path), Some(r)) = (&a.verifiers_from, &reuse) {
        check_reused(path, r, &client, &[&reused])?;
    }
    check_out(a, &client)?;
    let (solc, compiler) = compiler()?;
    let mut sources = vec![("VeilValidator.sol".to_owned(), veil_verifier_contract::validator::SOURCE.to_owned())];
    if let Some(vk) = &vk {
        sources.push(("ThresholdVerifier.sol".into(), render(vk, THRESHOLD_VERIFIER, "veil Threshold")?));
    }
    let refs: Vec<(&str, &str)> = sources.iter().map(|(n, c)| (n.as_str(), c.as_str())).collect();
    let mut compiled = solc.compile(&refs).context("compiling the contracts")?;
    let validator_code = compiled.remove("VeilValidator").context("solc did not return VeilValidator")?.bytecode;
    let verifier_code = compiled.remove(THRESHOLD_VERIFIER).map(|a| a.bytecode);
    let from = client.from().expect("a signer");
    let install = |validator| {
        let (Some(root), Some(threshold)) = (root, a.threshold) else { return };
        let data: Bytes = (root, U256::from(threshold)).abi_encode_params().into();
        println!("install data {data}");
        let call =
            IErc7579Account::installModuleCall { moduleTypeId: U256::from(1), module: validator, initData: data };
        println!("install call {}", Bytes::from(call.abi_encode()));
        eprintln!(
            "each account installs it with installModule(1, {validator}, abi.encode(root, threshold)) (the install \
             call above, made by the account itself or through its EntryPoint)"
        );
    };
    if a.dry_run {
        use alloy::{network::TransactionBuilder, rpc::types::TransactionRequest};
        let n = client.nonce(from).map_err(chain_error)?;
        if let Some(code) = &verifier_code {
            let gas =
                client.estimate(&TransactionRequest::default().with_deploy_code(code.clone())).map_err(chain_error)?;
            println!("would deploy {THRESHOLD_VERIFIER}: {} bytes, estimated gas {gas}", code.len());
        }
        let verifier = reused.as_ref().map_or_else(|| from.create(n), |v| v.address);
        let mut code = validator_code.clone();
        code.extend(VeilValidator::constructorCall { verifier_: verifier }.abi_encode());
        let gas = client.estimate(&TransactionRequest::default().with_deploy_code(code)).map_err(chain_error)?;
        let at = from.create(n + u64::from(verifier_code.is_some()));
        println!(
            "would deploy VeilValidator at {at}: {} bytes, estimated gas {gas}, from {from} on chain {}",
            validator_code.len(),
            client.chain_id
        );
        install(at);
        return Ok(OK);
    }
    let mut rec = Record::new(client.chain_id, from, compiler);
    rec.threshold_verifier = reused;
    if let (Some(code), Some(vk)) = (&verifier_code, &vk) {
        let m = client.deploy(code, &[], U256::ZERO).map_err(chain_error)?;
        print_mined(THRESHOLD_VERIFIER, &m);
        let address = m.created.expect("created");
        rec.threshold_verifier =
            Some(record::Verifier { address, tx: m.hash, gas_used: m.gas_used, vk_hash: vk_hash(vk) });
        write_record(&a.out, &rec)?;
    }
    let verifier = rec.threshold_verifier.as_ref().expect("deployed or reused").address;
    let args = VeilValidator::constructorCall { verifier_: verifier }.abi_encode();
    let m = client.deploy(&validator_code, &args, U256::ZERO).map_err(chain_error)?;
    print_mined("VeilValidator", &m);
    let address = m.created.expect("created");
    rec.validator = Some(record::Validator { address, tx: m.hash, gas_used: m.gas_used, threshold_verifier: verifier });
    write_record(&a.out, &rec)?;
    eprintln!("wrote {} (chain {})", a.out.display(), client.chain_id);
    println!("validator {address}");
    install(address);
    Ok(OK)
}

/// `veil account show --deployment VALIDATOR_RECORD --account ACCOUNT`: the account's set in
/// the validator, the module's installation as the account reports it, its balance and its
/// EntryPoint nonce under the validator's key.
pub fn show(client: &Client, validator: Address, account: Address, entry_point: Address) -> anyhow::Result<u8> {
    let (root, threshold) =
        client.read(validator, &VeilValidator::setsCall { account }).map(|s| (s._0, s._1)).map_err(chain_error)?;
    let has_code = client.has_code(account).map_err(chain_error)?;
    let installed = if has_code {
        let call = IErc7579Account::isModuleInstalledCall {
            moduleTypeId: U256::from(1),
            module: validator,
            additionalContext: Bytes::new(),
        };
        // An account that is not ERC-7579 reverts or answers nothing: "unknown".
        client.read(account, &call).ok()
    } else {
        None
    };
    println!("validator {validator} (chain {})", client.chain_id);
    println!("account   {account}{}", if has_code { "" } else { " (no code yet)" });
    println!(
        "installed {}",
        match installed {
            Some(true) => "yes",
            Some(false) => "no (the account does not list the module)",
            None => "unknown (not an ERC-7579 account, or not deployed)",
        }
    );
    if threshold.is_zero() {
        println!("set       none (the account has not installed this validator)");
    } else {
        println!("root      {root}");
        println!("threshold {threshold}");
    }
    println!("balance   {} wei", client.balance(account).map_err(chain_error)?);
    if client.has_code(entry_point).map_err(chain_error)? {
        let nonce = client
            .read(entry_point, &aa::IEntryPointV08::getNonceCall { sender: account, key: nonce_key(validator) })
            .map_err(chain_error)?;
        println!("nonce     {nonce:#x} (EntryPoint {entry_point}, the validator's key)");
    }
    Ok(OK)
}
