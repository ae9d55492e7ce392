#![doc = include_str!("../README.md")]
// `unsafe` only where the vector kernel touches memory or is entered (see `ifma`).
#![deny(unsafe_code)]
#![warn(missing_docs)]
#![deny(rustdoc::broken_intra_doc_links)]
#![deny(missing_debug_implementations)]

use ark_bn254::{Fq, Fr};
use ark_ff::Zero;

/// A BN254 G1 point in affine coordinates as arkworks keeps it: the Montgomery limbs
/// (`Fq.0`, R = 2^256) of x, then of y, each below the modulus.
pub type Limbs = [u64; 8];

/// A BN254 G2 point in affine coordinates as arkworks keeps it: the Montgomery limbs of
/// x.c0, x.c1, y.c0 and y.c1, each below the modulus.
pub type Limbs2 = [u64; 16];

/// Whether [`AffineBatch::add_assign`] runs here: an x86-64 CPU with AVX-512 F and IFMA,
/// unless the environment sets `VEIL_IFMA=0` (to measure or test the scalar path beside it).
/// Read once per process.
#[must_use]
pub fn available() -> bool {
    static AVAILABLE: std::sync::OnceLock<bool> = std::sync::OnceLock::new();
    *AVAILABLE.get_or_init(|| std::env::var_os("VEIL_IFMA").is_none_or(|v| v != "0") && cpu_has_ifma())
}

/// Whether the CPU has AVX-512 F and IFMA, whatever the environment says.
#[must_use]
pub fn cpu_has_ifma() -> bool {
    #[cfg(target_arch = "x86_64")]
    {
        std::arch::is_x86_feature_detected!("avx512f") && std::arch::is_x86_feature_detected!("avx512ifma")
    }
    #[cfg(not(target_arch = "x86_64"))]
    {
        false
    }
}

/// Batched affine additions of G1 or G2 points eight at a time, sharing one field inversion
/// per call (Montgomery's trick, run lane-wise: interleaved product chains whose totals are
/// inverted together). Keeps its scratch between calls.
#[derive(Debug, Default)]
pub struct AffineBatch {
    /// The product chains between the two passes.
    #[cfg(target_arch = "x86_64")]
    scratch: Vec<(ifma::Fe, ifma::Fe)>,
}

impl AffineBatch {
    /// A batch with no scratch yet.
    #[must_use]
    pub fn new() -> Self {
        Self::default()
    }

    /// A batch with scratch for `n` additions per call.
    #[must_use]
    pub fn with_capacity(n: usize) -> Self {
        Self {
            #[cfg(target_arch = "x86_64")]
            scratch: Vec::with_capacity(n.div_ceil(8)),
        }
    }

    /// `sums[i] += points[i]` for every `i`, in affine coordinates (arkworks' formula:
    /// `λ = (y_q − y_p)/(x_q − x_p)`, `x = λ² − x_p − x_q`, `y = λ(x_p − x) − y_p`), the
    /// results as canonical Montgomery limbs. The formula uses neither the curve equation
    /// nor the identity: it is the caller's to pass no identity and no `x_p = x_q` (a
    /// doubling or a point and its negation).
    ///
    /// # Panics
    /// If the lengths differ, if two x coordinates of a pair are equal, or if [`available`]
    /// is false.
    pub fn add_assign(&mut self, sums: &mut [Limbs], points: &[Limbs]) {
        assert_eq!(sums.len(), points.len(), "one point per sum");
        kernel(|| {
            if sums.is_empty() {
                return;
            }
            #[cfg(target_arch = "x86_64")]
            // SAFETY: `kernel` runs this only where the CPU has the kernel's target features.
            #[allow(unsafe_code)]
            unsafe {
                ifma::add_assign(&mut self.scratch, sums, points);
            }
        });
    }

    /// [`AffineBatch::add_assign`] for G2 points: the same formula over Fq2.
    ///
    /// # Panics
    /// As [`AffineBatch::add_assign`].
    pub fn add_assign_g2(&mut self, sums: &mut [Limbs2], points: &[Limbs2]) {
        assert_eq!(sums.len(), points.len(), "one point per sum");
        kernel(|| {
            if sums.is_empty() {
                return;
            }
            #[cfg(target_arch = "x86_64")]
            // SAFETY: `kernel` runs this only where the CPU has the kernel's target features.
            #[allow(unsafe_code)]
            unsafe {
                ifma::add_assign_g2(&mut self.scratch, sums, points);
            }
        });
    }
}

/// Eight BN254 scalar-field elements, a block of the transforms' data ([`ct`], [`gs`]): in
/// arkworks' layout, element `e`'s Montgomery limbs at `4e..4e + 4`; in the lanes layout
/// ([`to_lanes`]), limb `k` of element `e` at `8k + e`.
pub type Block = [u64; 32];

/// A twiddle factor of the vector butterflies, prepared from its field element.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Twiddle(pub(crate) [u64; 4]);

impl Twiddle {
    /// `c`, prepared: arkworks' limbs of `16·c` (the kernel's products divide by 16 more
    /// than arkworks' do; see the `fft` module).
    #[must_use]
    pub fn new(c: Fr) -> Self {
        Self((c * Fr::from(16u64)).0 .0)
    }
}

/// Rearranges each block from arkworks' layout to the lanes layout (a transpose).
pub fn to_lanes(blocks: &mut [Block]) {
    for b in blocks {
        let src = *b;
        for e in 0..8 {
            for k in 0..4 {
                b[8 * k + e] = src[4 * e + k];
            }
        }
    }
}

/// Reduces each block's values below r and rearranges it from the lanes layout back to
/// arkworks' layout: canonical Montgomery limbs.
///
/// # Panics
/// If [`available`] is false.
pub fn from_lanes(blocks: &mut [Block]) {
    kernel(|| {
        #[cfg(target_arch = "x86_64")]
        // SAFETY: `kernel` runs this only where the CPU has the kernel's target features.
        #[allow(unsafe_code)]
        unsafe {
            fft::reduce(blocks);
        }
    });
    for b in blocks {
        let src = *b;
        for e in 0..8 {
            for k in 0..4 {
                b[4 * e + k] = src[8 * k + e];
            }
        }
    }
}

/// A Cooley–Tukey butterfly lane-wise over two runs of blocks in the lanes layout: with
/// `u` from `lo` and `v` from `hi`, `(u, v) ← (u + c·v, u − c·v)`. Values below 2r in and
/// out (canonical values are).
///
/// # Panics
/// If the lengths differ or [`available`] is false.
pub fn ct(lo: &mut [Block], hi: &mut [Block], c: &Twiddle) {
    assert_eq!(lo.len(), hi.len(), "one block of v per block of u");
    kernel(|| {
        #[cfg(target_arch = "x86_64")]
        // SAFETY: `kernel` runs this only where the CPU has the kernel's target features.
        #[allow(unsafe_code)]
        unsafe {
            fft::ct(lo, hi, c);
        }
    });
}

/// A Gentleman–Sande butterfly lane-wise over two runs of blocks in the lanes layout: with
/// `u` from `lo` and `v` from `hi`, `(u, v) ← (u + v, (u − v)·c)`. Values below 2r in and
/// out.
///
/// # Panics
/// If the lengths differ or [`available`] is false.
pub fn gs(lo: &mut [Block], hi: &mut [Block], c: &Twiddle) {
    assert_eq!(lo.len(), hi.len(), "one block of v per block of u");
    kernel(|| {
        #[cfg(target_arch = "x86_64")]
        // SAFETY: `kernel` runs this only where the CPU has the kernel's target features.
        #[allow(unsafe_code)]
        unsafe {
            fft::gs(lo, hi, c);
        }
    });
}

/// `a ← (a·b − c)·scale` lane-wise over blocks in the lanes layout (the QAP's quotient on
/// the coset, `scale` the vanishing polynomial's inverse there). Values below 2r in and out.
///
/// # Panics
/// If the lengths differ or [`available`] is false.
pub fn quotient(a: &mut [Block], b: &[Block], c: &[Block], scale: Fr) {
    assert!(a.len() == b.len() && a.len() == c.len(), "as many blocks of a, b and c");
    kernel(|| {
        #[cfg(target_arch = "x86_64")]
        // SAFETY: `kernel` runs this only where the CPU has the kernel's target features.
        #[allow(unsafe_code)]
        unsafe {
            fft::quotient(a, b, c, scale);
        }
    });
}

/// Runs `f` (which enters the kernel) after checking that it can run here.
fn kernel(f: impl FnOnce()) {
    assert!(available(), "veil-simd's kernel without AVX-512 IFMA");
    f();
}

/// The inverses of the lane totals of the product chains, times `64` (the scale that makes
/// radix-2^52 Montgomery products of arkworks' limbs come out as arkworks' limbs; see
/// `ifma`), as Montgomery limbs. Scalar: one inversion for all (Montgomery's trick).
#[cfg_attr(not(target_arch = "x86_64"), allow(dead_code))]
fn invert_lanes(totals: &mut [[u64; 4]]) {
    // At most sixteen totals (eight lanes, two chains): on the stack, not a Vec per batch.
    let mut stack = [<Fq as ark_ff::AdditiveGroup>::ZERO; 16];
    let values = &mut stack[..totals.len()];
    for (v, t) in values.iter_mut().zip(totals.iter()) {
        *v = Fq::new_unchecked(ark_ff::BigInt(*t));
    }
    assert!(values.iter().all(|v| !v.is_zero()), "two x coordinates of a pair are equal");
    ark_ff::batch_inversion(values);
    let scale = Fq::from(64u64);
    for (t, v) in totals.iter_mut().zip(values.iter()) {
        *t = (*v * scale).0 .0;
    }
}

#[cfg(target_arch = "x86_64")]
mod fft;
#[cfg(target_arch = "x86_64")]
mod ifma;

#[cfg(test)]
mod tests;
