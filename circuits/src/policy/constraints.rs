//! The Policy statement's gadgets, twins of the native [`Rule::leaf`], [`Call::unpack`],
//! [`Rule::check`] and [`RulePath::root`].
//!
//! Ranges are bit decompositions: `x < 2^n` is n boolean witnesses whose sum equals x
//! (n + 1 constraints, or n when x is defined as that sum). Every comparison `a ≤ b` is
//! "`a` below 2^n and `b − a` below 2^n": then `b = a + (b − a)` holds over the integers
//! (both terms are below 2^n ≤ 2^128, so the sum cannot wrap around r), hence `b ≥ a`.
//! Without the range on `a`, `a = r − 1` (that is −1) would pass against any b.
//!
//! Costs: [`RuleVar::new_witness`] 173; [`CallVar::unpack`] 235; [`enforce_admits`] 693
//! (target 2, selector 1, value 258, argument 391, delay 41); [`RuleVar::leaf`] 417;
//! [`RulePathVar`] 242 per level.

use ark_ff::Zero;
use ark_r1cs_std::{
    alloc::AllocVar,
    boolean::Boolean,
    eq::EqGadget,
    fields::{fp::FpVar, FieldVar},
    GR1CSVar,
};
use ark_relations::gr1cs::{ConstraintSystemRef, Namespace, SynthesisError};

use super::{pow2, Call, Rule, RulePath, AMOUNT_BITS, CLAMP, FLAG_BITS, LEAD_BITS, SELECTOR_BITS, SELF, TARGET_BITS};
use crate::{bits::alloc_bits_le, clause, poseidon::constraints::PoseidonGadget, Fr};

/// Enforces `x < 2^n` with n fresh bits whose sum equals x (n + 1 constraints).
fn enforce_below_pow2(cs: ConstraintSystemRef<Fr>, x: &FpVar<Fr>, n: usize) -> Result<(), SynthesisError> {
    let bits = alloc_bits_le(cs, x.value().ok(), n)?;
    Boolean::le_bits_to_fp(&bits)?.enforce_equal(x)
}

/// Enforces `cond·x < 2^n`: n fresh bits whose sum is `cond·x`, in one product constraint
/// (n + 1 constraints). When `cond` is false the bits are 0 and x is free.
fn enforce_product_below_pow2(
    cs: ConstraintSystemRef<Fr>,
    cond: &Boolean<Fr>,
    x: &FpVar<Fr>,
    n: usize,
) -> Result<(), SynthesisError> {
    let product = cond.value().ok().and_then(|c| if c { x.value().ok() } else { Some(Fr::zero()) });
    let bits = alloc_bits_le(cs, product, n)?;
    FpVar::from(cond.clone()).mul_equals(x, &Boolean::le_bits_to_fp(&bits)?)
}

/// A rule in-circuit. `maxValue`, `delay` and `flags` are sums of their bits, so the leaf
/// can only be that of a rule whose fields are in range (`maxValue < 2^128`,
/// `delay < 2^40`, `flags < 2^5`: the reserved flag bits are 0).
#[derive(Clone, Debug)]
pub struct RuleVar {
    /// `R.tgt`.
    pub target: FpVar<Fr>,
    /// `R.sel`.
    pub selector: FpVar<Fr>,
    /// `R.maxValue`, the sum of 128 bits.
    pub max_value: FpVar<Fr>,
    /// `R.argRef`.
    pub arg_ref: FpVar<Fr>,
    /// `R.delay`, the sum of 40 bits.
    pub delay: FpVar<Fr>,
    /// `R.roleId`.
    pub role_id: FpVar<Fr>,
    /// The five flag bits, little-endian: ANY_TARGET, ANY_SELECTOR, ARG_INDEX, and the
    /// operator's low and high bits.
    pub flag_bits: Vec<Boolean<Fr>>,
    /// `R.salt`.
    pub salt: FpVar<Fr>,
}

impl RuleVar {
    /// Allocates `rule` as witnesses (`None` for setup): 173 constraints for the bits of
    /// `maxValue`, `delay` and `flags`. A field out of its range is allocated as its low
    /// bits, so the leaf then differs from the rule's.
    ///
    /// # Errors
    /// Propagates synthesis errors.
    pub fn new_witness(cs: impl Into<Namespace<Fr>>, rule: Option<&Rule>) -> Result<Self, SynthesisError> {
        let ns = cs.into();
        let cs = ns.cs();
        let _c = clause!("R: maxValue, delay, flags as bits");
        let field = |f: fn(&Rule) -> Fr| rule.map(f);
        let witness = |v: Option<Fr>| FpVar::new_witness(cs.clone(), || v.ok_or(SynthesisError::AssignmentMissing));
        let target = witness(field(|r| r.target))?;
        let selector = witness(field(|r| r.selector))?;
        let max_value = Boolean::le_bits_to_fp(&alloc_bits_le(cs.clone(), field(|r| r.max_value), AMOUNT_BITS)?)?;
        let arg_ref = witness(field(|r| r.arg_ref))?;
        let delay = Boolean::le_bits_to_fp(&alloc_bits_le(cs.clone(), field(|r| r.delay), LEAD_BITS)?)?;
        let role_id = witness(field(|r| r.role_id))?;
        let flag_bits = alloc_bits_le(cs.clone(), field(|r| r.flags), FLAG_BITS)?;
        let salt = witness(field(|r| r.salt))?;
        Ok(Self { target, selector, max_value, arg_ref, delay, role_id, flag_bits, salt })
    }

    /// [`super::ANY_TARGET`].
    pub fn any_target(&self) -> &Boolean<Fr> {
        &self.flag_bits[0]
    }

    /// [`super::ANY_SELECTOR`].
    pub fn any_selector(&self) -> &Boolean<Fr> {
        &self.flag_bits[1]
    }

    /// [`super::ARG_INDEX`]: the condition reads `arg1`.
    pub fn arg1(&self) -> &Boolean<Fr> {
        &self.flag_bits[2]
    }

    /// The operator's low bit: EQ or GE.
    pub fn op_low(&self) -> &Boolean<Fr> {
        &self.flag_bits[3]
    }

    /// The operator's high bit: LE or GE (a comparison).
    pub fn op_high(&self) -> &Boolean<Fr> {
        &self.flag_bits[4]
    }

    /// `flags`, the sum of the flag bits (a linear combination).
    ///
    /// # Errors
    /// Propagates synthesis errors.
    pub fn flags(&self) -> Result<FpVar<Fr>, SynthesisError> {
        Boolean::le_bits_to_fp(&self.flag_bits)
    }

    /// `Poseidon(tgt, sel, maxValue, argRef, delay, roleId, k, flags, salt)` with the given
    /// k (417 constraints), twin of [`Rule::leaf`].
    ///
    /// # Errors
    /// Propagates synthesis errors.
    pub fn leaf(&self, cs: ConstraintSystemRef<Fr>, k: &FpVar<Fr>) -> Result<FpVar<Fr>, SynthesisError> {
        let inputs = [
            self.target.clone(),
            self.selector.clone(),
            self.max_value.clone(),
            self.arg_ref.clone(),
            self.delay.clone(),
            self.role_id.clone(),
            k.clone(),
            self.flags()?,
            self.salt.clone(),
        ];
        PoseidonGadget::hash(cs, &inputs)
    }
}

/// The parts of the public `call` in-circuit, each the sum of its bits.
#[derive(Clone, Debug)]
pub struct CallVar {
    /// `tgt`, 161 bits.
    pub target: FpVar<Fr>,
    /// `sel`, 33 bits.
    pub selector: FpVar<Fr>,
    /// `lead`, 40 bits.
    pub lead: FpVar<Fr>,
}

impl CallVar {
    /// Splits `call` into the witness `parts` (each allocated as 161, 33 and 40 bits) and
    /// enforces `call = tgt + 2^161·sel + 2^194·lead` (235 constraints). The sum of the
    /// ranges is below 2^234 < r, so the split is unique: another split of the same call
    /// (say `tgt + 2^161` and `sel − 1`) has a part out of its range. Twin of
    /// [`Call::unpack`].
    ///
    /// # Errors
    /// Propagates synthesis errors.
    pub fn unpack(cs: impl Into<Namespace<Fr>>, call: &FpVar<Fr>, parts: Option<Call>) -> Result<Self, SynthesisError> {
        let ns = cs.into();
        let cs = ns.cs();
        let _c = clause!("call = tgt + 2^161·sel + 2^194·lead");
        let part = |v: Option<Fr>, n: usize| Boolean::le_bits_to_fp(&alloc_bits_le(cs.clone(), v, n)?);
        let target = part(parts.map(|p| p.target), TARGET_BITS)?;
        let selector = part(parts.map(|p| p.selector), SELECTOR_BITS)?;
        let lead = part(parts.map(|p| p.lead), LEAD_BITS)?;
        let packed = &target + &selector * pow2(TARGET_BITS) + &lead * pow2(TARGET_BITS + SELECTOR_BITS);
        packed.enforce_equal(call)?;
        Ok(Self { target, selector, lead })
    }
}

/// Enforces that `rule` admits the call (`call`, `value`, `args` = `[arg0, arg1]`): the
/// in-circuit twin of [`Rule::check`]'s clauses on the call (693 constraints):
/// - `tgt = R.tgt` unless ANY_TARGET, and `tgt ≠ SELF` if ANY_TARGET (2);
/// - `sel = R.sel` unless ANY_SELECTOR (1);
/// - `value < 2^128` and `maxValue − value < 2^128` (258);
/// - with `arg = arg[ARG_INDEX]` (1), `d = argRef − arg` and `t = o₀·d` (1), where the
///   operator is `o₀ + 2·o₁`: `(1 − o₁)·t = 0` (EQ: d = 0; 1), `arg ≠ CLAMP` if o₀ (EQ and
///   GE; 1), and `o₁·arg`, `o₁·argRef`, `o₁·(d − 2t)` below 2^128 (LE: `argRef − arg`,
///   GE: `arg − argRef`; 387);
/// - `lead − delay < 2^40` (41).
///
/// # Errors
/// Propagates synthesis errors.
pub fn enforce_admits(
    cs: ConstraintSystemRef<Fr>,
    rule: &RuleVar,
    call: &CallVar,
    value: &FpVar<Fr>,
    args: &[FpVar<Fr>; 2],
) -> Result<(), SynthesisError> {
    {
        let _c = clause!("tgt = R.tgt, or ANY_TARGET and tgt ≠ SELF");
        let any = rule.any_target();
        call.target.conditional_enforce_equal(&rule.target, &!any)?;
        call.target.conditional_enforce_not_equal(&FpVar::constant(SELF), any)?;
    }
    {
        let _c = clause!("sel = R.sel or ANY_SELECTOR");
        call.selector.conditional_enforce_equal(&rule.selector, &!rule.any_selector())?;
    }
    {
        let _c = clause!("value ≤ maxValue < 2^128");
        enforce_below_pow2(cs.clone(), value, AMOUNT_BITS)?;
        enforce_below_pow2(cs.clone(), &(&rule.max_value - value), AMOUNT_BITS)?;
    }
    {
        let _c = clause!("arg[ARG_IDX] op argRef");
        let arg = rule.arg1().select(&args[1], &args[0])?;
        let (low, high) = (rule.op_low(), rule.op_high());
        let d = &rule.arg_ref - &arg;
        let t = &d * FpVar::from(low.clone());
        // EQ (low, not high): argRef = arg. NONE and LE have t = 0; GE is high.
        t.conditional_enforce_equal(&FpVar::zero(), &!high)?;
        // CLAMP means "absent or too large": it never equals a constant (LE and GE refuse
        // it by the range below).
        arg.conditional_enforce_not_equal(&FpVar::constant(CLAMP), low)?;
        // LE and GE: both operands below 2^128, and the difference in the operator's
        // direction (d − 2t is argRef − arg for LE, arg − argRef for GE) too.
        enforce_product_below_pow2(cs.clone(), high, &arg, AMOUNT_BITS)?;
        enforce_product_below_pow2(cs.clone(), high, &rule.arg_ref, AMOUNT_BITS)?;
        enforce_product_below_pow2(cs.clone(), high, &(d - t.double()?), AMOUNT_BITS)?;
    }
    let _c = clause!("lead ≥ delay");
    enforce_below_pow2(cs, &(&call.lead - &rule.delay), LEAD_BITS)
}

/// A rule's path in the policy tree in-circuit: per level a boolean index bit and a sibling.
#[derive(Clone, Debug)]
pub struct RulePathVar {
    /// Bit i: the node is the right child at level i.
    pub index_bits: Vec<Boolean<Fr>>,
    /// The siblings, bottom up.
    pub siblings: Vec<FpVar<Fr>>,
}

impl RulePathVar {
    /// Allocates a path of `depth` levels as witnesses (one constraint per level: the bit is
    /// boolean); `None` for setup.
    ///
    /// # Errors
    /// `Unsatisfiable` if `path` does not have exactly `depth` siblings; otherwise
    /// propagates synthesis errors.
    pub fn new(cs: impl Into<Namespace<Fr>>, path: Option<&RulePath>, depth: usize) -> Result<Self, SynthesisError> {
        let ns = cs.into();
        let cs = ns.cs();
        if path.is_some_and(|p| p.siblings.len() != depth) {
            return Err(SynthesisError::Unsatisfiable);
        }
        let missing = || SynthesisError::AssignmentMissing;
        let mut index_bits = Vec::with_capacity(depth);
        let mut siblings = Vec::with_capacity(depth);
        for i in 0..depth {
            index_bits.push(Boolean::new_witness(ark_relations::ns!(cs, "b_i"), || {
                path.map(|p| i < 64 && p.index >> i & 1 == 1).ok_or_else(missing)
            })?);
            siblings.push(FpVar::new_witness(ark_relations::ns!(cs, "sibling_i"), || {
                path.map(|p| p.siblings[i]).ok_or_else(missing)
            })?);
        }
        Ok(Self { index_bits, siblings })
    }

    /// The root reached from `leaf` (241 constraints per level: the left/right selection
    /// and Poseidon(2)), twin of [`RulePath::root`].
    ///
    /// # Errors
    /// Propagates synthesis errors.
    pub fn root(&self, cs: ConstraintSystemRef<Fr>, leaf: &FpVar<Fr>) -> Result<FpVar<Fr>, SynthesisError> {
        let mut node = leaf.clone();
        for (b, sibling) in self.index_bits.iter().zip(&self.siblings) {
            let left = b.select(sibling, &node)?;
            let right = &node + sibling - &left;
            node = PoseidonGadget::hash2(cs.clone(), &left, &right)?;
        }
        Ok(node)
    }
}
