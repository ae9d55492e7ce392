//! The proving engine: a circuit shape's R1CS matrices are built once, at setup, and kept
//! with the proving key, so a proof synthesizes only the witness ([DESIGN §4][design]).
//!
//! Per proof: witness synthesis (no matrices, no LC inlining), a check of every constraint
//! against the stored matrices (a wrong witness is refused instead of yielding a proof that
//! does not verify), the QAP witness map (FFTs) and the MSMs, in parallel with rayon.
//!
//! [design]: https://github.com/veil-zk/veil/blob/main/ARCHITECTURE.md

use std::fmt;

use ark_bn254::Bn254;
use ark_ff::{UniformRand, Zero};
use ark_groth16::{r1cs_to_qap::LibsnarkReduction, Groth16};
use ark_relations::gr1cs::{
    ConstraintSynthesizer, ConstraintSystem, Matrix, OptimizationGoal, SynthesisMode, R1CS_PREDICATE_LABEL,
};
use rand::{CryptoRng, RngCore};
use rayon::prelude::*;
use sha2::{Digest, Sha256};
use veil_circuits::{approval::ApprovalCircuit, threshold::ThresholdCircuit, Fr};

use crate::{Proof, ProverError, ProvingKey, VerifyingKey};

/// Which statement a key proves.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[repr(u16)]
pub enum CircuitId {
    /// The Approval statement (DESIGN §3).
    Approval = 1,
    /// The Threshold statement (DESIGN §3).
    Threshold = 2,
}

impl CircuitId {
    /// The lower-case name used on the command line and in files.
    #[must_use]
    pub const fn name(self) -> &'static str {
        match self {
            Self::Approval => "approval",
            Self::Threshold => "threshold",
        }
    }

    /// The id from its number in a key header.
    #[must_use]
    pub const fn from_u16(n: u16) -> Option<Self> {
        match n {
            1 => Some(Self::Approval),
            2 => Some(Self::Threshold),
            _ => None,
        }
    }
}

impl fmt::Display for CircuitId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// A circuit shape: the statement and the parameters fixed at setup.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct ShapeId {
    /// The statement.
    pub circuit: CircuitId,
    /// The maximum depth of the approver set.
    pub depth: u32,
    /// The number of signature slots (Threshold); 0 for Approval.
    pub k_max: u32,
}

impl fmt::Display for ShapeId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.circuit {
            CircuitId::Approval => write!(f, "approval (depth {})", self.depth),
            CircuitId::Threshold => write!(f, "threshold (depth {}, k_max {})", self.depth, self.k_max),
        }
    }
}

/// The R1CS of a shape: its matrices and sizes.
#[derive(Clone, PartialEq, Eq)]
pub struct R1cs {
    /// A, B and C, row-major: `(coefficient, variable)` per non-zero entry; variables are
    /// numbered instance first (0 is the constant 1), then witness.
    pub matrices: [Matrix<Fr>; 3],
    /// Instance variables including the constant 1.
    pub num_instance: usize,
    /// Witness variables.
    pub num_witness: usize,
}

impl fmt::Debug for R1cs {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("R1cs")
            .field("constraints", &self.num_constraints())
            .field("num_instance", &self.num_instance)
            .field("num_witness", &self.num_witness)
            .finish_non_exhaustive()
    }
}

impl R1cs {
    /// Synthesizes a blank circuit once, in setup mode, and keeps its matrices.
    ///
    /// # Errors
    /// Propagates synthesis errors.
    pub fn from_blank<C: ConstraintSynthesizer<Fr>>(blank: C) -> Result<Self, ProverError> {
        let cs = ConstraintSystem::<Fr>::new_ref();
        cs.set_optimization_goal(OptimizationGoal::Constraints);
        cs.set_mode(SynthesisMode::Setup);
        blank.generate_constraints(cs.clone())?;
        cs.finalize();
        let mut all = cs.to_matrices()?;
        let m = all
            .remove(R1CS_PREDICATE_LABEL)
            .ok_or(ProverError::Synthesis(ark_relations::gr1cs::SynthesisError::PredicateNotFound))?;
        let [a, b, c]: [Matrix<Fr>; 3] =
            m.try_into().map_err(|_| ProverError::Synthesis(ark_relations::gr1cs::SynthesisError::ArityMismatch))?;
        Ok(Self {
            matrices: [a, b, c],
            num_instance: cs.num_instance_variables(),
            num_witness: cs.num_witness_variables(),
        })
    }

    /// The number of constraints.
    #[must_use]
    pub fn num_constraints(&self) -> usize {
        self.matrices[0].len()
    }

    /// SHA-256 over the sizes and every matrix entry: two keys with the same shape hash
    /// prove the same constraint system.
    #[must_use]
    pub fn shape_hash(&self) -> [u8; 32] {
        use ark_ff::{BigInteger, PrimeField};
        let mut h = Sha256::new();
        h.update(b"veil/r1cs/v1");
        for n in [self.num_instance, self.num_witness, self.num_constraints()] {
            h.update((n as u64).to_le_bytes());
        }
        for m in &self.matrices {
            for row in m {
                h.update((row.len() as u64).to_le_bytes());
                for (coeff, var) in row {
                    h.update((*var as u64).to_le_bytes());
                    h.update(coeff.into_bigint().to_bytes_le());
                }
            }
        }
        h.finalize().into()
    }

    /// The first constraint that `z` (instance then witness) violates, if any.
    #[must_use]
    pub fn first_unsatisfied(&self, z: &[Fr]) -> Option<usize> {
        let eval = |row: &[(Fr, usize)]| row.iter().fold(Fr::zero(), |acc, (c, v)| acc + *c * z[*v]);
        let [a, b, c] = &self.matrices;
        (0..self.num_constraints()).into_par_iter().find_first(|&i| eval(&a[i]) * eval(&b[i]) != eval(&c[i]))
    }
}

/// Everything needed to prove one shape: the Groth16 key and the shape's R1CS.
#[derive(Clone, PartialEq)]
pub struct ProverKey {
    /// The shape this key proves.
    pub shape: ShapeId,
    /// Whether the key comes from a single party's randomness (development only).
    pub development: bool,
    /// The Groth16 proving key (it holds the verifying key).
    pub pk: ProvingKey,
    /// The shape's constraint system.
    pub r1cs: R1cs,
}

impl fmt::Debug for ProverKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ProverKey")
            .field("shape", &self.shape)
            .field("development", &self.development)
            .field("r1cs", &self.r1cs)
            .finish_non_exhaustive()
    }
}

impl ProverKey {
    /// A development setup: the matrices of `blank`, then Groth16 parameters from `rng`.
    ///
    /// # Errors
    /// Propagates synthesis errors.
    #[tracing::instrument(skip(blank, rng))]
    pub fn setup<C, R>(shape: ShapeId, blank: C, rng: &mut R) -> Result<Self, ProverError>
    where
        C: ConstraintSynthesizer<Fr> + Clone,
        R: RngCore + CryptoRng,
    {
        let r1cs = R1cs::from_blank(blank.clone())?;
        let pk = Groth16::<Bn254, LibsnarkReduction>::generate_random_parameters_with_reduction(blank, rng)?;
        Ok(Self { shape, development: true, pk, r1cs })
    }

    /// The verifying key.
    #[must_use]
    pub fn verifying_key(&self) -> &VerifyingKey {
        &self.pk.vk
    }

    /// Proves `circuit`, which must be of this key's shape.
    ///
    /// # Errors
    /// [`ProverError::MissingWitness`] for a circuit without witness,
    /// [`ProverError::ShapeMismatch`] for a circuit of another shape,
    /// [`ProverError::Unsatisfied`] when the witness violates a constraint.
    #[tracing::instrument(skip_all, fields(shape = %self.shape))]
    pub fn prove<C, R>(&self, circuit: C, rng: &mut R) -> Result<Proof, ProverError>
    where
        C: ConstraintSynthesizer<Fr>,
        R: RngCore + CryptoRng,
    {
        let z = self.witness(circuit)?;
        if let Some(row) = self.r1cs.first_unsatisfied(&z) {
            tracing::debug!(row, "constraint violated");
            return Err(ProverError::Unsatisfied);
        }
        let (r, s) = (Fr::rand(rng), Fr::rand(rng));
        Ok(Groth16::<Bn254, LibsnarkReduction>::create_proof_with_reduction_and_matrices(
            &self.pk,
            r,
            s,
            &self.r1cs.matrices,
            self.r1cs.num_instance,
            self.r1cs.num_constraints(),
            &z,
        )?)
    }

    /// The full assignment `[1, instance.., witness..]` of `circuit`, synthesized without
    /// building matrices.
    fn witness<C: ConstraintSynthesizer<Fr>>(&self, circuit: C) -> Result<Vec<Fr>, ProverError> {
        let cs = ConstraintSystem::<Fr>::new_ref();
        cs.set_optimization_goal(OptimizationGoal::Constraints);
        cs.set_mode(SynthesisMode::Prove { construct_matrices: false, generate_lc_assignments: false });
        circuit.generate_constraints(cs.clone())?;
        let (instance, witness) = (cs.instance_assignment()?, cs.witness_assignment()?);
        if instance.len() != self.r1cs.num_instance || witness.len() != self.r1cs.num_witness {
            return Err(ProverError::ShapeMismatch {
                key: self.shape.to_string(),
                detail: format!(
                    "the circuit has {} instance and {} witness variables, the key {} and {}",
                    instance.len(),
                    witness.len(),
                    self.r1cs.num_instance,
                    self.r1cs.num_witness
                ),
            });
        }
        let mut z = instance;
        z.extend_from_slice(&witness);
        Ok(z)
    }
}

/// The shape and blank circuit of the Approval statement at `depth`.
///
/// # Errors
/// [`ProverError::Circuit`] for an unsupported depth.
pub fn approval_shape(depth: usize) -> Result<(ShapeId, ApprovalCircuit), ProverError> {
    let blank = ApprovalCircuit::blank(depth)?;
    let depth = u32::try_from(depth).expect("depth ≤ 32");
    Ok((ShapeId { circuit: CircuitId::Approval, depth, k_max: 0 }, blank))
}

/// The shape and blank circuit of the Threshold statement at `depth` with `k_max` slots.
///
/// # Errors
/// [`ProverError::Threshold`] for an unsupported depth or slot count.
pub fn threshold_shape(depth: usize, k_max: usize) -> Result<(ShapeId, ThresholdCircuit), ProverError> {
    let blank = ThresholdCircuit::blank(depth, k_max).map_err(|e| ProverError::Threshold(e.to_string()))?;
    let depth = u32::try_from(depth).expect("depth ≤ 32");
    let k_max = u32::try_from(k_max).expect("k_max ≤ 64");
    Ok((ShapeId { circuit: CircuitId::Threshold, depth, k_max }, blank))
}

#[cfg(test)]
mod tests {
    use ark_ff::One;
    use rand::SeedableRng;
    use rand_chacha::ChaCha20Rng;
    use veil_circuits::{approval, eddsa::PrivateKey, identity, lean_imt::LeanImt};

    use super::*;

    fn member_circuit(depth: usize, rng: &mut ChaCha20Rng) -> ApprovalCircuit {
        let keys: Vec<PrivateKey> = (0..5).map(|_| PrivateKey::random(rng)).collect();
        let set = LeanImt::from_leaves(keys.iter().map(|k| identity::commitment(&k.public_key())));
        ApprovalCircuit::new(depth, &keys[3].secret_scalar(), &set.proof(3).unwrap(), Fr::from(9u64), Fr::from(10u64))
            .unwrap()
    }

    #[test]
    fn matrices_once_prover_matches_the_stock_prover() {
        let mut rng = ChaCha20Rng::seed_from_u64(71);
        let (shape, blank) = approval_shape(4).unwrap();
        let key = ProverKey::setup(shape, blank, &mut rng).unwrap();
        assert_eq!(key.r1cs.num_constraints(), approval::num_constraints(4));
        let pvk = crate::prepare(key.verifying_key());
        let circuit = member_circuit(4, &mut rng);
        let inputs = circuit.public_inputs().unwrap();

        let ours = key.prove(circuit.clone(), &mut rng).unwrap();
        assert!(crate::verify(&pvk, &inputs, &ours).unwrap());
        let stock = Groth16::<Bn254, LibsnarkReduction>::create_random_proof_with_reduction(circuit, &key.pk, &mut rng)
            .unwrap();
        assert!(crate::verify(&pvk, &inputs, &stock).unwrap());
        let mut changed = inputs;
        changed[approval::INTENT] += Fr::one();
        assert!(!crate::verify(&pvk, &changed, &ours).unwrap());
    }

    #[test]
    fn a_bad_witness_is_refused_before_proving() {
        let mut rng = ChaCha20Rng::seed_from_u64(72);
        let (shape, blank) = approval_shape(4).unwrap();
        let key = ProverKey::setup(shape, blank, &mut rng).unwrap();
        let mut circuit = member_circuit(4, &mut rng);
        circuit.nullifier = Some(Fr::one());
        assert!(matches!(key.prove(circuit, &mut rng), Err(ProverError::Unsatisfied)));
        let other_depth = member_circuit(5, &mut rng);
        assert!(matches!(key.prove(other_depth, &mut rng), Err(ProverError::ShapeMismatch { .. })));
        assert!(matches!(key.prove(ApprovalCircuit::blank(4).unwrap(), &mut rng), Err(ProverError::MissingWitness)));
    }

    #[test]
    fn shape_hash_distinguishes_depths_and_is_stable() {
        let h4 = R1cs::from_blank(ApprovalCircuit::blank(4).unwrap()).unwrap().shape_hash();
        assert_eq!(h4, R1cs::from_blank(ApprovalCircuit::blank(4).unwrap()).unwrap().shape_hash());
        assert_ne!(h4, R1cs::from_blank(ApprovalCircuit::blank(5).unwrap()).unwrap().shape_hash());
    }
}
