//! The identity commitment `Poseidon(A.x, A.y)`, as `@semaphore-protocol/identity` v4.
//!
//! Reference: <https://github.com/semaphore-protocol/semaphore/tree/main/packages/identity>
//! (npm release pinned in `scripts/package-lock.json`). The same private key gives the same
//! commitment in veil and in Semaphore ([DESIGN §2][design]).
//!
//! [design]: https://github.com/veil-zk/veil/blob/main/DESIGN.md

use ark_r1cs_std::fields::fp::FpVar;
use ark_relations::gr1cs::{ConstraintSystemRef, SynthesisError};

use crate::{
    babyjubjub::{constraints::PointVar, Point},
    poseidon::{self, constraints::PoseidonGadget},
    Fr,
};

/// `Poseidon(A.x, A.y)`.
#[must_use]
pub fn commitment(public_key: &Point) -> Fr {
    poseidon::hash2(public_key.x, public_key.y)
}

/// `Poseidon(A.x, A.y)` in-circuit (240 constraints).
///
/// # Errors
/// Propagates synthesis errors.
pub fn commitment_var(cs: ConstraintSystemRef<Fr>, public_key: &PointVar) -> Result<FpVar<Fr>, SynthesisError> {
    PoseidonGadget::hash2(cs, &public_key.x, &public_key.y)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::{eddsa::PrivateKey, test_vectors};

    #[test]
    fn matches_semaphore_identity_vectors() {
        let file = test_vectors::load("identity");
        let vs = test_vectors::vectors(&file);
        assert!(vs.len() >= 10);
        for v in vs {
            let key = PrivateKey::from_bytes(&test_vectors::hex(&v["private_key"]));
            if let Some(text) = v["private_key_utf8"].as_str() {
                assert_eq!(PrivateKey::from_bytes(text.as_bytes()).as_bytes(), key.as_bytes());
            }
            let secret = key.secret_scalar();
            assert_eq!(secret.to_fr(), test_vectors::fr(&v["secret_scalar"]));
            let a = key.public_key();
            assert_eq!(vec![a.x, a.y], test_vectors::frs(&v["public_key"]));
            assert_eq!(commitment(&a), test_vectors::fr(&v["commitment"]));
        }
    }
}
