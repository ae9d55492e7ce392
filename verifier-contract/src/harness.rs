//! Deploying and driving `VeilAccount` on the in-memory chain: what the EVM tests, `veil gas`
//! and `veil demo` share.
use alloy_primitives::{Address, U256};
use alloy_sol_types::{SolCall, SolConstructor, SolError, SolInterface};
use veil_approver::intent::Intent;
use veil_prover::{snarkjs::Calldata, Proof, VerifyingKey};

use crate::{
    account::VeilAccount,
    evm::{Chain, EvmError, Outcome},
    render::{render_verifier, RenderError, VerifierOptions},
    solc::{Artifact, Solc, SolcError},
};

/// Errors of the harness.
#[derive(Debug, thiserror::Error)]
pub enum HarnessError {
    /// Rendering a verifier failed.
    #[error(transparent)]
    Render(#[from] RenderError),
    /// Compiling failed.
    #[error(transparent)]
    Solc(#[from] SolcError),
    /// The EVM refused a transaction.
    #[error(transparent)]
    Evm(#[from] EvmError),
}

/// The contract name of the rendered Approval verifier.
pub const APPROVAL_VERIFIER: &str = "ApprovalVerifier";
/// The contract name of the rendered Threshold verifier.
pub const THRESHOLD_VERIFIER: &str = "ThresholdVerifier";

/// The compiled contracts of one deployment: both verifiers and the account.
#[derive(Clone, Debug)]
pub struct Artifacts {
    /// `VeilAccount`.
    pub account: Artifact,
    /// The Approval verifier rendered from its key.
    pub approval_verifier: Artifact,
    /// The Threshold verifier rendered from its key.
    pub threshold_verifier: Artifact,
}

impl Artifacts {
    /// Renders both verifiers and compiles them with `VeilAccount`.
    ///
    /// # Errors
    /// [`HarnessError::Render`], [`HarnessError::Solc`].
    pub fn compile(solc: &Solc, approval: &VerifyingKey, threshold: &VerifyingKey) -> Result<Self, HarnessError> {
        let render = |vk, name: &str, description: &str| {
            render_verifier(
                vk,
                &VerifierOptions {
                    contract_name: name.to_owned(),
                    description: description.to_owned(),
                    provenance: crate::render::KeyProvenance::Unknown,
                },
            )
        };
        let approval_sol = render(approval, APPROVAL_VERIFIER, "veil Approval")?;
        let threshold_sol = render(threshold, THRESHOLD_VERIFIER, "veil Threshold")?;
        let mut out = solc.compile(&[
            ("VeilAccount.sol", crate::account::SOURCE),
            ("ApprovalVerifier.sol", &approval_sol),
            ("ThresholdVerifier.sol", &threshold_sol),
        ])?;
        let mut take = |name: &str| out.remove(name).ok_or_else(|| SolcError::Missing(name.to_owned()));
        Ok(Self {
            account: take("VeilAccount")?,
            approval_verifier: take(APPROVAL_VERIFIER)?,
            threshold_verifier: take(THRESHOLD_VERIFIER)?,
        })
    }
}

/// The Solidity form of an intent.
#[must_use]
pub fn sol_intent(intent: &Intent) -> VeilAccount::Intent {
    VeilAccount::Intent {
        target: intent.target,
        value: intent.value,
        data: intent.data.clone(),
        nonce: intent.nonce,
        validAfter: intent.valid_after,
        validUntil: intent.valid_until,
    }
}

/// The `uint256[8]` calldata words of a proof.
#[must_use]
pub fn proof_words(proof: &Proof) -> [U256; 8] {
    Calldata::new(proof, &[]).proof
}

/// A deployed account with its two verifiers.
pub struct Deployment {
    /// The chain.
    pub chain: Chain,
    /// Who deployed everything (and sends the transactions).
    pub operator: Address,
    /// `VeilAccount`.
    pub account: Address,
    /// The Approval verifier.
    pub approval_verifier: Address,
    /// The Threshold verifier.
    pub threshold_verifier: Address,
}

impl Deployment {
    /// Deploys the verifiers and an account for the set `root` and `threshold` with time-lock
    /// `delay`, funded with `funds` wei, on `chain`; `operator` pays for nothing (no fees).
    ///
    /// # Errors
    /// [`HarnessError::Evm`] when a deployment fails.
    pub fn new(
        mut chain: Chain,
        artifacts: &Artifacts,
        root: U256,
        threshold: u64,
        delay: u64,
        funds: U256,
    ) -> Result<Self, HarnessError> {
        let operator = Address::repeat_byte(0x0e);
        chain.fund(operator, funds);
        let approval_verifier = chain.deploy(operator, &artifacts.approval_verifier.bytecode, &[], U256::ZERO)?;
        let threshold_verifier = chain.deploy(operator, &artifacts.threshold_verifier.bytecode, &[], U256::ZERO)?;
        let args = VeilAccount::constructorCall {
            thresholdVerifier_: threshold_verifier,
            approvalVerifier_: approval_verifier,
            root_: root,
            threshold_: U256::from(threshold),
            delay_: delay,
        }
        .abi_encode();
        let account = chain.deploy(operator, &artifacts.account.bytecode, &args, funds)?;
        Ok(Self { chain, operator, account, approval_verifier, threshold_verifier })
    }

    /// The address the next deployment by the operator gets: what an intent's `account` must be
    /// before [`Deployment::new`] runs (the account is its third deployment).
    #[must_use]
    pub fn predicted_account(chain_nonce_of_operator: u64) -> Address {
        Address::repeat_byte(0x0e).create(chain_nonce_of_operator + 2)
    }

    /// Sends a call to the account.
    ///
    /// # Errors
    /// [`HarnessError::Evm`] when the EVM refuses the transaction.
    pub fn send(&mut self, call: &impl SolCall) -> Result<Outcome, HarnessError> {
        Ok(self.chain.call(self.operator, self.account, call.abi_encode(), U256::ZERO)?)
    }

    /// `execute(intent, signers, proof)`.
    ///
    /// # Errors
    /// [`HarnessError::Evm`].
    pub fn execute(&mut self, intent: &Intent, signers: u64, proof: &Proof) -> Result<Outcome, HarnessError> {
        self.send(&VeilAccount::executeCall {
            intent: sol_intent(intent),
            signers: U256::from(signers),
            proof: proof_words(proof),
        })
    }

    /// `approve(intent, nullifier, proof)`.
    ///
    /// # Errors
    /// [`HarnessError::Evm`].
    pub fn approve(&mut self, intent: &Intent, nullifier: U256, proof: &Proof) -> Result<Outcome, HarnessError> {
        self.send(&VeilAccount::approveCall { intent: sol_intent(intent), nullifier, proof: proof_words(proof) })
    }

    /// `executeQueued(intent)`.
    ///
    /// # Errors
    /// [`HarnessError::Evm`].
    pub fn execute_queued(&mut self, intent: &Intent) -> Result<Outcome, HarnessError> {
        self.send(&VeilAccount::executeQueuedCall { intent: sol_intent(intent) })
    }

    /// Reads a `view` function of the account.
    ///
    /// # Errors
    /// [`HarnessError::Evm`]; a revert is an [`EvmError`] too.
    pub fn read<C: SolCall>(&mut self, call: &C) -> Result<C::Return, HarnessError> {
        let out = self.send(call)?;
        if !out.success {
            return Err(EvmError(format!("view call reverted: {}", describe_revert(&out.output))).into());
        }
        C::abi_decode_returns(&out.output).map_err(|e| EvmError(format!("decoding the return value: {e}")).into())
    }
}

mod errors {
    #![allow(missing_docs)]
    alloy_sol_types::sol! {
        /// The errors of a rendered verifier (`templates/Verifier.sol`).
        #[derive(Debug, PartialEq, Eq)]
        interface VerifierErrors {
            error PublicInputNotInField(uint256 index);
            error ProofCoordinateNotInField(uint256 index);
            error ProofPointNotOnCurve(uint256 point);
            error ProofInvalid();
        }
    }
}
pub use errors::VerifierErrors;

/// Revert data in words: the account's or a verifier's custom error with its arguments
/// (`CallFailed` shows the inner reason), `Error(string)`, or the raw bytes.
#[must_use]
pub fn describe_revert(data: &[u8]) -> String {
    if let Ok(e) = VeilAccount::VeilAccountErrors::abi_decode(data) {
        return match e {
            VeilAccount::VeilAccountErrors::CallFailed(c) => format!("CallFailed({})", describe_revert(&c.reason)),
            other => format!("{other:?}"),
        };
    }
    if let Ok(e) = VerifierErrors::VerifierErrorsErrors::abi_decode(data) {
        return format!("{e:?}");
    }
    if let Ok(reason) = alloy_sol_types::Revert::abi_decode(data) {
        return format!("Error({:?})", reason.reason);
    }
    if data.is_empty() {
        "(no revert data)".to_owned()
    } else {
        format!("0x{}", hex::encode(data))
    }
}
