//! A complete story on the in-memory chain: members, an approver set, development setups of
//! both statements, verifiers and `VeilAccount` compiled, and proofs made for intents. The
//! EVM tests, `veil gas` and `veil demo` are built on it.
use alloy_primitives::U256;
use ark_ff::{BigInteger, PrimeField};
use rand::{CryptoRng, RngCore};
use veil_approver::{
    intent::Intent,
    set::ApproverSet,
    witness::{self, WitnessError},
};
use veil_circuits::{eddsa::PrivateKey, identity, Fr};
use veil_prover::{Proof, ProverError, ProverKey};

use crate::{
    harness::{Artifacts, HarnessError},
    solc::Solc,
};

/// Errors of a scenario.
#[derive(Debug, thiserror::Error)]
pub enum ScenarioError {
    /// Setup or proving failed.
    #[error(transparent)]
    Prover(#[from] ProverError),
    /// The members do not make a witness (a non-member, the same signer twice, too many).
    #[error(transparent)]
    Witness(#[from] WitnessError),
    /// Compiling or deploying failed.
    #[error(transparent)]
    Harness(#[from] HarnessError),
}

impl From<crate::evm::EvmError> for ScenarioError {
    fn from(e: crate::evm::EvmError) -> Self {
        Self::Harness(HarnessError::Evm(e))
    }
}

/// Both statements' keys and the compiled contracts for them, with the members' keys.
pub struct Scenario {
    /// The Approval key.
    pub approval: ProverKey,
    /// The Threshold key.
    pub threshold: ProverKey,
    /// The verifiers rendered from the keys and `VeilAccount`, compiled.
    pub artifacts: Artifacts,
    /// The members' EdDSA-Poseidon keys (an identity's secret and its signing key are one).
    pub members: Vec<PrivateKey>,
    /// The maximum depth of both statements.
    pub depth: usize,
    /// The Threshold slots.
    pub k_max: usize,
}

/// An element of Fr as a `uint256`.
#[must_use]
pub fn word(x: Fr) -> U256 {
    U256::from_be_slice(&x.into_bigint().to_bytes_be())
}

impl Scenario {
    /// Development setups (randomness from `rng`) at `depth` with `k_max` Threshold slots,
    /// and the contracts compiled for their keys.
    ///
    /// # Errors
    /// [`ScenarioError::Prover`] for unsupported shapes; [`ScenarioError::Harness`] when
    /// compiling fails.
    pub fn setup<R: RngCore + CryptoRng>(
        solc: &Solc,
        depth: usize,
        k_max: usize,
        members: Vec<PrivateKey>,
        rng: &mut R,
    ) -> Result<Self, ScenarioError> {
        let approval = veil_prover::setup_approval(depth, rng)?;
        let threshold = veil_prover::setup_threshold(depth, k_max, rng)?;
        let artifacts = Artifacts::compile(solc, approval.verifying_key(), threshold.verifying_key())?;
        Ok(Self { approval, threshold, artifacts, members, depth, k_max })
    }

    /// The set of the given members (indices into [`Scenario::members`]), in that order.
    ///
    /// # Panics
    /// If a member is given twice (a set holds each commitment once).
    #[must_use]
    pub fn set(&self, members: &[usize]) -> ApproverSet {
        ApproverSet::from_members(members.iter().map(|&i| identity::commitment(&self.members[i].public_key())))
            .expect("distinct members")
    }

    /// A Threshold proof that `signers` (indices into [`Scenario::members`]) signed `intent`,
    /// under `set`; k = `signers.len()`. The witness is built as `veil prove threshold`
    /// builds it ([`witness::threshold`]).
    ///
    /// # Errors
    /// [`ScenarioError::Witness`] for non-members, duplicate signers or too many;
    /// [`ScenarioError::Prover`].
    pub fn threshold_proof<R: RngCore + CryptoRng>(
        &self,
        set: &ApproverSet,
        intent: &Intent,
        signers: &[usize],
        rng: &mut R,
    ) -> Result<Proof, ScenarioError> {
        self.threshold_proof_of(set, intent.field_element(), signers, rng)
    }

    /// A Threshold proof that `signers` (member indices) signed the field element `intent`
    /// under `set`, for statements over something other than a `VeilIntent` (a user
    /// operation, an ERC-1271 message: `VeilValidator`'s intents).
    ///
    /// # Errors
    /// [`ScenarioError::Prover`] when a signer is not in `set` or the circuit refuses them.
    pub fn threshold_proof_of<R: RngCore + CryptoRng>(
        &self,
        set: &ApproverSet,
        intent: Fr,
        signers: &[usize],
        rng: &mut R,
    ) -> Result<Proof, ScenarioError> {
        let mut chosen = Vec::with_capacity(signers.len());
        for &i in signers {
            let key = &self.members[i];
            let a = key.public_key();
            let c = identity::commitment(&a);
            let index = set.index_of(&c).ok_or(WitnessError::SignerNotAMember { index: i })?;
            let proof = set.proof(index).map_err(WitnessError::Set)?;
            chosen.push((c, (a, key.sign(intent), proof)));
        }
        chosen.sort_by_key(|(c, _)| *c);
        let slots: Vec<_> = chosen.into_iter().map(|(_, s)| s).collect();
        let root = set.root().ok_or(WitnessError::EmptySet)?;
        let circuit = veil_circuits::threshold::ThresholdCircuit::new(self.depth, self.k_max, root, intent, &slots)
            .map_err(WitnessError::Circuit)?;
        Ok(self.threshold.prove(circuit, rng)?)
    }

    /// An Approval proof by `member` for `intent` under `set`, with scope = the intent's field
    /// element (what `VeilAccount.approve` requires), and its nullifier. The witness is built
    /// as `veil prove approval` builds it ([`witness::approval`]).
    ///
    /// # Errors
    /// [`ScenarioError::Witness`], [`ScenarioError::Prover`].
    pub fn approval_proof<R: RngCore + CryptoRng>(
        &self,
        set: &ApproverSet,
        intent: &Intent,
        member: usize,
        rng: &mut R,
    ) -> Result<(Proof, U256), ScenarioError> {
        let circuit = witness::approval(&self.members[member], set, intent, None, self.depth)?;
        let nullifier = circuit.public_inputs().map_or(Fr::from(0u64), |p| p[veil_circuits::approval::NULLIFIER]);
        Ok((self.approval.prove(circuit, rng)?, word(nullifier)))
    }
}
