//! Fixed-base multi-scalar multiplication: the bases of a Groth16 proving key never change,
//! so each base's window multiples `2^(c·j)·P` are computed once and every MSM becomes one
//! bucket accumulation without doublings ([Pippenger, fixed-base variant][bgmw]).
//!
//! For scalars `k_i` written in signed base-`2^c` digits `d_ij ∈ [-2^(c-1), 2^(c-1)]`,
//! `Σ k_i·P_i = Σ_ij d_ij·(2^(c·j)·P_i)`: every non-zero digit puts `±2^(c·j)·P_i` in
//! bucket `|d_ij|`, and the buckets are summed once (`Σ b·B_b`, two additions per bucket).
//! A scalar whose negation is shorter (`r − 1`, `r − 2`, …) is taken negated, zero scalars
//! and zero bases cost nothing, and a scalar below `2^(c-1)` costs a single addition.
//!
//! The points go into the buckets in affine coordinates, in batches that share one field
//! inversion (Montgomery's trick): ~6 multiplications per addition against ~11 for a mixed
//! Jacobian addition. The buckets are summed the same way, as the row and column sums of a
//! `√m × √m` matrix (`Buckets::weighted_sum`). An MSM splits in halves only when another
//! thread is idle to take one ([`FixedBaseMsm::msm_bigint`](crate::msm::FixedBaseMsm::msm_bigint)).
//!
//! The table holds each point as its coordinates' Montgomery limbs ([`TableCurve`](crate::msm::TableCurve)), so it
//! can be written to a file and read back with a plain copy, without converting a
//! coordinate ([`crate::tablefile`]).
//!
//! [bgmw]: https://doi.org/10.1007/3-540-47555-9_18

use std::{collections::HashMap, fmt, ops::Range, sync::Mutex};

use ark_ec::{
    short_weierstrass::{Affine, Projective, SWCurveConfig},
    AdditiveGroup, AffineRepr, CurveGroup,
};
use ark_ff::{BigInteger, Field, PrimeField, Zero};
use rayon::prelude::*;

/// The canonical (non-Montgomery) form of a scalar, as `into_bigint` returns it.
pub type BigInt<P> = <<P as ark_ec::CurveConfig>::ScalarField as PrimeField>::BigInt;

/// A curve whose affine points a table stores as the raw Montgomery limbs of their
/// coordinates: copying limbs in and out is free, where arkworks' serialization converts
/// every coordinate out of Montgomery form and back.
pub trait TableCurve: SWCurveConfig {
    /// `u64` limbs per point (x then y).
    const LIMBS: usize;
    /// Writes `p`'s limbs (`p` is not the identity) into `out` (`LIMBS` long).
    fn to_limbs(p: &Affine<Self>, out: &mut [u64]);
    /// The point with the limbs `l` (`LIMBS` long), unchecked.
    fn from_limbs(l: &[u64]) -> Affine<Self>;
    /// `a·b` in the base field, the bucket additions' main cost.
    #[inline(always)]
    fn mul(a: &Self::BaseField, b: &Self::BaseField) -> Self::BaseField {
        *a * b
    }
    /// Whether [`TableCurve::add_assign_vector`] runs on this CPU (AVX-512 IFMA for BN254's
    /// G1 and G2).
    fn vector_additions() -> bool {
        false
    }
    /// `sums[i] += points[i]` in affine coordinates, for points as `LIMBS` limbs each, none
    /// the identity and no pair with equal x, by a vector kernel; called only where
    /// [`TableCurve::vector_additions`] is true.
    fn add_assign_vector(_kernel: &mut veil_simd::AffineBatch, _sums: &mut [u64], _points: &[u64]) {
        unreachable!("no vector additions for this curve")
    }
}

fn fq(l: &[u64]) -> ark_bn254::Fq {
    ark_bn254::Fq::new_unchecked(ark_ff::BigInt(l.try_into().expect("4 limbs")))
}

impl TableCurve for ark_bn254::g1::Config {
    const LIMBS: usize = 8;

    fn to_limbs(p: &Affine<Self>, out: &mut [u64]) {
        // `Fp.0` is the Montgomery form (arkworks exposes it, undocumented, for this use).
        out[..4].copy_from_slice(&p.x.0 .0);
        out[4..8].copy_from_slice(&p.y.0 .0);
    }

    fn from_limbs(l: &[u64]) -> Affine<Self> {
        Affine::new_unchecked(fq(&l[..4]), fq(&l[4..8]))
    }

    fn vector_additions() -> bool {
        veil_simd::available()
    }

    fn add_assign_vector(kernel: &mut veil_simd::AffineBatch, sums: &mut [u64], points: &[u64]) {
        kernel.add_assign(bytemuck::cast_slice_mut(sums), bytemuck::cast_slice(points));
    }
}

impl TableCurve for ark_bn254::g2::Config {
    const LIMBS: usize = 16;

    fn to_limbs(p: &Affine<Self>, out: &mut [u64]) {
        for (i, c) in [p.x.c0, p.x.c1, p.y.c0, p.y.c1].iter().enumerate() {
            out[4 * i..4 * i + 4].copy_from_slice(&c.0 .0);
        }
    }

    fn from_limbs(l: &[u64]) -> Affine<Self> {
        let fq2 = |l: &[u64]| ark_bn254::Fq2::new(fq(&l[..4]), fq(&l[4..8]));
        Affine::new_unchecked(fq2(&l[..8]), fq2(&l[8..16]))
    }

    #[inline(always)]
    fn mul(a: &ark_bn254::Fq2, b: &ark_bn254::Fq2) -> ark_bn254::Fq2 {
        crate::fq2::mul(a, b)
    }

    fn vector_additions() -> bool {
        veil_simd::available()
    }

    fn add_assign_vector(kernel: &mut veil_simd::AffineBatch, sums: &mut [u64], points: &[u64]) {
        kernel.add_assign_g2(bytemuck::cast_slice_mut(sums), bytemuck::cast_slice(points));
    }
}

/// The window multiples of a fixed list of bases on a short Weierstrass curve.
#[derive(Clone)]
pub struct FixedBaseMsm<P: TableCurve> {
    /// Window width `c` in bits.
    window: usize,
    /// Windows per scalar: `⌊bits/c⌋ + 1`, one more than unsigned digits need, so the carry
    /// of the signed digits always lands in a window.
    windows: usize,
    /// The position, in the original list, of each non-zero base.
    positions: Vec<u32>,
    /// Row-major, `windows` points per non-zero base: `2^(c·j)·P` for `j = 0..windows`,
    /// `P::LIMBS` limbs each.
    table: Limbs,
    /// Bucket additions on the scalar path even where the vector one runs (tests).
    scalar: bool,
    curve: std::marker::PhantomData<P>,
}

impl<P: TableCurve> fmt::Debug for FixedBaseMsm<P> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("FixedBaseMsm")
            .field("window", &self.window)
            .field("windows", &self.windows)
            .field("bases", &self.positions.len())
            .field("bytes", &self.size_bytes())
            .finish_non_exhaustive()
    }
}

/// A table's limbs: computed in memory, or a view of a mapped tables file
/// ([`crate::tablefile`]), which costs neither a copy nor fresh pages.
#[derive(Clone)]
pub(crate) enum Limbs {
    Owned(Vec<u64>),
    Mapped {
        map: std::sync::Arc<memmap2::Mmap>,
        /// Byte offset, a multiple of 8 (the map itself is page-aligned).
        offset: usize,
        len: usize,
    },
}

impl std::ops::Deref for Limbs {
    type Target = [u64];

    fn deref(&self) -> &[u64] {
        match self {
            Self::Owned(v) => v,
            Self::Mapped { map, offset, len } => bytemuck::cast_slice(&map[*offset..*offset + 8 * *len]),
        }
    }
}

/// Windows per scalar for window width `c`.
fn windows_for(c: usize, bits: usize) -> usize {
    bits / c + 1
}

/// `c` bits of `limbs` (little-endian u64 limbs) from bit `offset`.
#[inline]
fn bits_at(limbs: &[u64], offset: usize, c: usize) -> u64 {
    let (limb, shift) = (offset / 64, offset % 64);
    if limb >= limbs.len() {
        return 0;
    }
    let mut v = limbs[limb] >> shift;
    if shift + c > 64 && limb + 1 < limbs.len() {
        v |= limbs[limb + 1] << (64 - shift);
    }
    v & ((1u64 << c) - 1)
}

impl<P: TableCurve> FixedBaseMsm<P> {
    /// The largest window width accepted (2^(c-1) buckets per thread).
    pub const MAX_WINDOW: usize = 24;

    /// Precomputes the window multiples of `bases` for window width `window`; zero bases
    /// are dropped (they contribute nothing).
    ///
    /// # Panics
    /// If `window` is below 2 or above [`Self::MAX_WINDOW`], or there are 2^32 bases or more.
    #[must_use]
    pub fn new(bases: &[Affine<P>], window: usize) -> Self {
        assert!((2..=Self::MAX_WINDOW).contains(&window), "window width {window} out of range");
        let bits = P::ScalarField::MODULUS_BIT_SIZE as usize;
        let windows = windows_for(window, bits);
        let positions: Vec<u32> = bases
            .iter()
            .enumerate()
            .filter(|(_, b)| !b.is_zero())
            .map(|(i, _)| u32::try_from(i).expect("fewer than 2^32 bases"))
            .collect();
        let table = positions
            .par_chunks(256)
            .flat_map_iter(|chunk| {
                let mut multiples = Vec::with_capacity(chunk.len() * windows);
                for &i in chunk {
                    let mut p = bases[i as usize].into_group();
                    for j in 0..windows {
                        multiples.push(p);
                        if j + 1 < windows {
                            for _ in 0..window {
                                p.double_in_place();
                            }
                        }
                    }
                }
                let mut limbs = vec![0u64; multiples.len() * P::LIMBS];
                for (p, out) in
                    Projective::<P>::normalize_batch(&multiples).iter().zip(limbs.chunks_exact_mut(P::LIMBS))
                {
                    P::to_limbs(p, out);
                }
                limbs
            })
            .collect();
        Self { window, windows, positions, table: Limbs::Owned(table), scalar: false, curve: std::marker::PhantomData }
    }

    /// A table from its parts, as [`FixedBaseMsm::parts`] gives them, for at most `bases`
    /// bases: refused (with the reason) unless the window is in range, `windows` fits it,
    /// the positions increase and stay below `bases`, and `table` has one row per position.
    /// The points themselves are not checked.
    ///
    /// # Errors
    /// A description of the first inconsistency.
    pub fn from_parts(
        window: usize,
        windows: usize,
        positions: Vec<u32>,
        table: Vec<u64>,
        bases: usize,
    ) -> Result<Self, String> {
        Self::from_limbs(window, windows, positions, Limbs::Owned(table), bases)
    }

    /// [`FixedBaseMsm::from_parts`] over limbs that may be mapped.
    pub(crate) fn from_limbs(
        window: usize,
        windows: usize,
        positions: Vec<u32>,
        table: Limbs,
        bases: usize,
    ) -> Result<Self, String> {
        if !(2..=Self::MAX_WINDOW).contains(&window) {
            return Err(format!("window width {window} out of range"));
        }
        let bits = P::ScalarField::MODULUS_BIT_SIZE as usize;
        if windows != windows_for(window, bits) {
            return Err(format!("{windows} windows for width {window}"));
        }
        if positions.windows(2).any(|w| w[0] >= w[1]) || positions.last().is_some_and(|&p| p as usize >= bases) {
            return Err(format!("base positions out of order or beyond {bases} bases"));
        }
        if Some(table.len()) != positions.len().checked_mul(windows * P::LIMBS) {
            return Err(format!("{} limbs for {} bases of {windows} windows", table.len(), positions.len()));
        }
        Ok(Self { window, windows, positions, table, scalar: false, curve: std::marker::PhantomData })
    }

    /// The parts: window width, windows per base, positions of the non-zero bases, limbs.
    #[must_use]
    pub fn parts(&self) -> (usize, usize, &[u32], &[u64]) {
        (self.window, self.windows, &self.positions, &self.table[..])
    }

    /// The `j`-th window multiple of the `row`-th non-zero base, `2^(c·j)·P`.
    pub fn multiple(&self, row: usize, j: usize) -> Affine<P> {
        self.point((row * self.windows + j) * P::LIMBS)
    }

    #[inline]
    fn point(&self, at: usize) -> Affine<P> {
        P::from_limbs(&self.table[at..at + P::LIMBS])
    }

    /// The window width that minimises the estimated cost of an MSM over `n` non-zero bases
    /// among those whose table takes at most `budget` bytes; the narrowest-table width (the
    /// widest window) when none fits.
    #[must_use]
    pub fn choose_window(n: usize, budget: usize) -> usize {
        let bits = P::ScalarField::MODULUS_BIT_SIZE as usize;
        let point = 8 * P::LIMBS;
        // n·windows batched affine additions (~0.6 of a mixed one each), then one reduction
        // of 2^(c-1) buckets at two batched additions apiece (~1.2). An MSM splits only for
        // idle threads, so one reduction whatever the thread count; these weights put the
        // minimum where timing each width on the depth-20 Approval key did (c = 13).
        let cost = |c: usize| 6 * n * windows_for(c, bits) + (12 << (c - 1));
        let fits = |c: usize| n * windows_for(c, bits) * point <= budget;
        (4..=20).filter(|&c| fits(c)).min_by_key(|&c| cost(c)).unwrap_or(20)
    }

    /// The same table, its bucket additions on the scalar path even where the vector one
    /// runs: the two are tested against each other.
    #[cfg(test)]
    pub(crate) fn on_scalar_path(mut self) -> Self {
        self.scalar = true;
        self
    }

    /// The window width.
    #[must_use]
    pub fn window(&self) -> usize {
        self.window
    }

    /// Bytes held by the table (points and positions).
    #[must_use]
    pub fn size_bytes(&self) -> usize {
        self.table.len() * 8 + self.positions.len() * 4
    }

    /// `Σ scalars[i]·bases[i]` over `i < min(scalars.len(), bases.len())`, like ark-ec's
    /// `VariableBaseMSM::msm_bigint`.
    ///
    /// The rows split in halves on demand (rayon's `join_context`): a half that no other
    /// thread takes runs on the same thread into the same buckets, and a half another thread
    /// steals gets buckets of its own, reduced by that thread. So an MSM running alone spreads
    /// over the idle threads, while MSMs running side by side (a proof's five) pay no bucket
    /// reduction for splits nobody needed, and a thread that finishes early helps with what
    /// is left.
    pub fn msm_bigint(&self, scalars: &[BigInt<P>]) -> Projective<P> {
        let rows = self.positions.partition_point(|&p| (p as usize) < scalars.len());
        if rows == 0 {
            return Projective::<P>::zero();
        }
        // Halves down to 1/16 of the rows (and at least MIN_SPLIT rows): enough pieces for
        // a late thread to find one worth its bucket reduction.
        let grain = (rows / 16).max(MIN_SPLIT);
        self.own_buckets(0..rows, scalars, grain)
    }

    /// Accumulates `rows` (and whatever halves of them no other thread steals) into new
    /// buckets and reduces them, plus the stolen halves' sums.
    fn own_buckets(&self, rows: Range<usize>, scalars: &[BigInt<P>], grain: usize) -> Projective<P> {
        // Only this thread locks it (a stolen half takes buckets of its own): the mutex is
        // how the two halves of a join that did not split share them, never a wait.
        let buckets = Mutex::new(Buckets::<P>::with_path(1 << (self.window - 1), self.scalar));
        let stolen = self.split(rows, scalars, grain, &buckets);
        stolen + buckets.into_inner().expect("bucket sums of a panicked MSM are not read").weighted_sum()
    }

    /// Accumulates `rows` into `buckets`, splitting on demand; returns the sum of the halves
    /// other threads stole (reduced by them).
    fn split(
        &self,
        rows: Range<usize>,
        scalars: &[BigInt<P>],
        grain: usize,
        buckets: &Mutex<Buckets<P>>,
    ) -> Projective<P> {
        if rows.len() <= grain {
            let mut buckets = buckets.lock().expect("bucket sums of a panicked MSM are not read");
            self.accumulate(rows, scalars, &mut buckets);
            return Projective::<P>::zero();
        }
        let mid = rows.start + rows.len() / 2;
        let (left, right) = rayon::join_context(
            |_| self.split(rows.start..mid, scalars, grain, buckets),
            |ctx| {
                if ctx.migrated() {
                    #[cfg(test)]
                    tests::STOLEN.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
                    self.own_buckets(mid..rows.end, scalars, grain)
                } else {
                    self.split(mid..rows.end, scalars, grain, buckets)
                }
            },
        );
        left + right
    }

    /// `Σ scalars[i]·bases[i]` for field elements.
    pub fn msm(&self, scalars: &[P::ScalarField]) -> Projective<P> {
        let bigints: Vec<_> = scalars.par_iter().map(|s| s.into_bigint()).collect();
        self.msm_bigint(&bigints)
    }

    /// Adds the digits of table rows `rows` to `buckets`.
    fn accumulate(&self, rows: Range<usize>, scalars: &[BigInt<P>], buckets: &mut Buckets<P>) {
        let (c, w) = (self.window, self.windows);
        let half = 1u64 << (c - 1);
        let modulus = P::ScalarField::MODULUS;
        let table: &[u64] = &self.table;
        for row in rows {
            let scalar = &scalars[self.positions[row] as usize];
            if scalar.is_zero() {
                continue;
            }
            // Take −k when it is shorter than k (k close to r).
            let mut magnitude = *scalar;
            let mut negate = false;
            let bits = scalar.num_bits() as usize;
            let bits = if bits > 128 {
                let mut neg = modulus;
                neg.sub_with_borrow(scalar);
                let neg_bits = neg.num_bits() as usize;
                if neg_bits < bits {
                    magnitude = neg;
                    negate = true;
                    neg_bits
                } else {
                    bits
                }
            } else {
                bits
            };
            let limbs = magnitude.as_ref();
            let used = (bits.div_ceil(c) + 1).min(w);
            let mut carry = 0u64;
            let row_start = row * w * P::LIMBS;
            for j in 0..used {
                let mut d = bits_at(limbs, j * c, c) + carry;
                // Signed digits in [-2^(c-1), 2^(c-1)); the last window keeps its carry
                // (it is below 2^(c-1) + 1, see `windows_for`).
                let negative = j + 1 < w && d > half - 1 && {
                    d = (1u64 << c) - d;
                    true
                };
                carry = u64::from(negative);
                if d == 0 {
                    continue;
                }
                let at = row_start + j * P::LIMBS;
                let p = P::from_limbs(&table[at..at + P::LIMBS]);
                buckets.add((d - 1) as usize, if negative ^ negate { -p } else { p });
            }
        }
    }
}

/// Bucket sums in affine coordinates, added to in batches: each batch adds at most one point
/// to each bucket, so all its additions share one field inversion (Montgomery's trick), about
/// 6 multiplications per addition against 11 for a mixed Jacobian one. A point for a bucket
/// already in the batch waits for the next batch (one point per bucket: with 1/8 of the
/// buckets in a batch, ~6% of random digits meet a busy bucket); a further one goes to the
/// bucket's Jacobian overflow sum (a mixed addition), so equal digits, however many, never
/// wait long or loop.
struct Buckets<P: TableCurve> {
    sums: Vec<Affine<P>>,
    /// The Jacobian overflow sums of the few buckets that have one.
    overflow: HashMap<u32, Projective<P>>,
    /// Whether a bucket has an addition in the current batch.
    busy: Vec<bool>,
    /// Whether a bucket has a point in `waiting`.
    has_waiting: Vec<bool>,
    /// Points for buckets that were busy, added in the next batch (distinct buckets).
    waiting: Vec<(u32, Affine<P>)>,
    /// The batch: bucket and point.
    batch: Vec<(u32, Affine<P>)>,
    /// The scalar path's `x_point − x_bucket` (inverted when the batch runs).
    denominators: Vec<P::BaseField>,
    /// Scratch for [`invert_all`].
    products: Vec<P::BaseField>,
    /// The vector path ([`TableCurve::vector_additions`]), with its scratch.
    vector: Option<Vector>,
    capacity: usize,
}

/// The vector kernel and the limbs of a batch's sums and points, gathered for it.
#[derive(Default)]
struct Vector {
    kernel: veil_simd::AffineBatch,
    sums: Vec<u64>,
    points: Vec<u64>,
}

impl Vector {
    /// Where the vector path runs ([`TableCurve::vector_additions`]), unless `scalar`, with
    /// room for batches of `capacity` additions (reserved once: growing by doubling would
    /// leave freed blocks behind in the allocator).
    fn for_curve<P: TableCurve>(scalar: bool, capacity: usize) -> Option<Self> {
        (!scalar && P::vector_additions()).then(|| Self {
            kernel: veil_simd::AffineBatch::with_capacity(capacity),
            sums: Vec::with_capacity(capacity * P::LIMBS),
            points: Vec::with_capacity(capacity * P::LIMBS),
        })
    }

    /// `sum + point` for each pair `pairs` yields, through the kernel; [`Vector::sums`]
    /// then gives them, in order.
    fn add<'a, P: TableCurve>(&mut self, pairs: impl Iterator<Item = (&'a Affine<P>, &'a Affine<P>)>) {
        self.sums.clear();
        self.points.clear();
        let mut limbs = [0u64; 16];
        for (s, p) in pairs {
            P::to_limbs(s, &mut limbs[..P::LIMBS]);
            self.sums.extend_from_slice(&limbs[..P::LIMBS]);
            P::to_limbs(p, &mut limbs[..P::LIMBS]);
            self.points.extend_from_slice(&limbs[..P::LIMBS]);
        }
        P::add_assign_vector(&mut self.kernel, &mut self.sums, &self.points);
    }

    /// The sums of the last [`Vector::add`].
    fn sums<P: TableCurve>(&self) -> impl Iterator<Item = Affine<P>> + '_ {
        self.sums.chunks_exact(P::LIMBS).map(P::from_limbs)
    }
}

impl<P: TableCurve> Buckets<P> {
    /// `n` empty buckets; their batches run on the scalar path if `scalar`, else on the
    /// vector one where it runs.
    fn with_path(n: usize, scalar: bool) -> Self {
        let capacity = (n / BATCH_FRACTION).clamp(1, MAX_BATCH);
        Self {
            sums: vec![Affine::<P>::identity(); n],
            overflow: HashMap::new(),
            busy: vec![false; n],
            has_waiting: vec![false; n],
            waiting: Vec::with_capacity(capacity),
            batch: Vec::with_capacity(capacity),
            // The scalar path's scratch, grown on first use (the vector path has its own).
            denominators: Vec::new(),
            products: Vec::new(),
            vector: Vector::for_curve::<P>(scalar, capacity),
            capacity,
        }
    }

    /// Adds `p` to bucket `b`.
    #[inline]
    fn add(&mut self, b: usize, p: Affine<P>) {
        if self.busy[b] {
            if self.has_waiting[b] {
                *self.overflow.entry(b as u32).or_default() += p;
            } else {
                self.has_waiting[b] = true;
                self.waiting.push((b as u32, p));
            }
            return;
        }
        self.schedule(b, p);
        if self.batch.len() == self.capacity {
            self.flush();
        }
    }

    /// Puts `p` in the batch for bucket `b` (not busy), or straight into an empty bucket.
    #[inline]
    fn schedule(&mut self, b: usize, p: Affine<P>) {
        let sum = &mut self.sums[b];
        if sum.is_zero() {
            *sum = p;
        } else if sum.x == p.x {
            // P + P or P + (−P): rare, through Jacobian coordinates.
            *self.overflow.entry(b as u32).or_default() += p;
        } else {
            self.batch.push((b as u32, p));
            self.busy[b] = true;
        }
    }

    /// Runs the batch, then starts the next one with the waiting points (at most one per
    /// bucket and at most one per busy bucket, so they fit), and so on while batches fill.
    fn flush(&mut self) {
        loop {
            self.run_batch();
            let mut waiting = std::mem::take(&mut self.waiting);
            for (b, p) in waiting.drain(..) {
                self.has_waiting[b as usize] = false;
                self.schedule(b as usize, p);
            }
            self.waiting = waiting;
            if self.batch.len() < self.capacity {
                return;
            }
        }
    }

    /// Completes the pending batch.
    fn run_batch(&mut self) {
        if let Some(vector) = &mut self.vector {
            let sums = &self.sums;
            vector.add(self.batch.iter().map(|(b, p)| (&sums[*b as usize], p)));
            for (&(b, _), sum) in self.batch.iter().zip(vector.sums()) {
                self.sums[b as usize] = sum;
                self.busy[b as usize] = false;
            }
        } else {
            self.denominators.extend(self.batch.iter().map(|(b, p)| p.x - self.sums[*b as usize].x));
            invert_all::<P>(&mut self.denominators, &mut self.products);
            for (&(b, p), inverse) in self.batch.iter().zip(&self.denominators) {
                let sum = &mut self.sums[b as usize];
                *sum = add_with_inverse(sum, &p, inverse);
                self.busy[b as usize] = false;
            }
            self.denominators.clear();
        }
        self.batch.clear();
    }

    /// `Σ b·B_b` over the buckets (bucket `i` holds the points of digit `i + 1`).
    ///
    /// A running sum from the top bucket down costs two Jacobian additions per bucket. With
    /// the `m = q·w` buckets laid out as a `q × w` matrix (bucket `j·w + k` holds digit
    /// `j·w + k + 1`), the sum is `w·Σ_j j·T_j + Σ_k (k + 1)·U_k` over the row sums `T_j`
    /// and the column sums `U_k`, which are `2m` affine additions in rounds that share one
    /// inversion each (~6 multiplications apiece against ~27 for the two Jacobian ones);
    /// the two short running sums that remain take `q + w ≈ 2√m` steps each.
    fn weighted_sum(mut self) -> Projective<P> {
        self.flush();
        self.run_batch();
        let m = self.sums.len();
        // The few buckets with an overflow, folded into their affine sums.
        let (folded, sums): (Vec<usize>, Vec<Projective<P>>) =
            self.overflow.iter().map(|(&b, o)| (b as usize, *o + self.sums[b as usize])).unzip();
        for (&b, affine) in folded.iter().zip(Projective::normalize_batch(&sums)) {
            self.sums[b] = affine;
        }
        if !m.is_power_of_two() || m < 16 {
            return running_sum(&self.sums);
        }
        let w = 1 << (m.trailing_zeros() / 2);
        let q = m / w;
        let columns: Vec<Affine<P>> =
            (0..w).flat_map(|k| (0..q).map(move |j| (j, k))).map(|(j, k)| self.sums[j * w + k]).collect();
        // The row and the column halves are independent: an idle thread may take one (the
        // last reduction of a proof otherwise runs alone).
        let sums = self.sums;
        let scalar = self.vector.is_none();
        let (rows, columns) = rayon::join(
            || {
                // Σ_j j·T_j = running_sum(T_1..), times w.
                let mut sum = running_sum(&sums_of_runs(sums, w, scalar)[1..]);
                for _ in 0..w.trailing_zeros() {
                    sum.double_in_place();
                }
                sum
            },
            // Σ_k (k + 1)·U_k = running_sum(U_0..).
            || running_sum(&sums_of_runs(columns, q, scalar)),
        );
        rows + columns
    }
}

/// `Σ (i + 1)·points[i]`, as a running sum from the top down.
fn running_sum<P: TableCurve>(points: &[Affine<P>]) -> Projective<P> {
    let mut running = Projective::<P>::zero();
    let mut sum = Projective::<P>::zero();
    for p in points.iter().rev() {
        running += p;
        sum += running;
    }
    sum
}

/// The sums of `points`' consecutive runs of `run` points (`run` a power of two dividing the
/// length), by halving rounds of [`add_in_pairs`] (on the scalar path if `scalar`).
fn sums_of_runs<P: TableCurve>(mut points: Vec<Affine<P>>, run: usize, scalar: bool) -> Vec<Affine<P>> {
    debug_assert!(run.is_power_of_two() && points.len().is_multiple_of(run));
    let mut vector = Vector::for_curve::<P>(scalar, (points.len() / 2).min(MAX_BATCH));
    for _ in 0..run.trailing_zeros() {
        points = add_in_pairs(&points, vector.as_mut());
    }
    points
}

/// `points[2i] + points[2i + 1]` for every `i`, with one field inversion for all the
/// additions (Montgomery's trick). ark-ec has no batched affine addition; an identity, a
/// doubling or a point and its negation (rare: one inversion each) go through Jacobian
/// coordinates. With `vector`, the batched additions run through the vector kernel.
fn add_in_pairs<P: TableCurve>(points: &[Affine<P>], vector: Option<&mut Vector>) -> Vec<Affine<P>> {
    let mut out = Vec::with_capacity(points.len() / 2);
    let mut batched = Vec::with_capacity(points.len() / 2);
    let mut denominators = Vec::with_capacity(points.len() / 2);
    for (i, pair) in points.chunks_exact(2).enumerate() {
        let (p, q) = (pair[0], pair[1]);
        if p.is_zero() {
            out.push(q);
        } else if q.is_zero() {
            out.push(p);
        } else if p.x == q.x {
            out.push((p.into_group() + q).into_affine());
        } else {
            out.push(p);
            batched.push(i);
            if vector.is_none() {
                denominators.push(q.x - p.x);
            }
        }
    }
    if let Some(vector) = vector {
        // In batches of a bucket batch's size: the scratch stays small (the first rounds of
        // a wide window's reduction have tens of thousands of pairs) and in cache.
        for batch in batched.chunks(MAX_BATCH) {
            vector.add(batch.iter().map(|&i| (&points[2 * i], &points[2 * i + 1])));
            for (&i, sum) in batch.iter().zip(vector.sums()) {
                out[i] = sum;
            }
        }
        return out;
    }
    invert_all::<P>(&mut denominators, &mut Vec::with_capacity(batched.len()));
    for (&i, inverse) in batched.iter().zip(&denominators) {
        out[i] = add_with_inverse(&points[2 * i], &points[2 * i + 1], inverse);
    }
    out
}

/// `p + q` in affine coordinates, given `inverse` = 1/(x_q − x_p) (`p ≠ ±q`, neither the
/// identity): the batched additions' shared formula.
#[inline(always)]
fn add_with_inverse<P: TableCurve>(p: &Affine<P>, q: &Affine<P>, inverse: &P::BaseField) -> Affine<P> {
    let lambda = P::mul(&(q.y - p.y), inverse);
    let x = lambda.square() - p.x - q.x;
    let y = P::mul(&lambda, &(p.x - x)) - p.y;
    Affine::new_unchecked(x, y)
}

/// Replaces each of `values` (none zero) by its inverse, with one field inversion and three
/// products apiece (Montgomery's trick; `products` is scratch): ark-ff's
/// `serial_batch_inversion_and_mul` with [`TableCurve::mul`] for the products.
fn invert_all<P: TableCurve>(values: &mut [P::BaseField], products: &mut Vec<P::BaseField>) {
    products.clear();
    let mut product = P::BaseField::ONE;
    for v in values.iter() {
        products.push(product);
        product = P::mul(&product, v);
    }
    let mut inverse = product.inverse().expect("no value is zero");
    for (v, before) in values.iter_mut().zip(products.iter()).rev() {
        let next = P::mul(&inverse, v);
        *v = P::mul(&inverse, before);
        inverse = next;
    }
}

/// The most additions a batch shares an inversion among.
const MAX_BATCH: usize = 1024;

/// The fewest rows an MSM splits into halves for other threads to steal.
const MIN_SPLIT: usize = 64;

/// A batch spans at most this fraction of the buckets: fewer collisions (points that take
/// the slower overflow path) for a wider fraction, more additions sharing each inversion for
/// a narrower one.
const BATCH_FRACTION: usize = 8;

#[cfg(test)]
mod tests;
