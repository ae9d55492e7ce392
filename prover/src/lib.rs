#![doc = include_str!("../README.md")]
#![forbid(unsafe_code)]
#![warn(missing_docs)]
#![deny(rustdoc::broken_intra_doc_links)]
#![deny(missing_debug_implementations)]

/// The prover: R1CS matrices kept with the key, witness synthesis, the witness map and the proof.
pub mod engine;
/// The witness map's transforms on the vector kernel.
mod fft;
/// BN254 Fq2 products for the G2 bucket additions.
mod fq2;
/// The proving-key file: header, body, fast and full checks.
pub mod keyfile;
/// Multi-scalar multiplication with fixed-base tables.
pub mod msm;
/// A setup directory's files, and opening a proving key with its tables in one call.
pub mod setup_dir;
/// Groth16 objects in snarkjs's JSON layout, and Ethereum calldata.
pub mod snarkjs;
/// R1CS matrices in the key file's encoding, evaluated in place.
pub mod sparse;
/// The MSM tables file beside a proving key.
pub mod tablefile;

pub use engine::{CircuitId, Provenance, ProverKey, R1cs, ShapeId};

use ark_bn254::Bn254;
use ark_groth16::Groth16;
use ark_relations::gr1cs::{ConstraintSynthesizer, SynthesisError};
use ark_snark::SNARK;
use rand::{CryptoRng, RngCore};
use thiserror::Error;
use veil_circuits::{
    approval::ApprovalCircuit,
    policy::{PolicyError, PolicyShape},
    threshold::ThresholdError,
    CircuitError, Fr,
};

/// A Groth16 proving key for BN254.
pub type ProvingKey = ark_groth16::ProvingKey<Bn254>;
/// A Groth16 verifying key for BN254.
pub type VerifyingKey = ark_groth16::VerifyingKey<Bn254>;
/// A verifying key with its pairing precomputed.
pub type PreparedVerifyingKey = ark_groth16::PreparedVerifyingKey<Bn254>;
/// A Groth16 proof.
pub type Proof = ark_groth16::Proof<Bn254>;

/// Why a setup, proof or verification failed.
#[derive(Debug, Error)]
pub enum ProverError {
    /// The circuit refused its parameters or witness.
    #[error(transparent)]
    Circuit(#[from] CircuitError),
    /// The witness does not satisfy the statement (a wrong secret, path, root, …).
    #[error("the witness does not satisfy the statement")]
    Unsatisfied,
    /// The Threshold circuit refused its parameters or witness.
    #[error(transparent)]
    Threshold(#[from] ThresholdError),
    /// The Policy circuit refused its parameters or witness.
    #[error(transparent)]
    Policy(#[from] PolicyError),
    /// The circuit has no witness (a blank circuit was given to the prover).
    #[error("the circuit has no witness")]
    MissingWitness,
    /// The circuit is not of the key's shape.
    #[error("the circuit does not match the key for {key}: {detail}")]
    ShapeMismatch {
        /// The key's shape.
        key: String,
        /// What differs.
        detail: String,
    },
    /// A verification was asked with the wrong number of public inputs.
    #[error("expected {expected} public inputs, got {got}")]
    PublicInputCount {
        /// Inputs the verifying key takes.
        expected: usize,
        /// Inputs given.
        got: usize,
    },
    /// Any other failure of arkworks' constraint synthesis.
    #[error("constraint synthesis failed: {0}")]
    Synthesis(SynthesisError),
}

impl From<SynthesisError> for ProverError {
    fn from(e: SynthesisError) -> Self {
        match e {
            SynthesisError::AssignmentMissing => Self::MissingWitness,
            SynthesisError::Unsatisfiable => Self::Unsatisfied,
            other => Self::Synthesis(other),
        }
    }
}

/// The size of a circuit shape.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Shape {
    /// R1CS constraints.
    pub constraints: usize,
    /// Public inputs (not counting the constant 1).
    pub public_inputs: usize,
    /// Private witness variables.
    pub witness_variables: usize,
}

/// The shape of a blank circuit, synthesized once in setup mode.
///
/// # Errors
/// Propagates synthesis errors.
pub fn shape<C: ConstraintSynthesizer<Fr>>(blank: C) -> Result<Shape, ProverError> {
    let r1cs = R1cs::from_blank(blank)?;
    Ok(Shape {
        constraints: r1cs.num_constraints(),
        public_inputs: r1cs.num_instance - 1,
        witness_variables: r1cs.num_witness,
    })
}

/// A development setup (single-party randomness) for the Approval circuit at `max_depth`:
/// the R1CS matrices built once, and the Groth16 parameters.
///
/// # Errors
/// [`ProverError::Circuit`] for an unsupported depth; synthesis errors otherwise.
#[tracing::instrument(skip(rng))]
pub fn setup_approval<R: RngCore + CryptoRng>(max_depth: usize, rng: &mut R) -> Result<ProverKey, ProverError> {
    let (shape, blank) = engine::approval_shape(max_depth)?;
    ProverKey::setup(shape, blank, rng)
}

/// A development setup for the Threshold circuit at `max_depth` with `k_max` slots.
///
/// # Errors
/// [`ProverError::Threshold`] for unsupported parameters; synthesis errors otherwise.
#[tracing::instrument(skip(rng))]
pub fn setup_threshold<R: RngCore + CryptoRng>(
    max_depth: usize,
    k_max: usize,
    rng: &mut R,
) -> Result<ProverKey, ProverError> {
    let (shape, blank) = engine::threshold_shape(max_depth, k_max)?;
    ProverKey::setup(shape, blank, rng)
}

/// A development setup for the Policy circuit of `shape`.
///
/// # Errors
/// [`ProverError::Policy`] for unsupported parameters; synthesis errors otherwise.
#[tracing::instrument(skip(rng))]
pub fn setup_policy<R: RngCore + CryptoRng>(shape: PolicyShape, rng: &mut R) -> Result<ProverKey, ProverError> {
    let (id, blank) = engine::policy_shape(shape)?;
    ProverKey::setup(id, blank, rng)
}

/// Proves an Approval statement with a key of its shape. The witness is checked against
/// the key's constraints first, so a wrong witness gives [`ProverError::Unsatisfied`]
/// instead of a proof that would not verify.
///
/// # Errors
/// [`ProverError::Unsatisfied`], [`ProverError::MissingWitness`],
/// [`ProverError::ShapeMismatch`], or synthesis errors.
pub fn prove_approval<R: RngCore + CryptoRng>(
    key: &ProverKey,
    circuit: ApprovalCircuit,
    rng: &mut R,
) -> Result<Proof, ProverError> {
    key.prove(circuit, rng)
}

/// Verifies a proof against its public inputs.
///
/// # Errors
/// [`ProverError::PublicInputCount`] when the number of inputs does not match the key.
pub fn verify(pvk: &PreparedVerifyingKey, public_inputs: &[Fr], proof: &Proof) -> Result<bool, ProverError> {
    let expected = pvk.vk.gamma_abc_g1.len() - 1;
    if public_inputs.len() != expected {
        return Err(ProverError::PublicInputCount { expected, got: public_inputs.len() });
    }
    Ok(Groth16::<Bn254>::verify_with_processed_vk(pvk, public_inputs, proof)?)
}

/// Re-randomizes a proof: other bytes, the same statement, still valid. Anyone can do this to
/// a Groth16 proof, which is why on-chain consumers count nullifiers, never proof bytes.
#[must_use]
pub fn rerandomize<R: RngCore + CryptoRng>(vk: &VerifyingKey, proof: &Proof, rng: &mut R) -> Proof {
    Groth16::<Bn254>::rerandomize_proof(vk, proof, rng)
}

/// Prepares a verifying key for repeated verification.
#[must_use]
pub fn prepare(vk: &VerifyingKey) -> PreparedVerifyingKey {
    ark_groth16::prepare_verifying_key(vk)
}

#[cfg(test)]
mod tests {
    use ark_ff::One;
    use rand::SeedableRng;
    use rand_chacha::ChaCha20Rng;
    use veil_circuits::{approval, eddsa::PrivateKey, identity, lean_imt::LeanImt};

    use super::*;

    #[test]
    fn approval_round_trip_and_refusals() {
        let mut rng = ChaCha20Rng::seed_from_u64(61);
        let keys: Vec<PrivateKey> = (0..3).map(|_| PrivateKey::random(&mut rng)).collect();
        let tree = LeanImt::from_leaves(keys.iter().map(|k| identity::commitment(&k.public_key())));
        let key = setup_approval(3, &mut rng).unwrap();
        let pvk = prepare(key.verifying_key());
        let circuit =
            ApprovalCircuit::new(3, &keys[2].secret_scalar(), &tree.proof(2).unwrap(), Fr::from(5u64), Fr::from(6u64))
                .unwrap();
        let inputs = circuit.public_inputs().unwrap();
        let proof = prove_approval(&key, circuit.clone(), &mut rng).unwrap();
        assert!(verify(&pvk, &inputs, &proof).unwrap());
        let mut changed = inputs;
        changed[approval::NULLIFIER] += Fr::one();
        assert!(!verify(&pvk, &changed, &proof).unwrap());
        assert!(matches!(
            verify(&pvk, &inputs[..3], &proof),
            Err(ProverError::PublicInputCount { expected: 4, got: 3 })
        ));

        let mut bad = circuit;
        bad.root = Some(Fr::one());
        assert!(matches!(prove_approval(&key, bad, &mut rng), Err(ProverError::Unsatisfied)));
        assert!(matches!(
            prove_approval(&key, ApprovalCircuit::blank(3).unwrap(), &mut rng),
            Err(ProverError::MissingWitness)
        ));
        assert!(matches!(setup_approval(40, &mut rng), Err(ProverError::Circuit(CircuitError::UnsupportedDepth(40)))));
    }

    #[test]
    fn shape_matches_the_circuit_formula() {
        let s = shape(ApprovalCircuit::blank(20).unwrap()).unwrap();
        assert_eq!(s.constraints, approval::num_constraints(20));
        assert_eq!(s.public_inputs, approval::NUM_PUBLIC_INPUTS);
        assert!(s.witness_variables > s.constraints / 2);
    }
}
