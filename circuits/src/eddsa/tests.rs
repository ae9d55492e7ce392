use ark_ff::{One, PrimeField};

use super::*;
use crate::test_vectors;

#[test]
fn matches_zk_kit_vectors() {
    let file = test_vectors::load("eddsa");
    assert_eq!(test_vectors::frs(&file["base8"]), vec![babyjubjub::BASE8.x, babyjubjub::BASE8.y]);
    assert_eq!(test_vectors::fr(&file["sub_order"]).into_bigint(), Fs::MODULUS);
    let (mut valid, mut invalid) = (0, 0);
    for v in test_vectors::vectors(&file) {
        let message = test_vectors::fr(&v["message"]);
        let a = test_vectors::frs(&v["public_key"]);
        let a = babyjubjub::point_on_curve(a[0], a[1]).expect("vector keys are on the curve");
        let r8 = test_vectors::frs(&v["signature"]["r8"]);
        let sig = Signature { r8: Point::new_unchecked(r8[0], r8[1]), s: test_vectors::fr(&v["signature"]["s"]) };
        let expected = v["valid"].as_bool().expect("a `valid` flag");
        assert_eq!(verify(&a, message, &sig), expected, "verify, vector {v}");
        if expected {
            let key = PrivateKey::from_bytes(&test_vectors::hex(&v["private_key"]));
            assert_eq!(key.secret_scalar().to_fr(), test_vectors::fr(&v["secret_scalar"]));
            assert_eq!(key.public_key(), a);
            assert_eq!(key.sign(message), sig, "sign, vector {v}");
            valid += 1;
        } else {
            invalid += 1;
        }
    }
    assert!(valid >= 10 && invalid >= 4, "{valid} valid, {invalid} invalid vectors");
}

#[test]
fn signatures_verify_and_tampering_is_rejected() {
    use rand::SeedableRng;
    let mut rng = rand_chacha::ChaCha20Rng::seed_from_u64(11);
    for i in 0..5u64 {
        let key = PrivateKey::random(&mut rng);
        let a = key.public_key();
        let m = Fr::from(1000 + i);
        let sig = key.sign(m);
        assert!(verify(&a, m, &sig));
        assert!(!verify(&a, m + Fr::one(), &sig));
        assert!(!verify(&a, m, &Signature { s: sig.s + Fr::one(), ..sig }));
        let l = Fr::from_bigint(Fs::MODULUS).unwrap();
        assert!(!verify(&a, m, &Signature { s: sig.s + l, ..sig }), "S + l is refused");
        let other = PrivateKey::random(&mut rng).public_key();
        assert!(!verify(&other, m, &sig));
    }
}

#[test]
fn debug_never_prints_secrets() {
    let key = PrivateKey::from_bytes(b"very secret bytes");
    let shown = format!("{key:?} {:?}", key.secret_scalar());
    assert!(!shown.contains("very"), "{shown}");
    assert!(!shown.contains(&key.secret_scalar().to_fr().to_string()), "{shown}");
}
