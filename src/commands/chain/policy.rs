//! The policy account on a real chain: `veil deploy --policy-vk --auth`, `veil submit policy`,
//! and `veil account show` of a policy deployment.

use std::path::Path;

use alloy_primitives::{Address, U256};
use alloy_sol_types::{SolCall, SolConstructor};
use anyhow::Context;
use veil_approver::policy::AuthFile;
use veil_chain::{
    record::{self, Record},
    Client,
};
use veil_circuits::policy::{Call, CallFacts, NUM_PUBLIC_INPUTS};
use veil_prover::snarkjs::public_from_json;
use veil_verifier_contract::{
    harness::proof_words,
    policy::{sol_intent, VeilPolicyAccount, POLICY_VERIFIER},
    scenario::word,
};

use super::{
    chain_error, check_out, checked_account, compiler, connect, print_mined, proof_and_public, read_record, read_vk,
    render, vk_hash, write_record, DeployArgs, SubmitArgs,
};
use crate::exit::{bad_input, input_error, FAILURE, OK};

/// `veil deploy --policy-vk VK --auth AUTH`: a Policy verifier for VK, then a
/// `VeilPolicyAccount` holding AUTH's root, at the address the policy names.
pub fn deploy(a: &DeployArgs, vk_path: &Path, auth_path: &Path) -> anyhow::Result<u8> {
    let vk = read_vk(vk_path)?;
    if vk.gamma_abc_g1.len() != NUM_PUBLIC_INPUTS + 1 {
        return Err(bad_input(format!(
            "{}: a verifying key of {} public inputs, not the Policy statement's {NUM_PUBLIC_INPUTS}",
            vk_path.display(),
            vk.gamma_abc_g1.len() - 1
        )));
    }
    let auth = AuthFile::load(auth_path).map_err(|e| input_error(&e))?;
    let named: Address =
        auth.account.parse().map_err(|e| bad_input(format!("{}: account: {e}", auth_path.display())))?;
    let auth_root = U256::from_str_radix(&auth.auth_root, 10)
        .map_err(|e| bad_input(format!("{}: auth_root: {e}", auth_path.display())))?;
    let client = connect(&a.rpc, Some(a.signer.signer()?))?;
    if auth.chain_id != client.chain_id {
        return Err(bad_input(format!(
            "{}: the policy is for chain {}, the node is chain {}",
            auth_path.display(),
            auth.chain_id,
            client.chain_id
        )));
    }
    let from = client.from().expect("a signer");
    // The verifier first, then the account: the account's address is the deployer's
    // next-but-one, and the policy must name it (its intents are for that account).
    let n = client.nonce(from).map_err(chain_error)?;
    let account = from.create(n + 1);
    if named != account {
        return Err(bad_input(format!(
            "{}: the policy names account {}, but this deployment would create {account} (deployer {from}, \
             nonce {}): set `account = \"{account}\"` in the policy file and compile it again",
            auth_path.display(),
            named,
            n + 1
        )));
    }
    check_out(a, &client)?;
    let (solc, compiler) = compiler()?;
    let verifier_sol = render(&vk, POLICY_VERIFIER, "veil Policy")?;
    let mut compiled = solc
        .compile(&[
            ("VeilPolicyAccount.sol", veil_verifier_contract::policy::SOURCE),
            ("PolicyVerifier.sol", &verifier_sol),
        ])
        .context("compiling the contracts")?;
    let mut take = |name: &str| compiled.remove(name).map(|a| a.bytecode);
    let account_code = take("VeilPolicyAccount").context("solc did not return VeilPolicyAccount")?;
    let verifier_code = take(POLICY_VERIFIER).context("solc did not return the verifier")?;
    let args = |verifier: Address| {
        VeilPolicyAccount::constructorCall { verifier_: verifier, authRoot_: auth_root }.abi_encode()
    };
    if a.dry_run {
        use alloy::{network::TransactionBuilder, rpc::types::TransactionRequest};
        let gas = client
            .estimate(&TransactionRequest::default().with_deploy_code(verifier_code.clone()))
            .map_err(chain_error)?;
        println!("would deploy {POLICY_VERIFIER}: {} bytes, estimated gas {gas}", verifier_code.len());
        let mut code = account_code.clone();
        code.extend_from_slice(&args(from.create(n)));
        let gas = client
            .estimate(&TransactionRequest::default().with_deploy_code(code).with_value(a.fund))
            .map_err(chain_error)?;
        println!(
            "would deploy VeilPolicyAccount at {account}: {} bytes, estimated gas {gas}, auth root {auth_root}, \
             funded with {} wei, from {from} on chain {}",
            account_code.len(),
            a.fund,
            client.chain_id
        );
        return Ok(OK);
    }
    let mut rec = Record::new(client.chain_id, from, compiler);
    let m = client.deploy(&verifier_code, &[], U256::ZERO).map_err(chain_error)?;
    print_mined(POLICY_VERIFIER, &m);
    let verifier = m.created.expect("created");
    rec.policy_verifier =
        Some(record::Verifier { address: verifier, tx: m.hash, gas_used: m.gas_used, vk_hash: vk_hash(&vk) });
    write_record(&a.out, &rec)?;
    let m = client.deploy(&account_code, &args(verifier), a.fund).map_err(chain_error)?;
    print_mined("VeilPolicyAccount", &m);
    let created = m.created.expect("created");
    anyhow::ensure!(created == account, "the account was created at {created}, not the predicted {account}");
    rec.policy_account = Some(record::PolicyAccount {
        address: account,
        tx: m.hash,
        gas_used: m.gas_used,
        verifier,
        auth_root,
        depth: u32::try_from(auth.depth).unwrap_or(u32::MAX),
        k_max: u32::try_from(auth.k_max).unwrap_or(u32::MAX),
        policy_depth: u32::try_from(auth.policy_depth).unwrap_or(u32::MAX),
        funded: a.fund,
    });
    write_record(&a.out, &rec)?;
    eprintln!("wrote {} (chain {})", a.out.display(), client.chain_id);
    println!("account {account}");
    Ok(OK)
}

/// `veil submit policy`: `execute(intent, lead, proof)`, the lead read from the proof's
/// `call`, after checking locally that the proof's public inputs are what the account will
/// derive from this intent.
pub fn submit(a: &SubmitArgs) -> anyhow::Result<u8> {
    let client = connect(&a.rpc, Some(a.signer.signer()?))?;
    let (account, intent) = checked_account(&a.deployment, &a.intent, &client)?;
    let rec = read_record(&a.deployment)?;
    if rec.policy_account.is_none() {
        return Err(bad_input(format!("{}: not a policy deployment (no policy account)", a.deployment.display())));
    }
    let (proof_json, public, source) = proof_and_public(a)?;
    let proof = (&proof_json).try_into().map_err(|e| bad_input(format!("{source}: {e}")))?;
    let inputs = public_from_json(&public).map_err(|e| bad_input(format!("{source}: {e}")))?;
    if inputs.len() != NUM_PUBLIC_INPUTS {
        return Err(bad_input(format!("{source}: not the public signals of a Policy proof")));
    }
    if let Some(vk_path) = &a.vk {
        let vk = read_vk(vk_path)?;
        if rec.policy_verifier.as_ref().map(|v| v.vk_hash.as_str()) != Some(vk_hash(&vk).as_str()) {
            return Err(bad_input(format!(
                "{}: not the verifying key of the verifier in {}",
                vk_path.display(),
                a.deployment.display()
            )));
        }
        let valid = veil_prover::verify(&veil_prover::prepare(&vk), &inputs, &proof)
            .map_err(|e| bad_input(format!("{source}: {e}")))?;
        if !valid {
            eprintln!("error: {source}: the proof does not verify under {} (nothing sent)", vk_path.display());
            return Ok(FAILURE);
        }
    }
    use veil_circuits::policy::{AUTH_ROOT, CALL, INTENT};
    if inputs[INTENT] != intent.field_element() {
        return Err(bad_input(format!("{source}: the proof is for another intent than {}", a.intent.display())));
    }
    let lead = Call::unpack(inputs[CALL])
        .and_then(|c| u64::try_from(word(c.lead)).ok())
        .ok_or_else(|| bad_input(format!("{source}: its call input is not a target, selector and lead")))?;
    let value = u128::try_from(intent.value).map_err(|_| {
        bad_input(format!("{}: a value of 2^128 wei or more, which the account refuses", a.intent.display()))
    })?;
    let facts = CallFacts::new(intent.target.into_array(), account.into_array(), value, &intent.data, lead)
        .ok_or_else(|| bad_input(format!("{}: 1 to 3 bytes of data, which the account refuses", a.intent.display())))?;
    if inputs[CALL..] != [facts.call, facts.value, facts.args[0], facts.args[1]] {
        return Err(bad_input(format!(
            "{source}: the proof is for another call than {} (target, function, value or arguments differ)",
            a.intent.display()
        )));
    }
    let auth_root = client.read(account, &VeilPolicyAccount::authRootCall {}).map_err(chain_error)?;
    if auth_root != word(inputs[AUTH_ROOT]) {
        return Err(bad_input(format!(
            "{source}: the proof's auth root {} is not the account's {auth_root} (a replaced policy?)",
            inputs[AUTH_ROOT]
        )));
    }
    let nonce = client.read(account, &VeilPolicyAccount::nonceCall {}).map_err(chain_error)?;
    if nonce != intent.nonce {
        eprintln!(
            "error: the account's nonce is {nonce}, the intent's {}: NonceMismatch (already executed, or out of order)",
            intent.nonce
        );
        return Ok(FAILURE);
    }
    let now = client.timestamp().map_err(chain_error)?;
    if intent.valid_until != 0 && now > intent.valid_until {
        eprintln!("error: the intent expired at {} (the chain's time is {now})", intent.valid_until);
        return Ok(FAILURE);
    }
    if lead == 0 && now < intent.valid_after {
        eprintln!("error: the intent is valid from {}, the chain's time is {now}", intent.valid_after);
        return Ok(FAILURE);
    }
    if lead > 0 && intent.valid_after < now.saturating_add(lead) {
        eprintln!(
            "error: the proof's lead is {lead} s: the intent's validAfter ({}) must be at least the chain's time \
             plus the lead ({}); LeadNotCovered",
            intent.valid_after,
            now.saturating_add(lead)
        );
        return Ok(FAILURE);
    }
    let call = VeilPolicyAccount::executeCall { intent: sol_intent(&intent), lead, proof: proof_words(&proof) };
    let m = client.transact(account, call.abi_encode(), U256::ZERO).map_err(chain_error)?;
    print_mined(if lead == 0 { "execute" } else { "execute (queued)" }, &m);
    Ok(OK)
}

/// `veil account show` of a policy account: its auth root, epoch, nonce, balance; the queue
/// is printed by the caller (the events are `VeilAccount`'s).
pub fn show(client: &Client, account: Address) -> anyhow::Result<U256> {
    let root = client.read(account, &VeilPolicyAccount::authRootCall {}).map_err(chain_error)?;
    let epoch = client.read(account, &VeilPolicyAccount::authEpochCall {}).map_err(chain_error)?;
    let nonce = client.read(account, &VeilPolicyAccount::nonceCall {}).map_err(chain_error)?;
    let balance = client.balance(account).map_err(chain_error)?;
    println!("policy account {account} (chain {})", client.chain_id);
    println!("auth root {root}");
    println!("nonce     {nonce}");
    println!("epoch     {epoch}");
    println!("balance   {balance} wei");
    Ok(epoch)
}
