use ark_ff::{One, Zero};
use ark_relations::gr1cs::{ConstraintSynthesizer, ConstraintSystem};
use rand::SeedableRng;
use rand_chacha::ChaCha20Rng;
use veil_circuits::{approval, babyjubjub::Point, threshold};

use super::*;
use crate::testing::intent;

const DEPTH: usize = 4;

fn satisfied(circuit: impl ConstraintSynthesizer<Fr>) -> bool {
    let cs = ConstraintSystem::<Fr>::new_ref();
    circuit.generate_constraints(cs.clone()).unwrap();
    cs.is_satisfied().unwrap()
}

fn signers(circuit: &ThresholdCircuit) -> Vec<Point> {
    circuit.slots.as_ref().unwrap().iter().filter(|s| s.enabled).map(|s| s.public_key()).collect()
}
const K_MAX: usize = 3;

fn members(n: usize) -> (Vec<PrivateKey>, ApproverSet) {
    let mut rng = ChaCha20Rng::seed_from_u64(7);
    let keys: Vec<PrivateKey> = (0..n).map(|_| PrivateKey::random(&mut rng)).collect();
    let set = ApproverSet::from_members(keys.iter().map(|k| identity::commitment(&k.public_key()))).unwrap();
    (keys, set)
}

#[test]
fn approval_witness_satisfies_and_refuses() {
    let (keys, set) = members(3);
    let i = intent(1);
    let circuit = approval(&keys[1], &set, &i, None, DEPTH).unwrap();
    let inputs = circuit.public_inputs().unwrap();
    assert_eq!(inputs[approval::ROOT], set.root().unwrap());
    assert_eq!(inputs[approval::INTENT], i.field_element());
    assert_eq!(inputs[approval::SCOPE], i.field_element(), "the scope defaults to the intent");
    assert!(satisfied(circuit.clone()));
    let scoped = approval(&keys[1], &set, &i, Some(Fr::one()), DEPTH).unwrap();
    assert_eq!(scoped.public_inputs().unwrap()[approval::SCOPE], Fr::one());

    let outsider = PrivateKey::random(&mut ChaCha20Rng::seed_from_u64(99));
    assert!(matches!(approval(&outsider, &set, &i, None, DEPTH), Err(WitnessError::NotAMember)));
    // Five members make a tree of depth 3; member 0's proof has three siblings.
    let (keys5, big) = members(5);
    assert!(matches!(
        approval(&keys5[0], &big, &i, None, 2),
        Err(WitnessError::Depth { depth: 2, source: CircuitError::ProofTooLong { .. } })
    ));
}

#[test]
fn approval_witness_refuses_the_secret_zero() {
    // The secret 0 has the identity as its key; its commitment is Poseidon(0, 1).
    let zero = SecretScalar::new(veil_circuits::Fs::zero());
    let (keys, mut set) = members(3);
    let i = intent(1);
    // Refused as the secret 0 rather than as a non-member...
    assert!(matches!(approval_for_secret(&zero, &set, &i, None, DEPTH), Err(WitnessError::ZeroSecret)));
    // ...and refused even where a set holds the identity's commitment.
    set.add_member(identity::commitment(&zero.public_key())).unwrap();
    assert!(matches!(approval_for_secret(&zero, &set, &i, None, DEPTH), Err(WitnessError::ZeroSecret)));
    // The other members of that set still approve, by key or by secret scalar.
    assert!(satisfied(approval(&keys[0], &set, &i, None, DEPTH).unwrap()));
    assert!(satisfied(approval_for_secret(&keys[2].secret_scalar(), &set, &i, None, DEPTH).unwrap()));
}

#[test]
fn threshold_witness_sorts_signers_and_refuses() {
    let (keys, set) = members(4);
    let i = intent(2);
    let signed: Vec<SignedIntent> = keys.iter().map(|k| SignedIntent::sign_with(k, &i)).collect();
    let circuit = threshold(&set, i.field_element(), &signed[..3], None, DEPTH, K_MAX).unwrap();
    let inputs = circuit.public_inputs().unwrap();
    assert_eq!(inputs[threshold::K], Fr::from(3u64));
    assert_eq!(inputs[threshold::ROOT], set.root().unwrap());
    assert!(satisfied(circuit.clone()));
    // Any order gives the same witness: the first k by commitment.
    let mut reversed = signed[..3].to_vec();
    reversed.reverse();
    let again = threshold(&set, i.field_element(), &reversed, Some(2), DEPTH, K_MAX).unwrap();
    let sorted = threshold(&set, i.field_element(), &signed[..3], Some(2), DEPTH, K_MAX).unwrap();
    assert_eq!(signers(&again), signers(&sorted));
    let mut smallest: Vec<_> = signed[..3].iter().map(|s| (s.commitment(), s.public_key)).collect();
    smallest.sort_by_key(|(c, _)| *c);
    assert_eq!(signers(&sorted), smallest[..2].iter().map(|(_, a)| *a).collect::<Vec<_>>());

    let other = SignedIntent::sign_with(&keys[3], &intent(3));
    let with_other = [signed[0].clone(), other];
    assert!(matches!(
        threshold(&set, i.field_element(), &with_other, None, DEPTH, K_MAX),
        Err(WitnessError::OtherIntent { index: 1 })
    ));
    let twice = [signed[0].clone(), signed[1].clone(), signed[0].clone()];
    assert!(matches!(
        threshold(&set, i.field_element(), &twice, None, DEPTH, K_MAX),
        Err(WitnessError::SameSigner { first: 0, second: 2 })
    ));
    let outsider = SignedIntent::sign_with(&PrivateKey::random(&mut ChaCha20Rng::seed_from_u64(98)), &i);
    assert!(matches!(
        threshold(&set, i.field_element(), &[outsider], None, DEPTH, K_MAX),
        Err(WitnessError::SignerNotAMember { index: 0 })
    ));
    for k in [0, 3] {
        assert!(matches!(
            threshold(&set, i.field_element(), &signed[..2], Some(k), DEPTH, K_MAX),
            Err(WitnessError::Threshold { k: got, signatures: 2 }) if got == k
        ));
    }
    assert!(matches!(
        threshold(&set, i.field_element(), &signed, None, DEPTH, K_MAX),
        Err(WitnessError::Circuit(ThresholdError::TooManySigners { signers: 4, k_max: K_MAX }))
    ));
    assert!(matches!(
        threshold(&ApproverSet::new(), i.field_element(), &signed, None, DEPTH, K_MAX),
        Err(WitnessError::EmptySet)
    ));
}
