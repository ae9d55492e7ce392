//! A prepared .ptau: opened, every block a circuit reads is read, and every point it hands
//! out is on its curve and in the subgroup.
#![no_main]

use ark_ec::{
    short_weierstrass::{Affine, SWCurveConfig},
    AffineRepr,
};
use libfuzzer_sys::fuzz_target;
use veil_ceremony::Ptau;

fn valid<P: SWCurveConfig>(points: &[Affine<P>]) -> bool {
    points.iter().all(|p| p.is_zero() || (p.is_on_curve() && p.is_in_correct_subgroup_assuming_on_curve()))
}

fuzz_target!(|data: &[u8]| {
    let path = veil_fuzz::scratch("fuzz.ptau", data);
    let Ok(mut ptau) = Ptau::open(&path) else { return };
    let power = ptau.ceremony_power.min(4);
    for k in 0..=power {
        if ptau.require(k).is_err() {
            continue;
        }
        if let Ok(p) = ptau.lagrange_g1(12, k) {
            assert!(valid(&p), "an invalid Lagrange point was accepted");
        }
        if let Ok(p) = ptau.lagrange_g2(k) {
            assert!(valid(&p), "an invalid G2 Lagrange point was accepted");
        }
        let n = 1u64 << k;
        if let Ok(p) = ptau.tau_g1(0, n) {
            assert!(valid(&p));
        }
    }
    if let Ok((a, b, b2)) = ptau.alpha_beta() {
        assert!(valid(&[a, b]) && valid(&[b2]));
    }
});
