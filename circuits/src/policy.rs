//! The Policy statement: a hidden rule of a committed signing policy admits the call an
//! intent makes, and at least the rule's k distinct holders of the rule's role signed the
//! intent, in one proof ([DESIGN §3.3 Policy][design]; design input `POLICY.md` §2).
//!
//! The account holds one root, `authRoot = Poseidon(grantRoot, policyRoot)`:
//! - the **grant tree** is a Lean IMT (depth D, as the approver set) of grants
//!   `Poseidon(idc, roleId, blind)` ([`grant_leaf`]): `idc = Poseidon(A.x, A.y)` is the
//!   unchanged Semaphore commitment, `roleId` a random role tag, `blind` random per grant
//!   (published leaves cannot be tested against guessed `(idc, roleId)` pairs); one key in
//!   two roles holds two grants;
//! - the **policy tree** is a full binary tree of fixed depth `D_P` ([`PolicyTree`]) of
//!   rule leaves `Poseidon(tgt, sel, maxValue, argRef, delay, roleId, k, flags, salt)`
//!   ([`Rule::leaf`]); unused leaves are random field elements, never a rule's hash.
//!
//! Public (in this order): `authRoot`, `intent`, `call`, `value`, `arg0`, `arg1`, all
//! derived by the account from the one intent it hashes and executes ([`CallFacts::new`]
//! is the twin of that derivation):
//! - `call = tgt + 2^161·sel + 2^194·lead` ([`Call::pack`]), below 2^234 < r: `tgt` is
//!   `uint160(target)`, or [`SELF`] = 2^160 for a call to the account itself; `sel` the
//!   first four bytes of the data, or [`NO_DATA`] = 2^32 for empty data (1–3 bytes revert);
//!   `lead` (40 bits) the time-lock the prover claims, which the account enforces by queueing;
//! - `value` below 2^128 (the account reverts above);
//! - `arg_j`: the static word j of `data[4..]`, or [`CLAMP`] = 2^253 − 1 when the word is
//!   absent or not below CLAMP.
//!
//! Private: the rule R, its path (index bits and siblings) in the policy tree, the grant
//! root, the split of `call` into `(tgt, sel, lead)`, and per slot (K_MAX of them) the
//! Threshold statement's slot (enabled bit, key, signature, path, here to a grant) and the
//! grant's blind.
//!
//! Clauses (the backticked text is the label of the clause's tracing span):
//! 1. `R: maxValue, delay, flags as bits`: R's `maxValue` (128 bits), `delay` (40) and
//!    `flags` (5) are allocated as bits and the leaf hashes their sums, so a committed rule
//!    with a field out of range, or a reserved flag bit set, can never be opened;
//! 2. `call = tgt + 2^161·sel + 2^194·lead` with `tgt`, `sel`, `lead` of 161, 33 and 40
//!    bits: the split is unique;
//! 3. `tgt = R.tgt, or ANY_TARGET and tgt ≠ SELF`;
//! 4. `sel = R.sel or ANY_SELECTOR`;
//! 5. `value ≤ maxValue < 2^128`: value below 2^128 and `maxValue − value` below 2^128;
//! 6. `arg[ARG_IDX] op argRef`: with `arg = arg[ARG_IDX]`, NONE admits all; EQ is
//!    `arg = argRef` over the whole field and `arg ≠ CLAMP`; LE and GE compare
//!    `arg` and `argRef`, both below 2^128 (so CLAMP never passes);
//! 7. `lead ≥ delay`: `lead − delay` below 2^40;
//! 8. the Threshold statement's slot clauses, shared code
//!    ([`threshold`](crate::threshold), clauses 1 and 3–6): enabled bits a prefix with
//!    `e_0 = 1`, keys in the subgroup and not O, a valid signature on `intent` when
//!    enabled; then `grant = Poseidon(idc, roleId, blind)` with R's roleId, the grant's
//!    path leading to grantRoot when enabled, and the commitments `idc` pairwise distinct
//!    when enabled (distinct *keys*, not distinct grants);
//! 9. `leaf(R) = Poseidon(R), k = Σ e_i`: the leaf hashes the number of enabled slots as
//!    R's k, so exactly k slots count and `1 ≤ k ≤ K_MAX`;
//! 10. `policyRoot = MerkleRoot(leaf(R), path)` (index bits boolean, fixed depth D_P);
//! 11. `authRoot = Poseidon(grantRoot, policyRoot)`.
//!
//! All of R's fields come from one hashed leaf, so a prover cannot mix the fields of two
//! rules; R's roleId is the one every grant is hashed with, so keys of another role do
//! not count.
//!
//! **Choices against `POLICY.md` §2** (each keeps the statement at least as strong):
//! - *`k = Σ e_i`, not `1 ≤ k ≤ Σ e_i`.* A prover with more signatures than k enables k
//!   of them, so the two admit the same proofs; equality costs nothing (k enters the
//!   leaf as a sum of the enabled bits, and `e_0 = 1` makes k ≥ 1), the inequality needs
//!   `k − 1` and `Σ e_i − k` as bits. A rule with k = 0 or k > K_MAX can never be opened.
//! - *Distinct identities pairwise, not sorted.* `idc_i ≠ idc_j` for each pair, one
//!   constraint each (28 at K_MAX 8), as the Threshold statement; strictly increasing `idc`
//!   needs a 254-bit strict decomposition and comparison per slot (~565 each): pairwise
//!   is cheaper below K_MAX ≈ 1,100. [`PolicyCircuit::new`] still sorts.
//! - *ANY_TARGET ignores `R.tgt`.* `(ANY_TARGET ∧ tgt ≠ SELF) ∨ tgt = R.tgt` would let an
//!   ANY_TARGET rule whose `tgt` field happens to be SELF reach the account; here
//!   ANY_TARGET means any target but the account, whatever `R.tgt` holds, and only a
//!   rule naming SELF without ANY_TARGET reaches it. Two constraints either way.
//! - *Two argument inputs `arg0`, `arg1`, as `POLICY.md`'s args variant.* The rule is hidden,
//!   so the account cannot know which word its condition reads; a prover-chosen index
//!   passed as a public input would reveal which word a rule conditions. One input per
//!   word keeps the rule hidden for ~6,150 gas of verification per word and one
//!   constraint (the selection). Two words cover `f(amount)` and `transfer(to, amount)` /
//!   `approve(spender, amount)`.
//! - *`maxValue` and `argRef` below 2^128 through the bits and ranges above.* Clause 5 is
//!   sound without checking `maxValue` (value and the difference are below 2^128), but
//!   then "value ≤ maxValue" would only hold for `maxValue < value + 2^128`; checking it
//!   gives the plain reading for 128 constraints. Likewise LE/GE check both operands, so
//!   they compare two 128-bit numbers, whatever the order.
//! - *EQ refuses CLAMP.* A word equal to 2^253 − 1 and an absent or oversized word both
//!   read as CLAMP, so `EQ CLAMP` would be ambiguous: one constraint (`arg ≠ CLAMP` when
//!   the operator's low bit is set: EQ, and GE, where the range check refuses it anyway).
//!
//! Disabled slots are gated as in the Threshold statement: a canonical dummy
//! ([`GrantSlot::dummy`]) satisfies every unconditional constraint and nothing it holds
//! reaches a public input.
//!
//! Cost ([`num_constraints`]): per slot the Threshold slot (3,372 + 244·D) and the grant's
//! Poseidon(3) (261); the slot plumbing (K_MAX − 1 booleans, K_MAX − 2 prefix constraints,
//! K_MAX·(K_MAX − 1)/2 pairs); once 1,759 ([`RULE_CONSTRAINTS`]: R's bits 173, the call's split
//! 235, target 2, selector 1, value 258, argument 391, delay 41, the leaf's Poseidon(9)
//! 417, authRoot 241) and 242 per policy level. At D = 20, K_MAX = 8, D_P = 6: 71,356
//! (the Threshold statement: 66,058).
//!
//! [design]: https://github.com/veil-zk/veil/blob/main/DESIGN.md
//! [`grant_leaf`]: crate::policy::grant_leaf
//! [`PolicyTree`]: crate::policy::PolicyTree
//! [`Rule::leaf`]: crate::policy::Rule::leaf
//! [`CallFacts::new`]: crate::policy::CallFacts::new
//! [`Call::pack`]: crate::policy::Call::pack
//! [`SELF`]: crate::policy::SELF
//! [`NO_DATA`]: crate::policy::NO_DATA
//! [`CLAMP`]: crate::policy::CLAMP
//! [`PolicyCircuit::new`]: crate::policy::PolicyCircuit::new
//! [`GrantSlot::dummy`]: crate::policy::GrantSlot::dummy
//! [`num_constraints`]: crate::policy::num_constraints
//! [`RULE_CONSTRAINTS`]: crate::policy::RULE_CONSTRAINTS

pub mod constraints;

use std::fmt;

use ark_ff::{BigInteger, Field, MontFp, PrimeField, UniformRand, Zero};
use ark_r1cs_std::{
    alloc::AllocVar,
    eq::EqGadget,
    fields::{fp::FpVar, FieldVar},
};
use ark_relations::gr1cs::{ConstraintSynthesizer, ConstraintSystemRef, SynthesisError};
use rand::{CryptoRng, RngCore};
use thiserror::Error;

use crate::{
    babyjubjub::Point,
    clause,
    eddsa::Signature,
    identity,
    lean_imt::{
        constraints::{MerklePath, CONSTRAINTS_PER_LEVEL},
        MerkleProof,
    },
    poseidon::{self, constraints::PoseidonGadget},
    threshold::{self, check_signer, check_slots, synthesize_slots, SlotWitness, ThresholdError},
    CircuitError, Fr,
};
use constraints::{enforce_admits, CallVar, RulePathVar, RuleVar};

/// Position of the auth root among the public inputs.
pub const AUTH_ROOT: usize = 0;
/// Position of the intent.
pub const INTENT: usize = 1;
/// Position of `call = tgt + 2^161·sel + 2^194·lead`.
pub const CALL: usize = 2;
/// Position of the call's value.
pub const VALUE: usize = 3;
/// Position of `arg0`, the first static word of the call's arguments.
pub const ARG0: usize = 4;
/// Position of `arg1`, the second static word.
pub const ARG1: usize = 5;
/// Number of public inputs.
pub const NUM_PUBLIC_INPUTS: usize = 6;

/// Bits of `tgt` (an address, or [`SELF`]).
pub const TARGET_BITS: usize = 161;
/// Bits of `sel` (a selector, or [`NO_DATA`]).
pub const SELECTOR_BITS: usize = 33;
/// Bits of `lead` and of a rule's `delay` (seconds).
pub const LEAD_BITS: usize = 40;
/// Bits of `value`, of a rule's `maxValue`, and of both operands of LE and GE.
pub const AMOUNT_BITS: usize = 128;
/// Bits of a rule's `flags`; the others must be 0.
pub const FLAG_BITS: usize = 5;

/// `tgt` of a call to the account itself: 2^160, which no address reaches.
pub const SELF: Fr = MontFp!("1461501637330902918203684832716283019655932542976");
/// `sel` of a call without data: 2^32, which no selector reaches (`0x00000000` is a
/// selector like any other).
pub const NO_DATA: Fr = MontFp!("4294967296");
/// `arg_j` of an absent word, or of a word not below CLAMP: 2^253 − 1. No condition
/// admits it (EQ refuses it, LE and GE need 128 bits).
pub const CLAMP: Fr = MontFp!("14474011154664524427946373126085988481658748083205070504932198000989141204991");

/// Flag bit 0: any target except the account itself (`R.tgt` is then ignored).
pub const ANY_TARGET: u64 = 1;
/// Flag bit 1: any selector, [`NO_DATA`] included (`R.sel` is then ignored).
pub const ANY_SELECTOR: u64 = 2;
/// Flag bit 2: the argument condition reads `arg1` (else `arg0`).
pub const ARG_INDEX: u64 = 4;
/// Flag bits 3–4 hold the argument operator ([`ArgOp`]).
pub const ARG_OP_SHIFT: u32 = 3;

/// The default depth D_P of the policy tree (64 rule slots).
pub const DEFAULT_POLICY_DEPTH: usize = 6;
/// The largest supported policy depth (65,536 rule slots).
pub const MAX_POLICY_DEPTH: usize = 16;

/// `2^n` in the field.
fn pow2(n: usize) -> Fr {
    Fr::from(2u64).pow([n as u64])
}

/// Whether `x`, as an integer below r, is below `2^n`.
fn below_pow2(x: Fr, n: usize) -> bool {
    x.into_bigint().num_bits() as usize <= n
}

/// The operator of a rule's argument condition (flag bits 3–4).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
pub enum ArgOp {
    /// No condition.
    #[default]
    None = 0,
    /// `arg = argRef` (the whole field element), and `arg ≠ CLAMP`.
    Eq = 1,
    /// `arg ≤ argRef`, both below 2^128.
    Le = 2,
    /// `arg ≥ argRef`, both below 2^128.
    Ge = 3,
}

/// A rule's flags, decoded.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
pub struct Flags {
    /// [`ANY_TARGET`].
    pub any_target: bool,
    /// [`ANY_SELECTOR`].
    pub any_selector: bool,
    /// [`ARG_INDEX`]: the condition reads `arg1`.
    pub arg1: bool,
    /// The argument operator.
    pub arg_op: ArgOp,
}

impl Flags {
    /// The encoding `ANY_TARGET | ANY_SELECTOR | ARG_INDEX | op << 3`, below 2^5.
    #[must_use]
    pub fn bits(self) -> u64 {
        (u64::from(self.any_target) * ANY_TARGET)
            | (u64::from(self.any_selector) * ANY_SELECTOR)
            | (u64::from(self.arg1) * ARG_INDEX)
            | ((self.arg_op as u64) << ARG_OP_SHIFT)
    }

    /// [`Flags::bits`] as the field element a rule holds.
    #[must_use]
    pub fn to_fr(self) -> Fr {
        Fr::from(self.bits())
    }

    /// The flags a rule's field element encodes, or `None` when a bit above the fifth is set.
    #[must_use]
    pub fn from_fr(flags: Fr) -> Option<Self> {
        if !below_pow2(flags, FLAG_BITS) {
            return None;
        }
        let bits = flags.into_bigint().0[0];
        let arg_op = match bits >> ARG_OP_SHIFT {
            0 => ArgOp::None,
            1 => ArgOp::Eq,
            2 => ArgOp::Le,
            _ => ArgOp::Ge,
        };
        Some(Self {
            any_target: bits & ANY_TARGET != 0,
            any_selector: bits & ANY_SELECTOR != 0,
            arg1: bits & ARG_INDEX != 0,
            arg_op,
        })
    }
}

/// One rule of a policy, as its leaf hashes it. `Debug` prints nothing: rules are private.
///
/// The fields are raw field elements so that any committed value, well formed or not, can be
/// represented; [`Rule::check`] and the circuit give them their meaning.
#[derive(Clone, PartialEq, Eq)]
pub struct Rule {
    /// The target: an address (`uint160`) or [`SELF`]; ignored with [`ANY_TARGET`].
    pub target: Fr,
    /// The selector (`uint32`) or [`NO_DATA`]; ignored with [`ANY_SELECTOR`].
    pub selector: Fr,
    /// The largest value admitted, below 2^128 (2^128 − 1: any value).
    pub max_value: Fr,
    /// The argument condition's constant.
    pub arg_ref: Fr,
    /// The least lead time in seconds, below 2^40.
    pub delay: Fr,
    /// The role whose grants count.
    pub role_id: Fr,
    /// How many distinct role holders must sign, 1 ≤ k ≤ K_MAX.
    pub k: Fr,
    /// [`Flags`], below 2^5.
    pub flags: Fr,
    /// Random, so that a guessed low-entropy rule cannot be confirmed against the root.
    pub salt: Fr,
}

impl fmt::Debug for Rule {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Rule").finish_non_exhaustive()
    }
}

/// Which clause of the rule check refuses a call ([`Rule::check`]), in the circuit's order.
#[derive(Debug, Error, Clone, Copy, PartialEq, Eq, Hash)]
pub enum RuleViolation {
    /// `call` is not below 2^234, so it has no split into 161, 33 and 40 bits.
    #[error("call is not tgt + 2^161·sel + 2^194·lead with 161-, 33- and 40-bit parts")]
    CallOutOfRange,
    /// The rule's flags set a bit above the fifth.
    #[error("the rule's flags set a reserved bit")]
    ReservedFlags,
    /// The rule's `maxValue` is not below 2^128.
    #[error("the rule's maxValue is not below 2^128")]
    MaxValueOutOfRange,
    /// The rule's `delay` is not below 2^40.
    #[error("the rule's delay is not below 2^40")]
    DelayOutOfRange,
    /// The target is not the rule's.
    #[error("the target is not the rule's")]
    Target,
    /// An ANY_TARGET rule never admits a call to the account itself.
    #[error("an ANY_TARGET rule never admits a call to the account itself")]
    SelfTarget,
    /// The selector is not the rule's.
    #[error("the selector is not the rule's")]
    Selector,
    /// The value is not below 2^128.
    #[error("the value is not below 2^128")]
    ValueOutOfRange,
    /// The value is above the rule's `maxValue`.
    #[error("the value is above the rule's maxValue")]
    ValueAboveMax,
    /// The argument read is CLAMP (absent, or not below 2^253 − 1).
    #[error("the argument is absent or not below 2^253 − 1")]
    ArgClamped,
    /// EQ: the argument differs from the rule's constant.
    #[error("the argument is not the rule's constant")]
    ArgNotEqual,
    /// LE or GE: the argument is not below 2^128.
    #[error("the argument is not below 2^128")]
    ArgOutOfRange,
    /// LE or GE: the rule's constant is not below 2^128.
    #[error("the rule's argument constant is not below 2^128")]
    ArgRefOutOfRange,
    /// LE: the argument is above the constant.
    #[error("the argument is above the rule's constant")]
    ArgAboveRef,
    /// GE: the argument is below the constant.
    #[error("the argument is below the rule's constant")]
    ArgBelowRef,
    /// The lead time is below the rule's delay.
    #[error("the lead time is below the rule's delay")]
    LeadBelowDelay,
}

impl Rule {
    /// The nine hashed fields in the leaf's order.
    #[must_use]
    pub fn fields(&self) -> [Fr; 9] {
        [
            self.target,
            self.selector,
            self.max_value,
            self.arg_ref,
            self.delay,
            self.role_id,
            self.k,
            self.flags,
            self.salt,
        ]
    }

    /// `Poseidon(tgt, sel, maxValue, argRef, delay, roleId, k, flags, salt)`.
    #[must_use]
    pub fn leaf(&self) -> Fr {
        poseidon::hash(&self.fields())
    }

    /// Whether the rule admits the call `facts` describes: the native twin of the circuit's
    /// clauses 1–7 (the rule's own ranges, the call's split, target, selector, value,
    /// argument, delay), which names the first clause that refuses it.
    ///
    /// # Errors
    /// The [`RuleViolation`] of the first clause that fails.
    pub fn check(&self, facts: &CallFacts) -> Result<(), RuleViolation> {
        let flags = Flags::from_fr(self.flags).ok_or(RuleViolation::ReservedFlags)?;
        if !below_pow2(self.max_value, AMOUNT_BITS) {
            return Err(RuleViolation::MaxValueOutOfRange);
        }
        if !below_pow2(self.delay, LEAD_BITS) {
            return Err(RuleViolation::DelayOutOfRange);
        }
        let call = Call::unpack(facts.call).ok_or(RuleViolation::CallOutOfRange)?;
        if flags.any_target {
            if call.target == SELF {
                return Err(RuleViolation::SelfTarget);
            }
        } else if call.target != self.target {
            return Err(RuleViolation::Target);
        }
        if !flags.any_selector && call.selector != self.selector {
            return Err(RuleViolation::Selector);
        }
        if !below_pow2(facts.value, AMOUNT_BITS) {
            return Err(RuleViolation::ValueOutOfRange);
        }
        if facts.value.into_bigint() > self.max_value.into_bigint() {
            return Err(RuleViolation::ValueAboveMax);
        }
        let arg = facts.args[usize::from(flags.arg1)];
        if flags.arg_op != ArgOp::None && arg == CLAMP {
            return Err(RuleViolation::ArgClamped);
        }
        match flags.arg_op {
            ArgOp::None => {}
            ArgOp::Eq if arg != self.arg_ref => return Err(RuleViolation::ArgNotEqual),
            ArgOp::Eq => {}
            ArgOp::Le | ArgOp::Ge => {
                if !below_pow2(arg, AMOUNT_BITS) {
                    return Err(RuleViolation::ArgOutOfRange);
                }
                if !below_pow2(self.arg_ref, AMOUNT_BITS) {
                    return Err(RuleViolation::ArgRefOutOfRange);
                }
                let (arg, reference) = (arg.into_bigint(), self.arg_ref.into_bigint());
                if flags.arg_op == ArgOp::Le && arg > reference {
                    return Err(RuleViolation::ArgAboveRef);
                }
                if flags.arg_op == ArgOp::Ge && arg < reference {
                    return Err(RuleViolation::ArgBelowRef);
                }
            }
        }
        if call.lead.into_bigint() < self.delay.into_bigint() {
            return Err(RuleViolation::LeadBelowDelay);
        }
        Ok(())
    }

    /// The rule's k as a count, when it lies in `1..=k_max`.
    #[must_use]
    pub fn threshold(&self, k_max: usize) -> Option<usize> {
        (1..=k_max).find(|&k| Fr::from(k as u64) == self.k)
    }
}

/// The parts of `call`: what the circuit splits the public input into.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Call {
    /// `tgt`: `uint160(target)`, or [`SELF`].
    pub target: Fr,
    /// `sel`: the selector, or [`NO_DATA`].
    pub selector: Fr,
    /// `lead`: the time-lock in seconds the proof claims.
    pub lead: Fr,
}

impl Call {
    /// `tgt + 2^161·sel + 2^194·lead` (no range is checked: see [`Call::unpack`]).
    #[must_use]
    pub fn pack(&self) -> Fr {
        self.target + pow2(TARGET_BITS) * self.selector + pow2(TARGET_BITS + SELECTOR_BITS) * self.lead
    }

    /// The unique split of `call` into parts of 161, 33 and 40 bits, or `None` when `call`
    /// is not below 2^234.
    #[must_use]
    pub fn unpack(call: Fr) -> Option<Self> {
        if !below_pow2(call, TARGET_BITS + SELECTOR_BITS + LEAD_BITS) {
            return None;
        }
        let bits = call.into_bigint().to_bits_le();
        let part = |from: usize, n: usize| {
            Fr::from_bigint(<Fr as PrimeField>::BigInt::from_bits_le(&bits[from..from + n])).expect("below r")
        };
        Some(Self {
            target: part(0, TARGET_BITS),
            selector: part(TARGET_BITS, SELECTOR_BITS),
            lead: part(TARGET_BITS + SELECTOR_BITS, LEAD_BITS),
        })
    }
}

/// The public facts of a call, as the account derives them from the intent it executes.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct CallFacts {
    /// `tgt + 2^161·sel + 2^194·lead`.
    pub call: Fr,
    /// The value, below 2^128.
    pub value: Fr,
    /// `[arg0, arg1]`: the first two static words of the arguments, or [`CLAMP`].
    pub args: [Fr; 2],
}

impl CallFacts {
    /// The facts of a call to `target` from `account` with `value` and `data`, under the
    /// lead time `lead` (seconds): the twin of the account's derivation. `None` when the
    /// account refuses the call: 1 to 3 bytes of data, or a lead of 2^40 seconds or more.
    #[must_use]
    pub fn new(target: [u8; 20], account: [u8; 20], value: u128, data: &[u8], lead: u64) -> Option<Self> {
        let selector = selector_of(data)?;
        if lead >> LEAD_BITS != 0 {
            return None;
        }
        let call = Call { target: target_of(target, account), selector, lead: Fr::from(lead) };
        Some(Self { call: call.pack(), value: Fr::from(value), args: [arg_of(data, 0), arg_of(data, 1)] })
    }
}

/// `tgt`: [`SELF`] when `target` is the account, else the address as an integer.
#[must_use]
pub fn target_of(target: [u8; 20], account: [u8; 20]) -> Fr {
    if target == account {
        SELF
    } else {
        Fr::from_be_bytes_mod_order(&target)
    }
}

/// `sel`: the first four bytes of `data` big-endian, [`NO_DATA`] for empty data, `None`
/// for 1 to 3 bytes (the account reverts).
#[must_use]
pub fn selector_of(data: &[u8]) -> Option<Fr> {
    match data {
        [] => Some(NO_DATA),
        [a, b, c, d, ..] => Some(Fr::from(u32::from_be_bytes([*a, *b, *c, *d]))),
        _ => None,
    }
}

/// `arg_j`: the static word j of `data[4..]` as a big-endian integer, or [`CLAMP`] when the
/// word is absent or not below CLAMP.
#[must_use]
pub fn arg_of(data: &[u8], j: usize) -> Fr {
    let start = 4 + 32 * j;
    let Some(word) = data.get(start..start + 32) else {
        return CLAMP;
    };
    let mut limbs = [0u64; 4];
    for (i, chunk) in word.chunks(8).enumerate() {
        limbs[3 - i] = u64::from_be_bytes(chunk.try_into().expect("8 bytes"));
    }
    let word = <Fr as PrimeField>::BigInt::new(limbs);
    if word >= CLAMP.into_bigint() {
        CLAMP
    } else {
        Fr::from_bigint(word).expect("below CLAMP < r")
    }
}

/// A grant: `Poseidon(idc, roleId, blind)`, a leaf of the grant tree.
#[must_use]
pub fn grant_leaf(commitment: Fr, role_id: Fr, blind: Fr) -> Fr {
    poseidon::hash(&[commitment, role_id, blind])
}

/// `authRoot = Poseidon(grantRoot, policyRoot)`, the one root the account holds.
#[must_use]
pub fn auth_root(grant_root: Fr, policy_root: Fr) -> Fr {
    poseidon::hash2(grant_root, policy_root)
}

/// The policy tree: a full binary Poseidon(2) tree of fixed depth D_P over rule leaves.
/// `Debug` prints the depth only.
#[derive(Clone, PartialEq, Eq)]
pub struct PolicyTree {
    /// `levels[0]` the 2^depth leaves, `levels[depth]` the root.
    levels: Vec<Vec<Fr>>,
}

impl fmt::Debug for PolicyTree {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("PolicyTree").field("depth", &self.depth()).finish_non_exhaustive()
    }
}

/// A rule leaf's path in the policy tree: bit i of `index` is 1 when the node is the right
/// child at level i. `Debug` prints the depth only: the index says which rule applied.
#[derive(Clone, PartialEq, Eq)]
pub struct RulePath {
    /// The leaf's position, below 2^depth.
    pub index: u64,
    /// The siblings, bottom up: exactly D_P of them.
    pub siblings: Vec<Fr>,
}

impl fmt::Debug for RulePath {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("RulePath").field("depth", &self.siblings.len()).finish_non_exhaustive()
    }
}

impl RulePath {
    /// The root `leaf` leads to along this path.
    #[must_use]
    pub fn root(&self, leaf: Fr) -> Fr {
        self.siblings.iter().enumerate().fold(leaf, |node, (i, s)| {
            if i < 64 && self.index >> i & 1 == 1 {
                poseidon::hash2(*s, node)
            } else {
                poseidon::hash2(node, *s)
            }
        })
    }
}

fn check_policy_depth(depth: usize) -> Result<(), PolicyError> {
    if (1..=MAX_POLICY_DEPTH).contains(&depth) {
        Ok(())
    } else {
        Err(PolicyError::UnsupportedPolicyDepth(depth))
    }
}

impl PolicyTree {
    /// The tree over exactly `2^depth` leaves.
    ///
    /// # Errors
    /// [`PolicyError::UnsupportedPolicyDepth`] outside 1..=[`MAX_POLICY_DEPTH`],
    /// [`PolicyError::WrongNumberOfLeaves`] for another number of leaves.
    pub fn from_leaves(depth: usize, leaves: Vec<Fr>) -> Result<Self, PolicyError> {
        check_policy_depth(depth)?;
        if leaves.len() != 1 << depth {
            return Err(PolicyError::WrongNumberOfLeaves { leaves: leaves.len(), depth });
        }
        let mut levels = vec![leaves];
        while levels.last().expect("non-empty").len() > 1 {
            let below = levels.last().expect("non-empty");
            let next = below.chunks(2).map(|p| poseidon::hash2(p[0], p[1])).collect();
            levels.push(next);
        }
        Ok(Self { levels })
    }

    /// The tree over `leaves` (rule leaves, in order), padded to `2^depth` with random field
    /// elements from `rng`, so that unused slots are never a rule's hash.
    ///
    /// # Errors
    /// As [`PolicyTree::from_leaves`]; [`PolicyError::WrongNumberOfLeaves`] when more than
    /// `2^depth` leaves are given.
    pub fn padded<R: RngCore + CryptoRng>(depth: usize, leaves: &[Fr], rng: &mut R) -> Result<Self, PolicyError> {
        check_policy_depth(depth)?;
        if leaves.len() > 1 << depth {
            return Err(PolicyError::WrongNumberOfLeaves { leaves: leaves.len(), depth });
        }
        let mut all = leaves.to_vec();
        all.resize_with(1 << depth, || Fr::rand(rng));
        Self::from_leaves(depth, all)
    }

    /// The depth D_P.
    #[must_use]
    pub fn depth(&self) -> usize {
        self.levels.len() - 1
    }

    /// The root, `policyRoot`.
    #[must_use]
    pub fn root(&self) -> Fr {
        self.levels[self.depth()][0]
    }

    /// The leaves, padding included.
    #[must_use]
    pub fn leaves(&self) -> &[Fr] {
        &self.levels[0]
    }

    /// The path of the leaf at `index`.
    ///
    /// # Errors
    /// [`CircuitError::IndexOutOfRange`] past the last leaf.
    pub fn path(&self, index: usize) -> Result<RulePath, CircuitError> {
        if index >= self.levels[0].len() {
            return Err(CircuitError::IndexOutOfRange { index, size: self.levels[0].len() });
        }
        let siblings = (0..self.depth()).map(|level| self.levels[level][(index >> level) ^ 1]).collect();
        Ok(RulePath { index: index as u64, siblings })
    }
}

/// Why a policy tree, a [`PolicyCircuit`] or its shape was refused.
#[derive(Debug, Error, PartialEq, Eq, Clone)]
pub enum PolicyError {
    /// The depth or K_MAX is unsupported, or a signer was refused (by its position in the
    /// list given), as the Threshold constructor refuses them.
    #[error(transparent)]
    Signers(#[from] ThresholdError),
    /// A policy depth outside 1..=[`MAX_POLICY_DEPTH`].
    #[error("policy depth {0} is outside 1..={MAX_POLICY_DEPTH}")]
    UnsupportedPolicyDepth(usize),
    /// A policy tree needs exactly `2^depth` leaves (at most that many before padding).
    #[error("{leaves} leaves do not fill a policy tree of depth {depth}")]
    WrongNumberOfLeaves {
        /// Leaves given.
        leaves: usize,
        /// The tree's depth.
        depth: usize,
    },
    /// The rule's path does not have the circuit's policy depth, or its index does not fit.
    #[error("the rule path has {length} levels and index {index}; the policy depth is {policy_depth}")]
    RulePathShape {
        /// Siblings in the path.
        length: usize,
        /// The path's index.
        index: u64,
        /// The circuit's policy depth.
        policy_depth: usize,
    },
    /// The rule does not admit the call.
    #[error("the rule does not admit the call: {0}")]
    Rule(#[from] RuleViolation),
    /// The rule's k is not in `1..=k_max`: no proof can open it.
    #[error("the rule's k ({k}) is outside 1..={k_max}")]
    UnsupportedK {
        /// The rule's k, decimal.
        k: String,
        /// The circuit's K_MAX.
        k_max: usize,
    },
    /// Fewer valid signers than the rule's k.
    #[error("the rule needs {k} signers, {signers} given")]
    TooFewSigners {
        /// The rule's k.
        k: usize,
        /// Signers given.
        signers: usize,
    },
}

/// The shape a Policy circuit is set up for.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct PolicyShape {
    /// The maximum depth D of the grant tree (1..=32).
    pub max_depth: usize,
    /// K_MAX, the number of signer slots (1..=[`threshold::MAX_SLOTS`]).
    pub k_max: usize,
    /// The depth D_P of the policy tree (1..=[`MAX_POLICY_DEPTH`]).
    pub policy_depth: usize,
}

impl Default for PolicyShape {
    /// D = 20, K_MAX = 8, D_P = 6.
    fn default() -> Self {
        Self { max_depth: crate::approval::DEFAULT_DEPTH, k_max: 8, policy_depth: DEFAULT_POLICY_DEPTH }
    }
}

impl fmt::Display for PolicyShape {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "depth {}, k_max {}, policy depth {}", self.max_depth, self.k_max, self.policy_depth)
    }
}

impl PolicyShape {
    /// Whether the circuit supports this shape.
    ///
    /// # Errors
    /// [`ThresholdError::Circuit`] or [`ThresholdError::UnsupportedKMax`] (in
    /// [`PolicyError::Signers`]) for D or K_MAX, [`PolicyError::UnsupportedPolicyDepth`].
    pub fn check(&self) -> Result<(), PolicyError> {
        threshold::ThresholdCircuit::blank(self.max_depth, self.k_max)?;
        check_policy_depth(self.policy_depth)
    }
}

/// A signer for [`PolicyCircuit::new`]: a key, its signature on the intent, and its grant
/// for the rule's role (blind and membership proof in the grant tree). `Debug` prints
/// nothing of it.
#[derive(Clone)]
pub struct GrantSigner {
    /// The public key A (in the subgroup).
    pub public_key: Point,
    /// `(R8, S)` on the intent.
    pub signature: Signature,
    /// The grant's blind.
    pub blind: Fr,
    /// The grant's membership proof in the grant tree.
    pub proof: MerkleProof,
}

impl fmt::Debug for GrantSigner {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("GrantSigner").finish_non_exhaustive()
    }
}

/// One slot's witness: the Threshold statement's slot (its path leads to a grant) and the
/// grant's blind. `Debug` prints nothing of it.
#[derive(Clone, PartialEq, Eq)]
pub struct GrantSlot {
    /// Enabled bit, `A'`, signature and the grant's path.
    pub signer: SlotWitness,
    /// The grant's blind.
    pub blind: Fr,
}

impl fmt::Debug for GrantSlot {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("GrantSlot").finish_non_exhaustive()
    }
}

impl GrantSlot {
    /// The canonical disabled slot: [`SlotWitness::dummy`] and the blind 0.
    #[must_use]
    pub fn dummy(max_depth: usize) -> Self {
        Self { signer: SlotWitness::dummy(max_depth), blind: Fr::zero() }
    }
}

/// The Policy circuit for a fixed shape. `None` witnesses serve setup.
#[derive(Clone)]
pub struct PolicyCircuit {
    /// D, K_MAX and D_P.
    pub shape: PolicyShape,
    /// The rule R.
    pub rule: Option<Rule>,
    /// R's path in the policy tree.
    pub rule_path: Option<RulePath>,
    /// The grant tree's root.
    pub grant_root: Option<Fr>,
    /// The split of the public `call`.
    pub call_parts: Option<Call>,
    /// The K_MAX slots: enabled ones first (sorted by commitment), then dummies.
    pub slots: Option<Vec<GrantSlot>>,
    /// Public: the auth root.
    pub auth_root: Option<Fr>,
    /// Public: the intent's field element.
    pub intent: Option<Fr>,
    /// Public: `call`, `value`, `arg0`, `arg1`.
    pub facts: Option<CallFacts>,
}

impl fmt::Debug for PolicyCircuit {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("PolicyCircuit")
            .field("shape", &self.shape)
            .field("auth_root", &self.auth_root)
            .field("intent", &self.intent)
            .field("facts", &self.facts)
            .finish_non_exhaustive()
    }
}

impl PolicyCircuit {
    /// The circuit with no witness, for setup and constraint counting.
    ///
    /// # Errors
    /// As [`PolicyShape::check`].
    pub fn blank(shape: PolicyShape) -> Result<Self, PolicyError> {
        shape.check()?;
        Ok(Self {
            shape,
            rule: None,
            rule_path: None,
            grant_root: None,
            call_parts: None,
            slots: None,
            auth_root: None,
            intent: None,
            facts: None,
        })
    }

    /// The circuit for `rule` (at `rule_path` in the policy tree) admitting the call `facts`
    /// describes, signed by `signers` holding grants for the rule's role under `grant_root`.
    /// The auth root is computed: `Poseidon(grant_root, rule_path.root(rule.leaf()))`.
    ///
    /// Every signer given is checked; the rule's k of them count, the ones with the
    /// smallest commitments, sorted by commitment, and the other slots hold
    /// [`GrantSlot::dummy`].
    ///
    /// # Errors
    /// [`PolicyShape::check`]'s; [`PolicyError::RulePathShape`]; [`PolicyError::Rule`] when
    /// the rule does not admit the call; [`PolicyError::UnsupportedK`];
    /// [`PolicyError::TooFewSigners`]; per signer (by its position in `signers`), in
    /// [`PolicyError::Signers`]: [`ThresholdError::Signer`] for a key off the curve or outside
    /// the subgroup, a proof too long for D or one that does not lead from the signer's grant
    /// to `grant_root`; [`ThresholdError::IdentityKey`]; [`ThresholdError::InvalidSignature`];
    /// [`ThresholdError::DuplicateSigner`] when two signers share a commitment.
    pub fn new(
        shape: PolicyShape,
        rule: &Rule,
        rule_path: &RulePath,
        grant_root: Fr,
        intent: Fr,
        facts: &CallFacts,
        signers: &[GrantSigner],
    ) -> Result<Self, PolicyError> {
        shape.check()?;
        let (length, index) = (rule_path.siblings.len(), rule_path.index);
        if length != shape.policy_depth || index >> length != 0 {
            return Err(PolicyError::RulePathShape { length, index, policy_depth: shape.policy_depth });
        }
        rule.check(facts)?;
        let k = rule
            .threshold(shape.k_max)
            .ok_or_else(|| PolicyError::UnsupportedK { k: crate::field::to_decimal(&rule.k), k_max: shape.k_max })?;
        if signers.len() < k {
            return Err(PolicyError::TooFewSigners { k, signers: signers.len() });
        }
        let mut checked = Vec::with_capacity(signers.len());
        for (index, s) in signers.iter().enumerate() {
            let refused = |source| PolicyError::Signers(ThresholdError::Signer { index, source });
            let a = check_signer(index, &s.public_key, &s.signature, intent)?;
            let path = MerklePath::pad(&s.proof, shape.max_depth).map_err(refused)?;
            let commitment = identity::commitment(&a);
            let leaf = grant_leaf(commitment, rule.role_id, s.blind);
            if s.proof.root != grant_root || s.proof.compute_root(leaf) != grant_root {
                return Err(refused(CircuitError::ProofDoesNotMatchRoot));
            }
            let signer = SlotWitness::enabled(&a, s.signature, &path);
            checked.push((commitment.into_bigint(), index, GrantSlot { signer, blind: s.blind }));
        }
        checked.sort_by_key(|x| x.0);
        if let Some(w) = checked.windows(2).find(|w| w[0].0 == w[1].0) {
            let (first, second) = (w[0].1.min(w[1].1), w[0].1.max(w[1].1));
            return Err(ThresholdError::DuplicateSigner { first, second }.into());
        }
        let mut slots: Vec<GrantSlot> = checked.into_iter().take(k).map(|(_, _, s)| s).collect();
        slots.resize(shape.k_max, GrantSlot::dummy(shape.max_depth));
        Ok(Self {
            shape,
            rule: Some(rule.clone()),
            rule_path: Some(rule_path.clone()),
            grant_root: Some(grant_root),
            call_parts: Call::unpack(facts.call),
            slots: Some(slots),
            auth_root: Some(auth_root(grant_root, rule_path.root(rule.leaf()))),
            intent: Some(intent),
            facts: Some(*facts),
        })
    }

    /// The public inputs in their positions ([`AUTH_ROOT`], [`INTENT`], [`CALL`],
    /// [`VALUE`], [`ARG0`], [`ARG1`]).
    #[must_use]
    pub fn public_inputs(&self) -> Option<[Fr; NUM_PUBLIC_INPUTS]> {
        let facts = self.facts?;
        Some([self.auth_root?, self.intent?, facts.call, facts.value, facts.args[0], facts.args[1]])
    }
}

impl ConstraintSynthesizer<Fr> for PolicyCircuit {
    #[tracing::instrument(target = "gr1cs", skip_all, fields(shape = ?self.shape))]
    fn generate_constraints(self, cs: ConstraintSystemRef<Fr>) -> Result<(), SynthesisError> {
        let PolicyShape { max_depth, k_max, policy_depth } = self.shape;
        // A witness of the wrong size, or with slot 0 disabled, is refused rather than
        // reinterpreted.
        let signers: Option<Vec<SlotWitness>> =
            self.slots.as_ref().map(|s| s.iter().map(|g| g.signer.clone()).collect());
        check_slots(signers.as_deref(), k_max)?;
        if self.rule_path.as_ref().is_some_and(|p| p.siblings.len() != policy_depth) {
            return Err(SynthesisError::Unsatisfiable);
        }
        let missing = || SynthesisError::AssignmentMissing;
        let input = |v: Option<Fr>| FpVar::new_input(cs.clone(), || v.ok_or(SynthesisError::AssignmentMissing));
        let auth_root = input(self.auth_root)?;
        let intent = input(self.intent)?;
        let call = input(self.facts.map(|f| f.call))?;
        let value = input(self.facts.map(|f| f.value))?;
        let args = [input(self.facts.map(|f| f.args[0]))?, input(self.facts.map(|f| f.args[1]))?];

        // Clauses 1–7: the rule admits the call.
        let rule = RuleVar::new_witness(ark_relations::ns!(cs, "R"), self.rule.as_ref())?;
        let call = CallVar::unpack(ark_relations::ns!(cs, "call"), &call, self.call_parts)?;
        enforce_admits(cs.clone(), &rule, &call, &value, &args)?;

        // Clause 8: the Threshold statement's slots, each leading to a grant of R's role.
        let grant_root =
            FpVar::new_witness(ark_relations::ns!(cs, "grantRoot"), || self.grant_root.ok_or_else(missing))?;
        let blinds: Option<Vec<Fr>> = self.slots.as_ref().map(|s| s.iter().map(|g| g.blind).collect());
        let enabled = synthesize_slots(
            cs.clone(),
            max_depth,
            k_max,
            signers.as_deref(),
            &intent,
            &grant_root,
            |i, commitment| {
                let _c = clause!("grant = Poseidon(idc, roleId, blind)");
                let blind = FpVar::new_witness(ark_relations::ns!(cs, "blind"), || {
                    blinds.as_ref().map(|b| b[i]).ok_or_else(missing)
                })?;
                PoseidonGadget::hash(cs.clone(), &[commitment.clone(), rule.role_id.clone(), blind])
            },
        )?;

        // Clause 9: the leaf, with k the number of enabled slots.
        let leaf = {
            let _c = clause!("leaf(R) = Poseidon(R), k = Σ e_i");
            let k = enabled.iter().fold(FpVar::zero(), |acc, e| acc + FpVar::from(e.clone()));
            rule.leaf(cs.clone(), &k)?
        };

        // Clause 10: the leaf lies in the policy tree.
        let policy_root = {
            let _c = clause!("policyRoot = MerkleRoot(leaf(R), path)");
            let path = RulePathVar::new(ark_relations::ns!(cs, "rule path"), self.rule_path.as_ref(), policy_depth)?;
            path.root(cs.clone(), &leaf)?
        };

        // Clause 11: both trees under the account's root.
        let _c = clause!("authRoot = Poseidon(grantRoot, policyRoot)");
        PoseidonGadget::hash2(cs.clone(), &grant_root, &policy_root)?.enforce_equal(&auth_root)?;
        Ok(())
    }
}

/// Constraints of one slot besides the Threshold slot's: the grant's Poseidon(3).
pub const GRANT_CONSTRAINTS: usize = poseidon::constraints::num_constraints(3);

/// Constraints paid once per proof, whatever the shape: R's bits (maxValue 128, delay 40,
/// flags 5), the call's split (235), target (2), selector (1), value (value and
/// `maxValue − value` below 2^128, 258), argument (selection 1, `o0·(argRef − arg)` 1, EQ 1,
/// CLAMP 1, three 128-bit ranges with their products 387), delay (41), the leaf's
/// Poseidon(9) (417), authRoot's Poseidon(2) and its equality (241).
pub const RULE_CONSTRAINTS: usize = 1_759;

/// Constraints per level of the policy tree: Poseidon(2), the index bit and the left/right
/// selection.
pub const POLICY_LEVEL_CONSTRAINTS: usize = poseidon::constraints::num_constraints(2) + 2;

/// The number of constraints of the Policy circuit of shape `shape`: per slot the
/// Threshold slot ([`threshold::SLOT_CONSTRAINTS`] and 244 per level of D) and
/// [`GRANT_CONSTRAINTS`]; K_MAX − 1 enabled bits, K_MAX − 2 prefix constraints and one per
/// pair of slots; [`RULE_CONSTRAINTS`]; [`POLICY_LEVEL_CONSTRAINTS`] per level of D_P.
/// With K_MAX = 1, k is the constant 1 and the leaf's Poseidon(9) saves one S-box (3).
#[must_use]
pub const fn num_constraints(shape: PolicyShape) -> usize {
    let PolicyShape { max_depth, k_max, policy_depth } = shape;
    let per_slot = threshold::SLOT_CONSTRAINTS + CONSTRAINTS_PER_LEVEL * max_depth + GRANT_CONSTRAINTS;
    let booleans = k_max.saturating_sub(1);
    let constant_k = if k_max == 1 { 3 } else { 0 };
    k_max * per_slot + booleans + k_max.saturating_sub(2) + k_max * booleans / 2 + RULE_CONSTRAINTS - constant_k
        + POLICY_LEVEL_CONSTRAINTS * policy_depth
}

#[cfg(test)]
mod tests;
