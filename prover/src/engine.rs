//! The proving engine: a circuit shape's R1CS matrices are built once, at setup, and kept
//! with the proving key, so a proof synthesizes only the witness ([DESIGN §4][design]).
//!
//! Per proof: witness synthesis (no matrices, no LC inlining), a check of every constraint
//! against the stored matrices (a wrong witness is refused instead of yielding a proof that
//! does not verify), the QAP witness map (FFTs) and the MSMs, in parallel with rayon.
//!
//! The witness map is veil's own and the proof is assembled as ark-groth16's
//! `create_proof_with_assignment` assembles it, so both paths give ark-groth16's proof bytes
//! for the same randomness. The MSMs are ark-ec's variable-base ones unless the key's
//! fixed-base tables are built ([`ProverKey::build_tables`], [`crate::msm`]). The build costs several proofs' time and the tables several times the
//! key's memory, so they pay only when one loaded key makes many proofs.
//!
//! [design]: https://github.com/veil-zk/veil/blob/main/DESIGN.md

use std::{fmt, sync::Arc, time::Instant};

use ark_bn254::{g1::Config as G1Config, g2::Config as G2Config, Bn254, G1Affine, G1Projective, G2Projective};
use ark_ec::{AffineRepr, CurveGroup};
use ark_ff::{FftField, Field, PrimeField, UniformRand, Zero};
use ark_groth16::{r1cs_to_qap::LibsnarkReduction, Groth16};
use ark_poly::{EvaluationDomain, GeneralEvaluationDomain};
use ark_relations::gr1cs::{
    ConstraintSynthesizer, ConstraintSystem, Matrix, OptimizationGoal, SynthesisError, SynthesisMode,
    R1CS_PREDICATE_LABEL,
};
use rand::{CryptoRng, RngCore};
use rayon::prelude::*;
use sha2::{Digest, Sha256};
use veil_circuits::{
    approval::ApprovalCircuit,
    policy::{PolicyCircuit, PolicyShape},
    threshold::ThresholdCircuit,
    Fr,
};

use crate::{
    msm::{BigInt, FixedBaseMsm, TableCurve},
    sparse::SparseMatrix,
    Proof, ProverError, ProvingKey, VerifyingKey,
};

/// Which statement a key proves.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[repr(u16)]
pub enum CircuitId {
    /// The Approval statement (DESIGN §3).
    Approval = 1,
    /// The Threshold statement (DESIGN §3).
    Threshold = 2,
    /// The Policy statement (DESIGN §3.3).
    Policy = 3,
}

impl CircuitId {
    /// The lower-case name used on the command line and in files.
    #[must_use]
    pub const fn name(self) -> &'static str {
        match self {
            Self::Approval => "approval",
            Self::Threshold => "threshold",
            Self::Policy => "policy",
        }
    }

    /// The id from its number in a key header.
    #[must_use]
    pub const fn from_u16(n: u16) -> Option<Self> {
        match n {
            1 => Some(Self::Approval),
            2 => Some(Self::Threshold),
            3 => Some(Self::Policy),
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
    /// The number of signature slots (Threshold, Policy); 0 for Approval.
    pub k_max: u32,
    /// The depth of the policy tree (Policy); 0 for the others.
    pub policy_depth: u32,
}

impl fmt::Display for ShapeId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.circuit {
            CircuitId::Approval => write!(f, "approval (depth {})", self.depth),
            CircuitId::Threshold => write!(f, "threshold (depth {}, k_max {})", self.depth, self.k_max),
            CircuitId::Policy => {
                write!(f, "policy (depth {}, k_max {}, policy depth {})", self.depth, self.k_max, self.policy_depth)
            }
        }
    }
}

/// Where a key's Groth16 parameters came from (DESIGN §4.4).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Provenance {
    /// A development setup ([`ProverKey::setup`]): one machine's randomness, so whoever ran
    /// it knows the toxic waste and can forge proofs.
    Development,
    /// A multi-party phase-2 ceremony, identified by the circuit it was run for.
    Ceremony {
        /// SHA-256 of the circuit's iden3 `.r1cs` export.
        r1cs_hash: [u8; 32],
        /// The ceremony's circuit hash: snarkjs's `csHash` (BLAKE2b-512).
        circuit_hash: [u8; 64],
    },
}

impl Provenance {
    /// Whether the key comes from a development setup.
    #[must_use]
    pub const fn is_development(&self) -> bool {
        matches!(self, Self::Development)
    }
}

impl fmt::Display for Provenance {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Development => f.write_str("development setup"),
            Self::Ceremony { circuit_hash, .. } => {
                write!(f, "ceremony, circuit hash {}…", hex::encode(&circuit_hash[..8]))
            }
        }
    }
}

/// The R1CS of a shape: its matrices and sizes.
#[derive(Clone)]
pub struct R1cs {
    /// A, B and C, in the key file's encoding (evaluated in place, from a mapped key too).
    pub matrices: [SparseMatrix; 3],
    /// Instance variables including the constant 1.
    pub num_instance: usize,
    /// Witness variables.
    pub num_witness: usize,
    /// The matrices as arkworks' rows, decoded on first use by ark-groth16's own prover
    /// ([`ProverKey::prove_stock`]); derived, ignored by `==`.
    pub(crate) rows: std::sync::OnceLock<Arc<[Matrix<Fr>; 3]>>,
}

impl PartialEq for R1cs {
    fn eq(&self, other: &Self) -> bool {
        (self.matrices == other.matrices)
            && (self.num_instance, self.num_witness) == (other.num_instance, other.num_witness)
    }
}

impl Eq for R1cs {}

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
            matrices: [&a, &b, &c].map(SparseMatrix::from_rows),
            num_instance: cs.num_instance_variables(),
            num_witness: cs.num_witness_variables(),
            rows: std::sync::OnceLock::new(),
        })
    }

    /// The three matrices and the sizes.
    #[must_use]
    pub fn new(matrices: [SparseMatrix; 3], num_instance: usize, num_witness: usize) -> Self {
        Self { matrices, num_instance, num_witness, rows: std::sync::OnceLock::new() }
    }

    /// The matrices as arkworks' rows (decoded once, then kept).
    #[must_use]
    pub fn rows(&self) -> Arc<[Matrix<Fr>; 3]> {
        self.rows.get_or_init(|| Arc::new(self.matrices.each_ref().map(SparseMatrix::to_rows))).clone()
    }

    /// The number of constraints.
    #[must_use]
    pub fn num_constraints(&self) -> usize {
        self.matrices[0].rows()
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
            for i in 0..m.rows() {
                let row = m.row(i);
                h.update((row.len() as u64).to_le_bytes());
                for (coeff, var) in row {
                    h.update((var as u64).to_le_bytes());
                    h.update(coeff.into_bigint().to_bytes_le());
                }
            }
        }
        h.finalize().into()
    }

    /// The first constraint that `z` (instance then witness) violates, if any.
    #[must_use]
    pub fn first_unsatisfied(&self, z: &[Fr]) -> Option<usize> {
        let [a, b, c] = &self.matrices;
        (0..self.num_constraints())
            .into_par_iter()
            .find_first(|&i| a.evaluate(i, z) * b.evaluate(i, z) != c.evaluate(i, z))
    }
}

/// Everything needed to prove one shape: the Groth16 key and the shape's R1CS.
#[derive(Clone)]
pub struct ProverKey {
    /// The shape this key proves.
    pub shape: ShapeId,
    /// Where the Groth16 parameters came from: a development setup or a ceremony.
    pub provenance: Provenance,
    /// The Groth16 proving key (it holds the verifying key).
    pub pk: ProvingKey,
    /// The shape's constraint system.
    pub r1cs: R1cs,
    /// Fixed-base MSM tables of `pk`'s queries, when built ([`ProverKey::build_tables`]);
    /// derived data, ignored by `==`. `None` proves with ark-groth16's variable-base MSMs.
    pub tables: Option<Arc<MsmTables>>,
    /// Whether the key proves once (a `veil prove` process): the pages of its mapped matrices
    /// then leave the process's memory as soon as the witness map has read them, which
    /// lowers the proof's peak memory; a later proof still works (it reads them from the
    /// file again). Ignored by `==`.
    pub prove_once: bool,
}

impl PartialEq for ProverKey {
    fn eq(&self, other: &Self) -> bool {
        self.shape == other.shape
            && self.provenance == other.provenance
            && self.pk == other.pk
            && self.r1cs == other.r1cs
    }
}

impl fmt::Debug for ProverKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ProverKey")
            .field("shape", &self.shape)
            .field("provenance", &self.provenance)
            .field("r1cs", &self.r1cs)
            .field("tables", &self.tables)
            .finish_non_exhaustive()
    }
}

/// Fixed-base MSM tables for the five queries of a Groth16 proving key: the window
/// multiples of every non-zero base, built once per key ([`MsmTables::new`]) and kept in
/// memory or in a file beside the key ([`crate::tablefile`]).
#[derive(Debug)]
pub struct MsmTables {
    /// `a_query[1..]`.
    pub(crate) a: FixedBaseMsm<G1Config>,
    /// `b_g1_query[1..]`.
    pub(crate) b_g1: FixedBaseMsm<G1Config>,
    /// `b_g2_query[1..]`.
    pub(crate) b_g2: FixedBaseMsm<G2Config>,
    /// `h_query`.
    pub(crate) h: FixedBaseMsm<G1Config>,
    /// `l_query`.
    pub(crate) l: FixedBaseMsm<G1Config>,
    /// How long the build (or the read) took.
    pub build_time: std::time::Duration,
    /// The prepared verifying key every proof from the tables is checked against.
    pub(crate) pvk: std::sync::OnceLock<crate::PreparedVerifyingKey>,
}

impl MsmTables {
    /// The same tables, every bucket addition on the scalar path (tests of both paths).
    #[cfg(test)]
    pub(crate) fn on_scalar_path(&self) -> Self {
        Self {
            a: self.a.clone().on_scalar_path(),
            b_g1: self.b_g1.clone().on_scalar_path(),
            b_g2: self.b_g2.clone().on_scalar_path(),
            h: self.h.clone().on_scalar_path(),
            l: self.l.clone().on_scalar_path(),
            build_time: self.build_time,
            pvk: self.pvk.clone(),
        }
    }

    /// The default memory budget of a key's tables: 2 GiB. Only keys of more than ~100,000
    /// constraints reach it (Approval at depth 20 takes 40 MiB, Threshold K_MAX 8 365 MiB);
    /// Threshold K_MAX 32 fits at windows of 17–19 bits in 1.35 GiB, where 1 GiB would force
    /// 20-bit windows and cost ~10% more time per proof (BENCHMARKS.md).
    pub const DEFAULT_BUDGET: usize = 2 << 30;

    /// Builds the tables of `pk` within `budget` bytes (split over the queries by their
    /// share of the points), each query's window width chosen by
    /// [`FixedBaseMsm::choose_window`].
    #[must_use]
    pub fn new(pk: &ProvingKey, budget: usize) -> Self {
        let start = Instant::now();
        let nonzero = |q: &[G1Affine]| q.iter().filter(|p| !p.is_zero()).count();
        let g1 = [&pk.a_query[1..], &pk.b_g1_query[1..], &pk.h_query[..], &pk.l_query[..]].map(nonzero);
        let g2 = pk.b_g2_query[1..].iter().filter(|p| !p.is_zero()).count();
        let g1_size = 8 * <G1Config as TableCurve>::LIMBS;
        let g2_size = 8 * <G2Config as TableCurve>::LIMBS;
        let total = (g1.iter().sum::<usize>() * g1_size + g2 * g2_size).max(1);
        // Each query gets the share of the budget its points take.
        let share = |n: usize, size: usize| budget / total * (n * size) + (budget % total) * (n * size) / total;
        let g1w = |n: usize| FixedBaseMsm::<G1Config>::choose_window(n, share(n, g1_size));
        let g2w = FixedBaseMsm::<G2Config>::choose_window(g2, share(g2, g2_size));
        Self {
            a: FixedBaseMsm::new(&pk.a_query[1..], g1w(g1[0])),
            b_g1: FixedBaseMsm::new(&pk.b_g1_query[1..], g1w(g1[1])),
            b_g2: FixedBaseMsm::new(&pk.b_g2_query[1..], g2w),
            h: FixedBaseMsm::new(&pk.h_query, g1w(g1[2])),
            l: FixedBaseMsm::new(&pk.l_query, g1w(g1[3])),
            build_time: start.elapsed(),
            pvk: std::sync::OnceLock::new(),
        }
    }

    /// Bytes held by the tables.
    #[must_use]
    pub fn size_bytes(&self) -> usize {
        [&self.a, &self.b_g1, &self.h, &self.l].iter().map(|t| t.size_bytes()).sum::<usize>() + self.b_g2.size_bytes()
    }

    /// The window widths of A, B in G1, B in G2, H and L.
    #[must_use]
    pub fn windows(&self) -> [usize; 5] {
        [self.a.window(), self.b_g1.window(), self.b_g2.window(), self.h.window(), self.l.window()]
    }
}

impl ProverKey {
    /// A development setup ([`Provenance::Development`]): the matrices of `blank`, then
    /// Groth16 parameters from `rng`.
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
        Ok(Self { shape, provenance: Provenance::Development, pk, r1cs, tables: None, prove_once: false })
    }

    /// The verifying key.
    #[must_use]
    pub fn verifying_key(&self) -> &VerifyingKey {
        &self.pk.vk
    }

    /// Builds the fixed-base MSM tables of this key within `budget` bytes (see
    /// [`MsmTables::new`]); later proofs use them. Worth it when one loaded key makes many
    /// proofs: the build costs several proofs' time.
    pub fn build_tables(&mut self, budget: usize) {
        let tables = MsmTables::new(&self.pk, budget);
        tracing::debug!(bytes = tables.size_bytes(), ms = tables.build_time.as_millis(), "MSM tables built");
        self.tables = Some(Arc::new(tables));
    }

    /// Proves `circuit`, which must be of this key's shape, with the fixed-base MSM tables
    /// when they are built and ark-groth16's prover otherwise; both give the same proof for
    /// the same randomness.
    ///
    /// # Errors
    /// [`ProverError::MissingWitness`] for a circuit without witness,
    /// [`ProverError::ShapeMismatch`] for a circuit of another shape,
    /// [`ProverError::Unsatisfied`] when the witness violates a constraint.
    pub fn prove<C, R>(&self, circuit: C, rng: &mut R) -> Result<Proof, ProverError>
    where
        C: ConstraintSynthesizer<Fr>,
        R: RngCore + CryptoRng,
    {
        self.prove_assignment(&Assignment::synthesize(circuit)?, rng)
    }

    /// Proves a synthesized circuit ([`Assignment::synthesize`], which needs no key, so it
    /// can run while the key loads); as [`ProverKey::prove`].
    ///
    /// # Errors
    /// As [`ProverKey::prove`].
    #[tracing::instrument(skip_all, fields(shape = %self.shape))]
    pub fn prove_assignment<R: RngCore + CryptoRng>(&self, a: &Assignment, rng: &mut R) -> Result<Proof, ProverError> {
        self.check_shape(a)?;
        let z = &a.z;
        let (r, s) = (Fr::rand(rng), Fr::rand(rng));
        let start = Instant::now();
        let proof = match &self.tables {
            Some(tables) => {
                // The table prover checks every constraint on the way (its witness map
                // evaluates them anyway).
                let proof = self.prove_with_tables(tables, z, r, s)?;
                // Tables may come from a file: each of their proofs is verified, and a
                // failure (a damaged file) falls back to the variable-base MSMs.
                let pvk = tables.pvk.get_or_init(|| crate::prepare(&self.pk.vk));
                if crate::verify(pvk, a.public_inputs(), &proof)? {
                    Ok(proof)
                } else {
                    tracing::warn!(
                        "the MSM tables gave a proof that does not verify (a damaged tables file?); proving without them"
                    );
                    self.prove_with(Msms::VariableBase, z, r, s)
                }
            }
            None => self.prove_with(Msms::VariableBase, z, r, s),
        };
        tracing::debug!(ms = ms(start), tables = self.tables.is_some(), "proof computed");
        proof
    }

    /// SHA-256 of the shape, the verifying key, β₁, δ₁ and the query lengths: it names this
    /// key in files derived from it ([`crate::tablefile`]). Two setups share it only if they
    /// share their toxic waste.
    #[must_use]
    pub fn fingerprint(&self) -> [u8; 32] {
        use ark_serialize::CanonicalSerialize;
        let mut bytes = b"veil/key-fingerprint/v1".to_vec();
        bytes.extend_from_slice(&(self.shape.circuit as u16).to_le_bytes());
        bytes.extend_from_slice(&self.shape.depth.to_le_bytes());
        bytes.extend_from_slice(&self.shape.k_max.to_le_bytes());
        let pk = &self.pk;
        (&pk.vk, &pk.beta_g1, &pk.delta_g1).serialize_uncompressed(&mut bytes).expect("writing to a Vec");
        for n in [pk.a_query.len(), pk.b_g1_query.len(), pk.b_g2_query.len(), pk.h_query.len(), pk.l_query.len()] {
            bytes.extend_from_slice(&(n as u64).to_le_bytes());
        }
        Sha256::digest(&bytes).into()
    }

    /// Proves `circuit` with ark-groth16's `create_proof_with_reduction_and_matrices`
    /// (variable-base MSMs), whether or not tables are built.
    ///
    /// # Errors
    /// As [`ProverKey::prove`].
    pub fn prove_stock<C, R>(&self, circuit: C, rng: &mut R) -> Result<Proof, ProverError>
    where
        C: ConstraintSynthesizer<Fr>,
        R: RngCore + CryptoRng,
    {
        let a = Assignment::synthesize(circuit)?;
        self.check(&a)?;
        let (r, s) = (Fr::rand(rng), Fr::rand(rng));
        self.prove_assignment_stock(&a.z, r, s)
    }

    /// Refuses an assignment of another shape, or one that violates a constraint.
    fn check(&self, a: &Assignment) -> Result<(), ProverError> {
        self.check_shape(a)?;
        let start = Instant::now();
        if let Some(row) = self.r1cs.first_unsatisfied(&a.z) {
            tracing::debug!(row, "constraint violated");
            return Err(ProverError::Unsatisfied);
        }
        tracing::debug!(ms = ms(start), "every constraint holds");
        Ok(())
    }

    /// Refuses an assignment of another shape.
    fn check_shape(&self, a: &Assignment) -> Result<(), ProverError> {
        if a.num_instance != self.r1cs.num_instance || a.z.len() - a.num_instance != self.r1cs.num_witness {
            return Err(ProverError::ShapeMismatch {
                key: self.shape.to_string(),
                detail: format!(
                    "the circuit has {} instance and {} witness variables, the key {} and {}",
                    a.num_instance,
                    a.z.len() - a.num_instance,
                    self.r1cs.num_instance,
                    self.r1cs.num_witness
                ),
            });
        }
        Ok(())
    }

    /// The checked full assignment of `circuit` (tests).
    #[cfg(test)]
    pub(crate) fn checked_assignment<C: ConstraintSynthesizer<Fr>>(&self, circuit: C) -> Result<Vec<Fr>, ProverError> {
        let a = Assignment::synthesize(circuit)?;
        self.check(&a)?;
        Ok(a.z.clone())
    }

    fn prove_assignment_stock(&self, z: &[Fr], r: Fr, s: Fr) -> Result<Proof, ProverError> {
        Ok(Groth16::<Bn254, LibsnarkReduction>::create_proof_with_reduction_and_matrices(
            &self.pk,
            r,
            s,
            &self.r1cs.rows()[..],
            self.r1cs.num_instance,
            self.r1cs.num_constraints(),
            z,
        )?)
    }

    /// ark-groth16's `create_proof_with_assignment` with the MSMs over `tables`: the same
    /// group elements, hence the same proof bytes, for the same `r` and `s`.
    ///
    /// # Errors
    /// [`ProverError::Unsatisfied`] when `z` violates a constraint.
    pub(crate) fn prove_with_tables(&self, tables: &MsmTables, z: &[Fr], r: Fr, s: Fr) -> Result<Proof, ProverError> {
        self.prove_with(Msms::Tables(tables), z, r, s)
    }

    /// ark-groth16's `create_proof_with_assignment`, rearranged: the witness map (which
    /// checks every constraint) and the H MSM, which needs it, run beside the other four
    /// MSMs, over `msms`. The same group elements, hence the same proof bytes, as
    /// ark-groth16's prover for the same `r` and `s` (tested).
    ///
    /// # Errors
    /// [`ProverError::Unsatisfied`] when `z` violates a constraint.
    fn prove_with(&self, msms: Msms<'_>, z: &[Fr], r: Fr, s: Fr) -> Result<Proof, ProverError> {
        use ark_ec::VariableBaseMSM;
        let pk = &self.pk;
        let num_instance = self.r1cs.num_instance;
        // The five MSMs and the witness map run side by side, the G2 MSM (the longest) first;
        // a thread that runs out of work takes half of what is left of a table MSM.
        let g1 = |query: &[G1Affine], table: Option<&FixedBaseMsm<G1Config>>, scalars: &[BigInt<G1Config>]| match table
        {
            Some(t) => t.msm_bigint(scalars),
            None => G1Projective::msm_bigint(query, scalars),
        };
        let tables = match msms {
            Msms::Tables(t) => Some(t),
            Msms::VariableBase => None,
        };
        let (h_acc, (b_g2_acc, (a_acc, (b_g1_acc, l_acc)))) = rayon::join(
            || {
                self.witness_map(z).map(|h| {
                    let h: Vec<_> = h.par_iter().map(|x| x.into_bigint()).collect();
                    g1(&pk.h_query, tables.map(|t| &t.h), &h)
                })
            },
            || {
                // [instance[1..], witness..], as ark-groth16's `assignment`.
                // The witness again (as integers): wiped when dropped, as the Assignment is.
                let assignment: zeroize::Zeroizing<Vec<_>> =
                    zeroize::Zeroizing::new(z[1..].par_iter().map(|x| x.into_bigint()).collect());
                let aux = &assignment[num_instance - 1..];
                rayon::join(
                    || match tables {
                        Some(t) => t.b_g2.msm_bigint(&assignment),
                        None => G2Projective::msm_bigint(&pk.b_g2_query[1..], &assignment),
                    },
                    || {
                        rayon::join(
                            || g1(&pk.a_query[1..], tables.map(|t| &t.a), &assignment),
                            || {
                                rayon::join(
                                    || {
                                        if r.is_zero() {
                                            G1Projective::zero()
                                        } else {
                                            g1(&pk.b_g1_query[1..], tables.map(|t| &t.b_g1), &assignment)
                                        }
                                    },
                                    || g1(&pk.l_query, tables.map(|t| &t.l), aux),
                                )
                            },
                        )
                    },
                )
            },
        );
        let h_acc = h_acc?;
        // A = α + Σ z_i·A_i + r·δ and B = β + Σ z_i·B_i + s·δ, as ark-groth16's
        // `calculate_coeff`; C = s·A + r·B₁ − r·s·δ + Σ w_i·L_i + Σ h_i·H_i.
        let g_a: G1Projective = pk.delta_g1 * r + pk.a_query[0] + a_acc + pk.vk.alpha_g1;
        let g1_b: G1Projective =
            if r.is_zero() { G1Projective::zero() } else { pk.delta_g1 * s + pk.b_g1_query[0] + b_g1_acc + pk.beta_g1 };
        let g2_b: G2Projective = pk.vk.delta_g2 * s + pk.b_g2_query[0] + b_g2_acc + pk.vk.beta_g2;
        let g_c = g_a * s + g1_b * r - pk.delta_g1 * (r * s) + l_acc + h_acc;
        Ok(Proof { a: g_a.into_affine(), b: g2_b.into_affine(), c: g_c.into_affine() })
    }

    /// The coefficients of h = (a·b − c)/Z of the QAP, exactly as ark-groth16's
    /// `LibsnarkReduction::witness_map_from_matrices` computes them, with every constraint
    /// checked on the evaluations it needs anyway (a·b = c on each row), and the three
    /// transforms of a, b and c run side by side.
    ///
    /// # Errors
    /// [`ProverError::Unsatisfied`] when `z` violates a constraint.
    pub(crate) fn witness_map(&self, z: &[Fr]) -> Result<Vec<Fr>, ProverError> {
        self.witness_map_on(z, veil_simd::available())
    }

    /// [`ProverKey::witness_map`] with the transforms on the vector kernel ([`crate::fft`])
    /// if `vector` (and the domain has at least 16 elements), else ark-poly's.
    pub(crate) fn witness_map_on(&self, z: &[Fr], vector: bool) -> Result<Vec<Fr>, ProverError> {
        let start = Instant::now();
        let (n, m) = (self.r1cs.num_constraints(), self.r1cs.num_instance);
        let domain = GeneralEvaluationDomain::<Fr>::new(n + m).ok_or(SynthesisError::PolynomialDegreeTooLarge)?;
        let size = domain.size();
        let [ma, mb, mc] = &self.r1cs.matrices;
        let vector = vector && size >= 16;
        let h = if vector {
            // The evaluations straight into blocks of eight (arkworks' layout), checked there.
            let row = |i: usize, m: &SparseMatrix| if i < n { m.evaluate(i, z) } else { Fr::zero() };
            let mut blocks = [vec![[0u64; 32]; size / 8], vec![[0u64; 32]; size / 8], vec![[0u64; 32]; size / 8]];
            let [a, b, c] = &mut blocks;
            let bad = a
                .par_iter_mut()
                .zip(b.par_iter_mut())
                .zip(c.par_iter_mut())
                .enumerate()
                .filter_map(|(k, ((a, b), c))| {
                    let mut bad = None;
                    for e in 0..8 {
                        let i = 8 * k + e;
                        let (x, y, w) = (row(i, ma), row(i, mb), row(i, mc));
                        if x * y != w && bad.is_none() {
                            bad = Some(i);
                        }
                        // The instance rows: a = z_i, b = c = 0 (libsnark's reduction).
                        let x = if (n..n + m).contains(&i) { z[i - n] } else { x };
                        a[4 * e..4 * e + 4].copy_from_slice(&x.0 .0);
                        b[4 * e..4 * e + 4].copy_from_slice(&y.0 .0);
                        c[4 * e..4 * e + 4].copy_from_slice(&w.0 .0);
                    }
                    bad
                })
                .min();
            if let Some(row) = bad {
                tracing::debug!(row, "constraint violated");
                return Err(ProverError::Unsatisfied);
            }
            self.matrices_read();
            crate::fft::Domain::get(size.trailing_zeros()).quotient(a, b, c)
        } else {
            let (mut a, mut b, mut c) = (vec![Fr::zero(); size], vec![Fr::zero(); size], vec![Fr::zero(); size]);
            a[..n].par_iter_mut().zip(&mut b[..n]).zip(&mut c[..n]).enumerate().for_each(|(i, ((a, b), c))| {
                (*a, *b, *c) = (ma.evaluate(i, z), mb.evaluate(i, z), mc.evaluate(i, z));
            });
            if let Some(row) = (0..n).into_par_iter().find_first(|&i| a[i] * b[i] != c[i]) {
                tracing::debug!(row, "constraint violated");
                return Err(ProverError::Unsatisfied);
            }
            self.matrices_read();
            // The instance rows: a = z_i, b = c = 0 (libsnark's reduction).
            a[n..n + m].copy_from_slice(&z[..m]);
            let coset = domain.get_coset(Fr::GENERATOR).ok_or(SynthesisError::PolynomialDegreeTooLarge)?;
            let to_coset = |v: &mut Vec<Fr>| {
                domain.ifft_in_place(v);
                coset.fft_in_place(v);
            };
            rayon::join(|| to_coset(&mut a), || rayon::join(|| to_coset(&mut b), || to_coset(&mut c)));
            let z_inverse =
                domain.evaluate_vanishing_polynomial(Fr::GENERATOR).inverse().expect("Z ≠ 0 off the domain");
            a.par_iter_mut().zip(&b).zip(&c).for_each(|((a, b), c)| *a = (*a * b - c) * z_inverse);
            coset.ifft_in_place(&mut a);
            a
        };
        tracing::debug!(ms = ms(start), vector, "witness map (every constraint holds)");
        Ok(h)
    }

    /// After the witness map has read the matrices: releases them if this key proves once.
    fn matrices_read(&self) {
        if self.prove_once {
            self.r1cs.matrices.iter().for_each(SparseMatrix::release);
        }
    }
}

/// How a proof's MSMs run.
#[derive(Clone, Copy)]
enum Msms<'a> {
    /// Over the key's fixed-base tables.
    Tables(&'a MsmTables),
    /// ark-ec's variable-base MSMs over the key's queries.
    VariableBase,
}

/// A circuit's full assignment `[1, instance.., witness..]`, synthesized without building
/// matrices and without a key. It holds the witness: its `Debug` shows sizes only, and
/// dropping it wipes it.
#[derive(Clone)]
pub struct Assignment {
    z: Vec<Fr>,
    num_instance: usize,
}

/// The witness holds the signer's secret (its scalar's bits among other values): wiped from
/// memory when the assignment is dropped.
impl Drop for Assignment {
    fn drop(&mut self) {
        zeroize::Zeroize::zeroize(&mut self.z);
    }
}

impl fmt::Debug for Assignment {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Assignment")
            .field("instance", &self.num_instance)
            .field("witness", &(self.z.len() - self.num_instance))
            .finish()
    }
}

impl Assignment {
    /// Synthesizes `circuit`'s assignment.
    ///
    /// # Errors
    /// [`ProverError::MissingWitness`] for a circuit without witness, and synthesis errors.
    pub fn synthesize<C: ConstraintSynthesizer<Fr>>(circuit: C) -> Result<Self, ProverError> {
        let start = Instant::now();
        let cs = ConstraintSystem::<Fr>::new_ref();
        cs.set_optimization_goal(OptimizationGoal::Constraints);
        cs.set_mode(SynthesisMode::Prove { construct_matrices: false, generate_lc_assignments: false });
        circuit.generate_constraints(cs.clone())?;
        let (mut z, witness) = (cs.instance_assignment()?, cs.witness_assignment()?);
        let num_instance = z.len();
        z.extend_from_slice(&witness);
        tracing::debug!(ms = ms(start), "witness synthesized");
        Ok(Self { z, num_instance })
    }

    /// The public inputs (the instance without the constant 1).
    #[must_use]
    pub fn public_inputs(&self) -> &[Fr] {
        &self.z[1..self.num_instance]
    }
}

/// Milliseconds since `start`, for the debug log.
fn ms(start: Instant) -> f64 {
    start.elapsed().as_secs_f64() * 1e3
}

/// The shape and blank circuit of the Approval statement at `depth`.
///
/// # Errors
/// [`ProverError::Circuit`] for an unsupported depth.
pub fn approval_shape(depth: usize) -> Result<(ShapeId, ApprovalCircuit), ProverError> {
    let blank = ApprovalCircuit::blank(depth)?;
    let depth = u32::try_from(depth).expect("depth ≤ 32");
    Ok((ShapeId { circuit: CircuitId::Approval, depth, k_max: 0, policy_depth: 0 }, blank))
}

/// The shape and blank circuit of the Threshold statement at `depth` with `k_max` slots.
///
/// # Errors
/// [`ProverError::Threshold`] for an unsupported depth or slot count.
pub fn threshold_shape(depth: usize, k_max: usize) -> Result<(ShapeId, ThresholdCircuit), ProverError> {
    let blank = ThresholdCircuit::blank(depth, k_max)?;
    let depth = u32::try_from(depth).expect("depth ≤ 32");
    let k_max = u32::try_from(k_max).expect("k_max ≤ 64");
    Ok((ShapeId { circuit: CircuitId::Threshold, depth, k_max, policy_depth: 0 }, blank))
}

/// The shape and blank circuit of the Policy statement of `shape`.
///
/// # Errors
/// [`ProverError::Policy`] for an unsupported depth, slot count or policy depth.
pub fn policy_shape(shape: PolicyShape) -> Result<(ShapeId, PolicyCircuit), ProverError> {
    let blank = PolicyCircuit::blank(shape)?;
    let id = ShapeId {
        circuit: CircuitId::Policy,
        depth: u32::try_from(shape.max_depth).expect("depth ≤ 32"),
        k_max: u32::try_from(shape.k_max).expect("k_max ≤ 64"),
        policy_depth: u32::try_from(shape.policy_depth).expect("policy depth ≤ 16"),
    };
    Ok((id, blank))
}

impl ShapeId {
    /// The Policy shape this id names (`None` for the other statements).
    #[must_use]
    pub fn policy(&self) -> Option<PolicyShape> {
        (self.circuit == CircuitId::Policy).then_some(PolicyShape {
            max_depth: self.depth as usize,
            k_max: self.k_max as usize,
            policy_depth: self.policy_depth as usize,
        })
    }
}

#[cfg(test)]
mod tests;
