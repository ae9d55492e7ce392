//! `VeilPolicyAccount` (`contracts/VeilPolicyAccount.sol`) and the derivatives desk on the
//! in-memory chain: the mocks (`contracts/demo/Desk.sol`), the desk's policy compiled for the
//! deployed addresses, real Policy proofs, and the account's entry points. The EVM tests,
//! `veil gas` and `veil demo --scenario desk` share it.
#![allow(missing_docs)]

use alloy_primitives::{Address, Bytes, U256};
use alloy_sol_types::{SolCall, SolInterface};
use rand::{CryptoRng, RngCore};
use veil_approver::{
    intent::Intent,
    policy::{check_str, desk_example, witness, CompiledPolicy, Entropy, Format, PolicyWitnessError},
    signature::SignedIntent,
};
use veil_circuits::{eddsa::PrivateKey, identity, policy::PolicyShape, Fr};
use veil_prover::{Proof, ProverError, ProverKey};

use crate::{
    evm::{Chain, EvmError, Outcome},
    harness::{proof_words, HarnessError},
    render::{render_verifier, KeyProvenance, VerifierOptions},
    solc::{Artifact, Solc, SolcError},
};

/// The account's source.
pub const SOURCE: &str = include_str!("../contracts/VeilPolicyAccount.sol");
/// The desk's mocks.
pub const DESK_SOURCE: &str = include_str!("../contracts/demo/Desk.sol");
/// The contract name of the rendered Policy verifier.
pub const POLICY_VERIFIER: &str = "PolicyVerifier";

alloy_sol_types::sol!(
    #![sol(all_derives)]
    "contracts/VeilPolicyAccount.sol"
);

pub mod desk {
    alloy_sol_types::sol!(
        #![sol(all_derives)]
        "contracts/demo/Desk.sol"
    );
}

/// Errors of the desk.
#[derive(Debug, thiserror::Error)]
pub enum DeskError {
    /// Compiling, rendering or the EVM failed.
    #[error(transparent)]
    Harness(#[from] HarnessError),
    /// The policy did not compile (a bug in the fixture).
    #[error("the desk's policy: {0}")]
    Policy(String),
    /// No rule admits the intent with these signers, or another refusal of the witness.
    #[error(transparent)]
    Witness(#[from] PolicyWitnessError),
    /// Proving failed.
    #[error(transparent)]
    Prover(#[from] ProverError),
}

impl From<EvmError> for DeskError {
    fn from(e: EvmError) -> Self {
        Self::Harness(HarnessError::Evm(e))
    }
}

impl From<SolcError> for DeskError {
    fn from(e: SolcError) -> Self {
        Self::Harness(HarnessError::Solc(e))
    }
}

/// The compiled contracts: the verifier rendered for a Policy key, the account, the mocks.
#[derive(Clone, Debug)]
pub struct PolicyArtifacts {
    pub verifier: Artifact,
    pub account: Artifact,
    pub token: Artifact,
    pub margin: Artifact,
    pub pool: Artifact,
}

impl PolicyArtifacts {
    /// Renders the verifier of `key` and compiles it with the account and the mocks.
    ///
    /// # Errors
    /// [`DeskError::Harness`].
    pub fn compile(solc: &Solc, key: &ProverKey) -> Result<Self, DeskError> {
        let verifier = render_verifier(
            key.verifying_key(),
            &VerifierOptions {
                contract_name: POLICY_VERIFIER.to_owned(),
                description: "veil Policy".to_owned(),
                provenance: KeyProvenance::Unknown,
            },
        )
        .map_err(HarnessError::from)?;
        let mut out = solc.compile(&[
            ("VeilPolicyAccount.sol", SOURCE),
            ("Desk.sol", DESK_SOURCE),
            ("PolicyVerifier.sol", &verifier),
        ])?;
        let mut take = |name: &str| out.remove(name).ok_or_else(|| SolcError::Missing(name.to_owned()));
        Ok(Self {
            verifier: take(POLICY_VERIFIER)?,
            account: take("VeilPolicyAccount")?,
            token: take("MockUSDC")?,
            margin: take("MockMargin")?,
            pool: take("MockPool")?,
        })
    }
}

/// The desk's roles, by member index: treasury 0–2, trader 3, liquidator 4.
pub const TREASURY: [usize; 3] = [0, 1, 2];
pub const TRADER: usize = 3;
pub const LIQUIDATOR: usize = 4;
/// One token unit: the mock has 6 decimals.
pub const USDC: u64 = 1_000_000;

/// The desk deployed on a chain: the mocks, the verifier, the account holding the compiled
/// policy's auth root, and the members' keys.
pub struct Desk {
    pub chain: Chain,
    /// Deploys everything and sends every transaction (a relayer: it holds no authority).
    pub operator: Address,
    pub token: Address,
    pub margin: Address,
    pub pool: Address,
    pub verifier: Address,
    pub account: Address,
    /// The desk's policy, compiled for these addresses.
    pub compiled: CompiledPolicy,
    /// The policy file's text.
    pub policy_text: String,
    /// The Policy key (its shape is the policy's).
    pub key: ProverKey,
    /// The members' keys (see [`TREASURY`], [`TRADER`], [`LIQUIDATOR`]).
    pub members: Vec<PrivateKey>,
}

/// The operator of every deployment.
pub const OPERATOR: Address = Address::repeat_byte(0x0e);

impl Desk {
    /// Deploys the desk on `chain` for `key` (a Policy key; the policy is compiled for its
    /// shape): the token, the margin contract and the pool, the verifier, and the account
    /// funded with `funds` wei and 1,000,000 tokens. The members are five keys from `rng`;
    /// the policy's secrets come from `entropy`.
    ///
    /// # Errors
    /// [`DeskError`].
    ///
    /// # Panics
    /// When `key` is not a Policy key.
    pub fn deploy<R: RngCore + CryptoRng>(
        mut chain: Chain,
        artifacts: &PolicyArtifacts,
        key: ProverKey,
        funds: U256,
        entropy: Entropy,
        rng: &mut R,
    ) -> Result<Self, DeskError> {
        let shape: PolicyShape = key.shape.policy().expect("a Policy key");
        let members: Vec<PrivateKey> = (0..5).map(|_| PrivateKey::random(rng)).collect();
        let ids: Vec<Fr> = members.iter().map(|k| identity::commitment(&k.public_key())).collect();
        let operator = OPERATOR;
        chain.fund(operator, funds);
        // The operator's nonce: token 0, margin 1, pool 2, verifier 3, account 4.
        let base = 0;
        let at = |n: u64| operator.create(base + n);
        let (token, margin, pool, account) = (at(0), at(1), at(2), at(4));
        let policy_text =
            desk_example(chain.chain_id(), [account, margin, pool], shape, [&ids[..3], &ids[3..4], &ids[4..5]]);
        let checked = check_str(&policy_text, Format::Toml);
        let file = checked.file.ok_or_else(|| DeskError::Policy(format!("{:?}", checked.diagnostics)))?;
        let compiled = CompiledPolicy::compile(&file, entropy).map_err(|e| DeskError::Policy(e.to_string()))?;

        let deployed = chain.deploy(operator, &artifacts.token.bytecode, &[], U256::ZERO)?;
        let margin_args = alloy_sol_types::SolValue::abi_encode(&token);
        let deployed_margin = chain.deploy(operator, &artifacts.margin.bytecode, &margin_args, U256::ZERO)?;
        let deployed_pool = chain.deploy(operator, &artifacts.pool.bytecode, &[], U256::ZERO)?;
        let verifier = chain.deploy(operator, &artifacts.verifier.bytecode, &[], U256::ZERO)?;
        let args = alloy_sol_types::SolConstructor::abi_encode(&VeilPolicyAccount::constructorCall {
            verifier_: verifier,
            authRoot_: crate::scenario::word(compiled.auth_root()),
        });
        let deployed_account = chain.deploy(operator, &artifacts.account.bytecode, &args, funds)?;
        assert_eq!(
            [deployed, deployed_margin, deployed_pool, deployed_account],
            [token, margin, pool, account],
            "the predicted addresses"
        );
        let mut desk =
            Self { chain, operator, token, margin, pool, verifier, account, compiled, policy_text, key, members };
        let mint = desk::MockUSDC::mintCall { to: account, amount: U256::from(1_000_000 * USDC) };
        desk.ok(token, &mint)?;
        Ok(desk)
    }

    /// Calls `to` from the operator and requires success.
    ///
    /// # Errors
    /// [`DeskError::Harness`] when it reverts.
    pub fn ok(&mut self, to: Address, call: &impl SolCall) -> Result<Outcome, DeskError> {
        let out = self.chain.call(self.operator, to, call.abi_encode(), U256::ZERO)?;
        if !out.success {
            return Err(EvmError(format!("{}: {}", call_name(call), describe_revert(&out.output))).into());
        }
        Ok(out)
    }

    /// Reads a view function of `to`.
    ///
    /// # Errors
    /// [`DeskError::Harness`].
    pub fn read<C: SolCall>(&mut self, to: Address, call: &C) -> Result<C::Return, DeskError> {
        let out = self.chain.call(self.operator, to, call.abi_encode(), U256::ZERO)?;
        if !out.success {
            return Err(EvmError(format!("view call reverted: {}", describe_revert(&out.output))).into());
        }
        Ok(C::abi_decode_returns(&out.output).map_err(|e| EvmError(format!("decoding: {e}")))?)
    }

    /// The account's nonce.
    ///
    /// # Errors
    /// [`DeskError::Harness`].
    pub fn nonce(&mut self) -> Result<U256, DeskError> {
        let account = self.account;
        self.read(account, &VeilPolicyAccount::nonceCall {})
    }

    /// An intent of the account calling `target` with `value` and `data`, carrying the
    /// account's next nonce, valid from `valid_after` on.
    ///
    /// # Errors
    /// [`DeskError::Harness`].
    pub fn intent(
        &mut self,
        target: Address,
        value: U256,
        data: Vec<u8>,
        valid_after: u64,
    ) -> Result<Intent, DeskError> {
        Ok(Intent {
            chain_id: self.chain.chain_id(),
            account: self.account,
            target,
            value,
            data: Bytes::from(data),
            nonce: self.nonce()?,
            valid_after,
            valid_until: 0,
        })
    }

    /// A Policy proof for `intent` under `lead`, signed by `signers` (member indices), built
    /// as `veil prove policy` builds it.
    ///
    /// # Errors
    /// [`DeskError::Witness`] (no rule fits: the explanation), [`DeskError::Prover`].
    pub fn prove<R: RngCore + CryptoRng>(
        &self,
        intent: &Intent,
        lead: u64,
        signers: &[usize],
        rng: &mut R,
    ) -> Result<Proof, DeskError> {
        let signed: Vec<SignedIntent> =
            signers.iter().map(|&i| SignedIntent::sign_with(&self.members[i], intent)).collect();
        let shape = self.key.shape.policy().expect("a Policy key");
        let w = witness(&self.compiled, intent, &signed, lead, shape)?;
        Ok(self.key.prove(w.circuit, rng)?)
    }

    /// `execute(intent, lead, proof)`.
    ///
    /// # Errors
    /// [`DeskError::Harness`] when the EVM refuses the transaction (a revert is an outcome).
    pub fn execute(&mut self, intent: &Intent, lead: u64, proof: &Proof) -> Result<Outcome, DeskError> {
        let call = VeilPolicyAccount::executeCall { intent: sol_intent(intent), lead, proof: proof_words(proof) };
        Ok(self.chain.call(self.operator, self.account, call.abi_encode(), U256::ZERO)?)
    }

    /// `executeQueued(intent)`.
    ///
    /// # Errors
    /// [`DeskError::Harness`].
    pub fn execute_queued(&mut self, intent: &Intent) -> Result<Outcome, DeskError> {
        let call = VeilPolicyAccount::executeQueuedCall { intent: sol_intent(intent) };
        Ok(self.chain.call(self.operator, self.account, call.abi_encode(), U256::ZERO)?)
    }

    /// The token balance of `who`.
    ///
    /// # Errors
    /// [`DeskError::Harness`].
    pub fn token_balance(&mut self, who: Address) -> Result<U256, DeskError> {
        let token = self.token;
        self.read(token, &desk::MockUSDC::balanceOfCall(who))
    }
}

/// The name of a call's function, for messages.
fn call_name<C: SolCall>(_: &C) -> &'static str {
    C::SIGNATURE
}

/// The Solidity form of an intent.
#[must_use]
pub fn sol_intent(intent: &Intent) -> VeilPolicyAccount::Intent {
    VeilPolicyAccount::Intent {
        target: intent.target,
        value: intent.value,
        data: intent.data.clone(),
        nonce: intent.nonce,
        validAfter: intent.valid_after,
        validUntil: intent.valid_until,
    }
}

/// Revert data in words: the policy account's errors (`CallFailed` with the inner reason,
/// decoded as the mocks' errors when they are), else [`crate::safe::describe_revert`] (the
/// Safe module's, then `VeilAccount`'s and the verifiers').
#[must_use]
pub fn describe_revert(data: &[u8]) -> String {
    if let Ok(e) = VeilPolicyAccount::VeilPolicyAccountErrors::abi_decode(data) {
        return match e {
            VeilPolicyAccount::VeilPolicyAccountErrors::CallFailed(c) => {
                format!("CallFailed({})", describe_revert(&c.reason))
            }
            other => format!("{other:?}"),
        };
    }
    if let Ok(e) = desk::MockUSDC::MockUSDCErrors::abi_decode(data) {
        return format!("{e:?}");
    }
    if let Ok(e) = desk::MockMargin::MockMarginErrors::abi_decode(data) {
        return format!("{e:?}");
    }
    crate::safe::describe_revert(data)
}
