use std::sync::OnceLock;

use ark_ff::{BigInteger, Field, One, PrimeField, UniformRand, Zero};
use ark_r1cs_std::{alloc::AllocVar, fields::fp::FpVar, GR1CSVar};
use ark_relations::gr1cs::{ConstraintSynthesizer, ConstraintSystem, OptimizationGoal, SynthesisMode};
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha20Rng;

use super::*;
use crate::{eddsa::PrivateKey, lean_imt::LeanImt, threshold::eighth};

/// The grant tree's maximum depth in these tests (the fixture's tree has depth 3).
const DEPTH: usize = 3;
/// The policy tree's depth: the fixture's eight rules fill it.
const POLICY_DEPTH: usize = 3;

const ACCOUNT: [u8; 20] = [0xac; 20];
const MARGIN: [u8; 20] = [0x11; 20];
const POOL: [u8; 20] = [0x22; 20];
const PAYEE: [u8; 20] = [0x33; 20];
const DEPOSIT: [u8; 4] = [0xb6, 0xb5, 0x5f, 0x25];
const SET_AUTH_ROOT: [u8; 4] = [0x5a, 0x5a, 0x00, 0x01];
const LIQUIDATE: [u8; 4] = [0x71, 0x2b, 0x77, 0x2f];
const BORROW: [u8; 4] = [0xc5, 0xeb, 0xea, 0xec];
const SEND: [u8; 4] = [0xd0, 0x67, 0x9d, 0x34];
const H48: u64 = 48 * 3600;

// The fixture's rules, by their index in the policy tree.
const TREASURY_ANY: usize = 0; // treasury 2-of, any target but self, any selector, 48 h
const DEPOSIT_LE: usize = 1; // trader: MARGIN.deposit(amount ≤ 50,000e6)
const ADMIN: usize = 2; // treasury 3-of: SELF.setAuthRoot, 48 h
const PAY: usize = 3; // trader: PAYEE, no data, value ≤ 1000
const LIQUIDATE_LE: usize = 4; // trader: POOL.liquidate(_, arg1 ≤ 1000)
const BORROW_GE: usize = 5; // trader: any target but self, borrow(arg0 ≥ 1000)
const SEND_EQ: usize = 6; // trader: POOL.send(_, arg1 = RECIPIENT)
const ZERO_SELECTOR: usize = 7; // trader: PAYEE, selector 0x00000000, value ≤ 10^18

// The fixture's grants, by their index in the grant tree: (key, role).
const G_T0: usize = 0; // key 0, treasury
const G_T1: usize = 1; // key 1, treasury
const G_T2: usize = 2; // key 2, treasury
const G_D3: usize = 3; // key 3, trader
const G_D0: usize = 4; // key 0, trader: one key in two roles
const G_T1_AGAIN: usize = 5; // key 1, treasury again (another blind)
const G_Z3: usize = 6; // key 3, role 0 (the all-zero rule's role)

struct Fixture {
    keys: Vec<PrivateKey>,
    /// (key, roleId, blind) per grant.
    grants: Vec<(usize, Fr, Fr)>,
    grant_tree: LeanImt,
    rules: Vec<Rule>,
    policy: PolicyTree,
    intent: Fr,
}

fn fr(x: u128) -> Fr {
    Fr::from(x)
}

fn pow(n: usize) -> Fr {
    Fr::from(2u64).pow([n as u64])
}

fn selector(s: [u8; 4]) -> Fr {
    Fr::from(u32::from_be_bytes(s))
}

fn address(a: [u8; 20]) -> Fr {
    Fr::from_be_bytes_mod_order(&a)
}

/// A rule with no target, selector, value or condition: the fields the tests fill in.
fn rule(role_id: Fr, k: u64, flags: Flags, salt: u64) -> Rule {
    Rule {
        target: Fr::zero(),
        selector: Fr::zero(),
        max_value: Fr::zero(),
        arg_ref: Fr::zero(),
        delay: Fr::zero(),
        role_id,
        k: Fr::from(k),
        flags: flags.to_fr(),
        salt: Fr::from(salt),
    }
}

fn recipient() -> Fr {
    address([0xbe; 20])
}

fn fixture() -> &'static Fixture {
    static FIXTURE: OnceLock<Fixture> = OnceLock::new();
    FIXTURE.get_or_init(|| {
        let mut rng = ChaCha20Rng::seed_from_u64(171);
        let keys: Vec<PrivateKey> = (0..4).map(|_| PrivateKey::random(&mut rng)).collect();
        let (treasury, trader) = (Fr::from(rng.gen::<u128>()), Fr::from(rng.gen::<u128>()));
        let grants: Vec<(usize, Fr, Fr)> =
            [(0, treasury), (1, treasury), (2, treasury), (3, trader), (0, trader), (1, treasury), (3, Fr::zero())]
                .into_iter()
                .map(|(key, role)| (key, role, Fr::rand(&mut rng)))
                .collect();
        let grant_tree = LeanImt::from_leaves(
            grants.iter().map(|&(key, role, blind)| grant_leaf(commitment(&keys[key]), role, blind)),
        );
        let any = Flags { any_target: true, any_selector: true, ..Flags::default() };
        let on = |arg1, arg_op| Flags { arg1, arg_op, ..Flags::default() };
        let rules = vec![
            Rule { max_value: pow(128) - Fr::one(), delay: Fr::from(H48), ..rule(treasury, 2, any, 10) },
            Rule {
                target: address(MARGIN),
                selector: selector(DEPOSIT),
                arg_ref: fr(50_000_000_000),
                ..rule(trader, 1, on(false, ArgOp::Le), 11)
            },
            Rule {
                target: SELF,
                selector: selector(SET_AUTH_ROOT),
                delay: Fr::from(H48),
                ..rule(treasury, 3, Flags::default(), 12)
            },
            Rule {
                target: address(PAYEE),
                selector: NO_DATA,
                max_value: fr(1000),
                ..rule(trader, 1, Flags::default(), 13)
            },
            Rule {
                target: address(POOL),
                selector: selector(LIQUIDATE),
                arg_ref: fr(1000),
                ..rule(trader, 1, on(true, ArgOp::Le), 14)
            },
            Rule {
                selector: selector(BORROW),
                arg_ref: fr(1000),
                ..rule(trader, 1, Flags { any_target: true, ..on(false, ArgOp::Ge) }, 15)
            },
            Rule {
                target: address(POOL),
                selector: selector(SEND),
                arg_ref: recipient(),
                ..rule(trader, 1, on(true, ArgOp::Eq), 16)
            },
            Rule {
                target: address(PAYEE),
                selector: Fr::zero(),
                max_value: fr(1_000_000_000_000_000_000),
                ..rule(trader, 1, Flags::default(), 17)
            },
        ];
        let policy = PolicyTree::from_leaves(POLICY_DEPTH, rules.iter().map(Rule::leaf).collect()).unwrap();
        Fixture { keys, grants, grant_tree, rules, policy, intent: Fr::from(4242u64) }
    })
}

fn commitment(key: &PrivateKey) -> Fr {
    identity::commitment(&key.public_key())
}

fn word(x: Fr) -> Vec<u8> {
    x.into_bigint().to_bytes_be()
}

/// Calldata: a selector and static words.
fn calldata(sel: [u8; 4], words: &[Fr]) -> Vec<u8> {
    let mut data = sel.to_vec();
    for w in words {
        data.extend(word(*w));
    }
    data
}

fn facts(target: [u8; 20], value: u128, data: &[u8], lead: u64) -> CallFacts {
    CallFacts::new(target, ACCOUNT, value, data, lead).unwrap()
}

fn shape(k_max: usize) -> PolicyShape {
    PolicyShape { max_depth: DEPTH, k_max, policy_depth: POLICY_DEPTH }
}

impl Fixture {
    fn grant_root(&self) -> Fr {
        self.grant_tree.root().unwrap()
    }

    /// The holder of `grant`, signing the fixture's intent.
    fn signer(&self, grant: usize) -> GrantSigner {
        let (key, _, blind) = self.grants[grant];
        let key = &self.keys[key];
        GrantSigner {
            public_key: key.public_key(),
            signature: key.sign(self.intent),
            blind,
            proof: self.grant_tree.proof(grant).unwrap(),
        }
    }

    fn try_circuit(
        &self,
        k_max: usize,
        rule: usize,
        facts: &CallFacts,
        grants: &[usize],
    ) -> Result<PolicyCircuit, PolicyError> {
        let signers: Vec<_> = grants.iter().map(|&g| self.signer(g)).collect();
        let path = self.policy.path(rule).unwrap();
        PolicyCircuit::new(shape(k_max), &self.rules[rule], &path, self.grant_root(), self.intent, facts, &signers)
    }

    fn circuit(&self, k_max: usize, rule: usize, facts: &CallFacts, grants: &[usize]) -> PolicyCircuit {
        self.try_circuit(k_max, rule, facts, grants).unwrap()
    }

    /// An admitted call for each rule, with the grants that sign it.
    fn honest_call(&self, rule: usize) -> (CallFacts, Vec<usize>) {
        match rule {
            TREASURY_ANY => (facts(POOL, 5, &calldata(LIQUIDATE, &[fr(1), fr(2)]), H48), vec![G_T0, G_T2]),
            DEPOSIT_LE => (facts(MARGIN, 0, &calldata(DEPOSIT, &[fr(40_000_000_000)]), 0), vec![G_D3]),
            ADMIN => (facts(ACCOUNT, 0, &calldata(SET_AUTH_ROOT, &[fr(7)]), H48), vec![G_T0, G_T1, G_T2]),
            PAY => (facts(PAYEE, 1000, &[], 0), vec![G_D3]),
            LIQUIDATE_LE => (facts(POOL, 0, &calldata(LIQUIDATE, &[fr(5), fr(999)]), 0), vec![G_D3]),
            BORROW_GE => (facts(MARGIN, 0, &calldata(BORROW, &[fr(5000)]), 60), vec![G_D0]),
            SEND_EQ => (facts(POOL, 0, &calldata(SEND, &[fr(9), recipient()]), 0), vec![G_D3]),
            ZERO_SELECTOR => (facts(PAYEE, 1_000_000_000_000_000_000, &[0, 0, 0, 0], 0), vec![G_D3]),
            _ => unreachable!(),
        }
    }

    /// The honest circuit for `rule` with K_MAX = max(2, k).
    fn honest(&self, rule: usize) -> PolicyCircuit {
        let (facts, grants) = self.honest_call(rule);
        self.circuit(grants.len().max(2), rule, &facts, &grants)
    }

    /// The fixture's policy with `rule` put in slot `at`: (tree, path).
    fn policy_with(&self, at: usize, rule: &Rule) -> (PolicyTree, RulePath) {
        let mut leaves = self.policy.leaves().to_vec();
        leaves[at] = rule.leaf();
        let tree = PolicyTree::from_leaves(POLICY_DEPTH, leaves).unwrap();
        let path = tree.path(at).unwrap();
        (tree, path)
    }
}

/// `c` with the witness rule replaced by `rule`, committed in the account's policy at
/// slot `at` (so only the rule's own clauses stand in the way). The call's split follows
/// the facts when they have one.
fn with_committed_rule(mut c: PolicyCircuit, at: usize, rule: Rule) -> PolicyCircuit {
    let f = fixture();
    let (tree, path) = f.policy_with(at, &rule);
    c.auth_root = Some(auth_root(f.grant_root(), tree.root()));
    c.rule = Some(rule);
    c.rule_path = Some(path);
    c
}

/// Synthesizes the circuit in prove mode; whether every constraint holds.
fn satisfied(circuit: PolicyCircuit) -> bool {
    let cs = ConstraintSystem::<Fr>::new_ref();
    circuit.generate_constraints(cs.clone()).unwrap();
    cs.is_satisfied().unwrap()
}

#[track_caller]
fn assert_unsatisfied(circuit: PolicyCircuit, what: &str) {
    assert!(!satisfied(circuit), "{what}: the constraint system must be unsatisfied");
}

/// How many constraints the circuit's witness violates: 1 shows that a single guard is all
/// that stands between the tampered witness and a proof.
fn violations(circuit: PolicyCircuit) -> usize {
    let cs = ConstraintSystem::<Fr>::new_ref();
    circuit.generate_constraints(cs.clone()).unwrap();
    cs.finalize();
    let [a, b, c]: [_; 3] =
        cs.to_matrices().unwrap().remove(ark_relations::gr1cs::R1CS_PREDICATE_LABEL).unwrap().try_into().unwrap();
    let z: Vec<Fr> = cs.instance_assignment().unwrap().into_iter().chain(cs.witness_assignment().unwrap()).collect();
    let eval = |row: &[(Fr, usize)]| row.iter().map(|(coeff, i)| *coeff * z[*i]).sum::<Fr>();
    (0..a.len()).filter(|&i| eval(&a[i]) * eval(&b[i]) != eval(&c[i])).count()
}

fn facts_of(c: &mut PolicyCircuit) -> &mut CallFacts {
    c.facts.as_mut().unwrap()
}

fn slots(c: &mut PolicyCircuit) -> &mut Vec<GrantSlot> {
    c.slots.as_mut().unwrap()
}

/// Sets the public call and its split to `call` (a canonical split).
fn set_call(c: &mut PolicyCircuit, call: Call) {
    facts_of(c).call = call.pack();
    c.call_parts = Some(call);
}

// --- Completeness ---------------------------------------------------------------------

#[test]
fn every_rule_admits_its_call() {
    let f = fixture();
    for r in 0..f.rules.len() {
        let (facts, _) = f.honest_call(r);
        assert_eq!(f.rules[r].check(&facts), Ok(()), "rule {r}");
        let c = f.honest(r);
        let inputs = c.public_inputs().unwrap();
        let policy_root = f.policy.root();
        assert_eq!(
            inputs,
            [auth_root(f.grant_root(), policy_root), f.intent, facts.call, facts.value, facts.args[0], facts.args[1]]
        );
        assert_eq!(inputs[AUTH_ROOT], c.auth_root.unwrap());
        assert!(satisfied(c), "rule {r}");
    }
}

#[test]
fn signers_beyond_k_are_left_out_and_the_rest_sorted() {
    let f = fixture();
    let (facts, _) = f.honest_call(TREASURY_ANY);
    let c = f.circuit(3, TREASURY_ANY, &facts, &[G_T2, G_T1, G_T0]);
    let s = c.slots.as_ref().unwrap();
    assert!(s[0].signer.enabled && s[1].signer.enabled && !s[2].signer.enabled);
    assert_eq!(s[2], GrantSlot::dummy(DEPTH));
    let ids: Vec<_> = s[..2].iter().map(|s| identity::commitment(&s.signer.public_key()).into_bigint()).collect();
    assert!(ids[0] < ids[1]);
    assert!(satisfied(c));
}

#[test]
fn a_key_in_two_roles_signs_under_either() {
    let f = fixture();
    let (facts, _) = f.honest_call(BORROW_GE);
    assert!(satisfied(f.circuit(1, BORROW_GE, &facts, &[G_D0])), "key 0 as a trader");
    let (facts, _) = f.honest_call(TREASURY_ANY);
    assert!(satisfied(f.circuit(2, TREASURY_ANY, &facts, &[G_T0, G_T1])), "key 0 in the treasury");
}

#[test]
fn garbage_in_a_disabled_slot_changes_nothing() {
    let f = fixture();
    let mut c = f.honest(DEPOSIT_LE);
    let stranger = PrivateKey::from_bytes(b"stranger");
    let other = LeanImt::from_leaves((1..=5u64).map(Fr::from));
    slots(&mut c)[1] = GrantSlot {
        signer: SlotWitness {
            enabled: false,
            key_eighth: eighth(&stranger.public_key()),
            signature: f.keys[2].sign(Fr::from(7u64)),
            path: (&MerklePath::pad(&other.proof(3).unwrap(), DEPTH).unwrap()).into(),
        },
        blind: Fr::from(99u64),
    };
    assert!(satisfied(c));
}

#[test]
fn debug_prints_no_witness() {
    let f = fixture();
    let c = f.honest(DEPOSIT_LE);
    let shown = format!("{c:?}");
    assert!(shown.contains("shape"));
    let rule = &f.rules[DEPOSIT_LE];
    for secret in [rule.role_id, f.grants[G_D3].2, f.keys[3].public_key().x] {
        assert!(!shown.contains(&secret.to_string()));
    }
    assert_eq!(format!("{rule:?}"), "Rule { .. }");
    assert_eq!(format!("{:?}", c.slots.as_ref().unwrap()[0]), "GrantSlot { .. }");
    assert_eq!(format!("{:?}", f.signer(G_D3)), "GrantSigner { .. }");
    assert_eq!(format!("{:?}", f.policy.path(3).unwrap()), "RulePath { depth: 3, .. }");
}

// --- Constructor ----------------------------------------------------------------------

#[test]
fn constructor_refuses_what_the_circuit_would_reject() {
    let f = fixture();
    let (facts, _) = f.honest_call(TREASURY_ANY);
    let refused = |rule, facts: &CallFacts, grants: &[usize]| f.try_circuit(3, rule, facts, grants).unwrap_err();
    // a call the rule does not admit
    let to_self = self::facts(ACCOUNT, 0, &calldata(SET_AUTH_ROOT, &[fr(1)]), H48);
    assert_eq!(refused(TREASURY_ANY, &to_self, &[G_T0, G_T1]), PolicyError::Rule(RuleViolation::SelfTarget));
    // fewer signers than k
    assert_eq!(refused(TREASURY_ANY, &facts, &[G_T0]), PolicyError::TooFewSigners { k: 2, signers: 1 });
    // the same key through two grants
    assert_eq!(
        refused(TREASURY_ANY, &facts, &[G_T1, G_T0, G_T1_AGAIN]),
        PolicyError::Signers(ThresholdError::DuplicateSigner { first: 0, second: 2 })
    );
    // a grant of another role
    assert_eq!(
        refused(TREASURY_ANY, &facts, &[G_T0, G_D3]),
        PolicyError::Signers(ThresholdError::Signer { index: 1, source: CircuitError::ProofDoesNotMatchRoot })
    );
    // a signature on another intent
    let mut s = f.signer(G_T1);
    s.signature = f.keys[1].sign(f.intent + Fr::one());
    let path = f.policy.path(TREASURY_ANY).unwrap();
    let new = |rule: &Rule, path: &RulePath, signers: &[GrantSigner]| {
        PolicyCircuit::new(shape(3), rule, path, f.grant_root(), f.intent, &facts, signers)
    };
    assert_eq!(
        new(&f.rules[TREASURY_ANY], &path, &[f.signer(G_T0), s]).unwrap_err(),
        PolicyError::Signers(ThresholdError::InvalidSignature { index: 1 })
    );
    // k outside 1..=K_MAX
    let zero_k = Rule { k: Fr::zero(), ..f.rules[TREASURY_ANY].clone() };
    assert_eq!(
        new(&zero_k, &path, &[f.signer(G_T0)]).unwrap_err(),
        PolicyError::UnsupportedK { k: "0".into(), k_max: 3 }
    );
    let four = Rule { k: Fr::from(4u64), ..f.rules[TREASURY_ANY].clone() };
    assert_eq!(
        new(&four, &path, &[f.signer(G_T0)]).unwrap_err(),
        PolicyError::UnsupportedK { k: "4".into(), k_max: 3 }
    );
    // a rule path of another depth, or with an index too large
    let short = RulePath { index: 0, siblings: path.siblings[..2].to_vec() };
    assert!(matches!(new(&f.rules[TREASURY_ANY], &short, &[]).unwrap_err(), PolicyError::RulePathShape { .. }));
    let wide = RulePath { index: 8, ..path.clone() };
    assert!(matches!(new(&f.rules[TREASURY_ANY], &wide, &[]).unwrap_err(), PolicyError::RulePathShape { .. }));
}

#[test]
fn unsupported_shapes_are_refused() {
    let blank = |max_depth, k_max, policy_depth| PolicyCircuit::blank(PolicyShape { max_depth, k_max, policy_depth });
    assert_eq!(
        blank(0, 2, 3).unwrap_err(),
        PolicyError::Signers(ThresholdError::Circuit(CircuitError::UnsupportedDepth(0)))
    );
    assert_eq!(blank(4, 0, 3).unwrap_err(), PolicyError::Signers(ThresholdError::UnsupportedKMax(0)));
    assert_eq!(blank(4, 2, 0).unwrap_err(), PolicyError::UnsupportedPolicyDepth(0));
    assert_eq!(
        blank(4, 2, MAX_POLICY_DEPTH + 1).unwrap_err(),
        PolicyError::UnsupportedPolicyDepth(MAX_POLICY_DEPTH + 1)
    );
    assert!(blank(32, threshold::MAX_SLOTS, MAX_POLICY_DEPTH).is_ok());
    assert_eq!(PolicyShape::default(), PolicyShape { max_depth: 20, k_max: 8, policy_depth: 6 });
    // trees
    let mut rng = ChaCha20Rng::seed_from_u64(1);
    assert_eq!(
        PolicyTree::padded(2, &[Fr::one(); 5], &mut rng).unwrap_err(),
        PolicyError::WrongNumberOfLeaves { leaves: 5, depth: 2 }
    );
    assert_eq!(
        PolicyTree::from_leaves(2, vec![Fr::one(); 3]).unwrap_err(),
        PolicyError::WrongNumberOfLeaves { leaves: 3, depth: 2 }
    );
    let padded = PolicyTree::padded(2, &[Fr::one()], &mut rng).unwrap();
    assert_eq!(padded.leaves()[0], Fr::one());
    assert!(padded.leaves()[1..].iter().all(|l| !l.is_zero() && *l != Fr::one()), "random padding");
    assert!(padded.path(4).is_err());
}

#[test]
fn malformed_witnesses_are_refused_without_panicking() {
    let f = fixture();
    let refused = |c: PolicyCircuit| {
        assert_eq!(c.generate_constraints(ConstraintSystem::new_ref()), Err(SynthesisError::Unsatisfiable));
    };
    let mut c = f.honest(TREASURY_ANY);
    slots(&mut c).pop();
    refused(c);
    // slot 0 is enabled by construction (k ≥ 1): no proof with no signer
    let mut c = f.honest(DEPOSIT_LE);
    slots(&mut c)[0].signer.enabled = false;
    refused(c);
    let mut c = f.honest(DEPOSIT_LE);
    c.rule_path.as_mut().unwrap().siblings.pop();
    refused(c);
    let mut c = f.honest(DEPOSIT_LE);
    slots(&mut c)[0].signer.path.siblings.pop();
    refused(c);
}

// --- Native twins ---------------------------------------------------------------------

#[test]
fn constants_and_flags_are_what_they_say() {
    assert_eq!(SELF, pow(160));
    assert_eq!(NO_DATA, pow(32));
    assert_eq!(CLAMP, pow(253) - Fr::one());
    assert!(pow(TARGET_BITS + SELECTOR_BITS + LEAD_BITS).into_bigint() < Fr::MODULUS, "call < 2^234 < r");
    for bits in 0..32u64 {
        let flags = Flags::from_fr(Fr::from(bits)).unwrap();
        assert_eq!(flags.bits(), bits);
        assert_eq!(flags.to_fr(), Fr::from(bits));
    }
    assert_eq!(Flags::from_fr(Fr::from(32u64)), None);
    assert_eq!(Flags::from_fr(-Fr::one()), None);
    let f = Flags { any_target: true, any_selector: false, arg1: true, arg_op: ArgOp::Ge };
    assert_eq!(f.bits(), ANY_TARGET | ARG_INDEX | 3 << ARG_OP_SHIFT);
}

#[test]
fn call_facts_follow_the_account_derivation() {
    // selector: NO_DATA for no data, refused for 1–3 bytes, 0 is a selector
    assert_eq!(selector_of(&[]), Some(NO_DATA));
    for n in 1..=3 {
        assert_eq!(selector_of(&[0xff; 3][..n]), None);
        assert_eq!(CallFacts::new(POOL, ACCOUNT, 0, &[0xff; 3][..n], 0), None);
    }
    assert_eq!(selector_of(&[0, 0, 0, 0]), Some(Fr::zero()));
    assert_eq!(selector_of(&[0xff, 0xff, 0xff, 0xff, 7]), Some(Fr::from(u32::MAX)));
    // target: SELF for the account
    assert_eq!(target_of(ACCOUNT, ACCOUNT), SELF);
    assert_eq!(target_of([0xff; 20], ACCOUNT), pow(160) - Fr::one());
    // arguments: absent, too large and CLAMP itself all read as CLAMP
    let data = calldata(LIQUIDATE, &[fr(5)]);
    assert_eq!((arg_of(&data, 0), arg_of(&data, 1)), (fr(5), CLAMP));
    assert_eq!(arg_of(&[], 0), CLAMP);
    let mut long = calldata(LIQUIDATE, &[fr(5)]);
    long.extend([0xff; 31]); // 31 bytes of the second word
    assert_eq!(arg_of(&long, 1), CLAMP);
    let max = [LIQUIDATE.to_vec(), vec![0xff; 32]].concat();
    assert_eq!(arg_of(&max, 0), CLAMP, "type(uint256).max");
    assert_eq!(arg_of(&calldata(LIQUIDATE, &[CLAMP]), 0), CLAMP);
    assert_eq!(arg_of(&calldata(LIQUIDATE, &[CLAMP - Fr::one()]), 0), CLAMP - Fr::one());
    // lead: 40 bits
    assert!(CallFacts::new(POOL, ACCOUNT, 0, &[], (1 << 40) - 1).is_some());
    assert_eq!(CallFacts::new(POOL, ACCOUNT, 0, &[], 1 << 40), None);
    let facts = CallFacts::new(ACCOUNT, ACCOUNT, 3, &data, 9).unwrap();
    assert_eq!(Call::unpack(facts.call), Some(Call { target: SELF, selector: selector(LIQUIDATE), lead: fr(9) }));
    assert_eq!(facts.value, fr(3));
}

/// Random parts for `call`, each in its range.
fn random_call(rng: &mut ChaCha20Rng) -> Call {
    let below = |rng: &mut ChaCha20Rng, n: usize| {
        let x = Fr::rand(rng).into_bigint().to_bits_le();
        Fr::from_bigint(<Fr as PrimeField>::BigInt::from_bits_le(&x[..n])).unwrap()
    };
    Call { target: below(rng, TARGET_BITS), selector: below(rng, SELECTOR_BITS), lead: below(rng, LEAD_BITS) }
}

/// The split a prover would try for a call with no canonical one: the low 161 and 33 bits,
/// and everything above in `lead`.
fn wide_split(call: Fr) -> Call {
    let bits = call.into_bigint().to_bits_le();
    let part = |from: usize, n: usize| {
        Fr::from_bigint(<Fr as PrimeField>::BigInt::from_bits_le(&bits[from..from + n])).unwrap()
    };
    let (target, selector) = (part(0, 161), part(161, 33));
    let lead = (call - target - pow(161) * selector) * pow(194).inverse().unwrap();
    Call { target, selector, lead }
}

/// The call gadget on `call` with the witness split `parts`: (satisfied, tgt, sel, lead).
fn unpack_in_circuit(call: Fr, parts: Call) -> (bool, [Fr; 3]) {
    let cs = ConstraintSystem::<Fr>::new_ref();
    let call = FpVar::new_input(cs.clone(), || Ok(call)).unwrap();
    let v = CallVar::unpack(cs.clone(), &call, Some(parts)).unwrap();
    (cs.is_satisfied().unwrap(), [v.target.value().unwrap(), v.selector.value().unwrap(), v.lead.value().unwrap()])
}

#[test]
fn call_gadget_matches_native_on_random_calls() {
    let mut rng = ChaCha20Rng::seed_from_u64(172);
    for _ in 0..40 {
        let parts = random_call(&mut rng);
        let call = parts.pack();
        assert_eq!(Call::unpack(call), Some(parts));
        assert_eq!(unpack_in_circuit(call, parts), (true, [parts.target, parts.selector, parts.lead]));
        // a call of 234 bits or more has no split, natively or in-circuit
        let wide = call + pow(234 + rng.gen_range(0..19));
        assert_eq!(Call::unpack(wide), None);
        assert_eq!(wide_split(wide).pack(), wide);
        assert!(!unpack_in_circuit(wide, wide_split(wide)).0, "lead ≥ 2^40");
    }
    assert_eq!(Call::unpack(pow(234) - Fr::one()).unwrap().lead, pow(40) - Fr::one());
    assert_eq!(Call::unpack(-Fr::one()), None);
}

/// Random rules and calls: each clause fails now and then, and out-of-range and
/// field-wrapping values (−1, 2^128, CLAMP, random elements) are frequent.
fn random_case(rng: &mut ChaCha20Rng) -> (Rule, CallFacts, Call) {
    let edges = [-Fr::one(), pow(128), CLAMP, pow(128) - Fr::one(), Fr::zero()];
    let amount = |rng: &mut ChaCha20Rng, lo: u64, hi: u64| {
        if !rng.gen_ratio(1, 3) {
            Fr::from(rng.gen_range(lo..hi))
        } else if rng.gen_ratio(1, 6) {
            Fr::rand(rng)
        } else {
            edges[rng.gen_range(0..edges.len())]
        }
    };
    let flags = Fr::from(if rng.gen_ratio(1, 12) { rng.gen_range(32u64..40) } else { rng.gen_range(0u64..32) });
    let mut call = random_call(rng);
    if rng.gen_ratio(1, 6) {
        call.target = SELF;
    }
    if rng.gen_ratio(1, 8) {
        call.selector = NO_DATA;
    }
    call.lead = Fr::from(rng.gen_range(0u64..100));
    let rule = Rule {
        target: if rng.gen_ratio(3, 4) { call.target } else { random_call(rng).target },
        selector: if rng.gen_ratio(3, 4) { call.selector } else { Fr::from(rng.gen_range(0u64..3)) },
        max_value: amount(rng, 1000, 2000),
        arg_ref: amount(rng, 0, 2000),
        // out of range, yet its low 40 bits are the lead
        delay: if rng.gen_ratio(1, 12) { pow(40) + call.lead } else { Fr::from(rng.gen_range(0u64..60)) },
        role_id: Fr::rand(rng),
        k: Fr::from(rng.gen_range(1u64..4)),
        flags,
        salt: Fr::rand(rng),
    };
    let mut args = [amount(rng, 0, 2000), amount(rng, 0, 2000)];
    if rng.gen_ratio(1, 4) {
        args[rng.gen_range(0..2)] = rule.arg_ref;
    }
    let value = amount(rng, 0, 1200);
    let mut facts = CallFacts { call: call.pack(), value, args };
    if rng.gen_ratio(1, 16) {
        facts.call += pow(234);
    }
    let parts = Call::unpack(facts.call).unwrap_or_else(|| wide_split(facts.call));
    (rule, facts, parts)
}

/// The rule gadgets on one case: whether the constraints hold and the leaf is the rule's.
fn admits_in_circuit(rule: &Rule, facts: &CallFacts, parts: Call) -> bool {
    let cs = ConstraintSystem::<Fr>::new_ref();
    let input = |v: Fr| FpVar::new_input(cs.clone(), || Ok(v)).unwrap();
    let (call, value, args) = (input(facts.call), input(facts.value), [input(facts.args[0]), input(facts.args[1])]);
    let r = RuleVar::new_witness(cs.clone(), Some(rule)).unwrap();
    let c = CallVar::unpack(cs.clone(), &call, Some(parts)).unwrap();
    constraints::enforce_admits(cs.clone(), &r, &c, &value, &args).unwrap();
    let k = FpVar::new_witness(cs.clone(), || Ok(rule.k)).unwrap();
    let leaf = r.leaf(cs.clone(), &k).unwrap().value().unwrap();
    cs.is_satisfied().unwrap() && leaf == rule.leaf()
}

#[test]
fn rule_check_gadget_matches_native_on_random_inputs() {
    let mut rng = ChaCha20Rng::seed_from_u64(173);
    let mut outcomes = std::collections::HashMap::new();
    for i in 0..500 {
        let (rule, facts, parts) = random_case(&mut rng);
        let native = rule.check(&facts);
        assert_eq!(admits_in_circuit(&rule, &facts, parts), native.is_ok(), "case {i}: native says {native:?}");
        *outcomes.entry(native).or_insert(0) += 1;
    }
    // every clause was exercised, admitting and refusing
    use RuleViolation::*;
    for outcome in [
        Ok(()),
        Err(CallOutOfRange),
        Err(ReservedFlags),
        Err(MaxValueOutOfRange),
        Err(DelayOutOfRange),
        Err(Target),
        Err(SelfTarget),
        Err(Selector),
        Err(ValueOutOfRange),
        Err(ValueAboveMax),
        Err(ArgClamped),
        Err(ArgNotEqual),
        Err(ArgOutOfRange),
        Err(ArgRefOutOfRange),
        Err(ArgAboveRef),
        Err(ArgBelowRef),
        Err(LeadBelowDelay),
    ] {
        assert!(outcomes.get(&outcome).copied().unwrap_or(0) >= 2, "{outcome:?}: {outcomes:?}");
    }
}

#[test]
fn rule_leaf_gadget_matches_native() {
    let mut rng = ChaCha20Rng::seed_from_u64(174);
    let leaf_in_circuit = |rule: &Rule| {
        let cs = ConstraintSystem::<Fr>::new_ref();
        let r = RuleVar::new_witness(cs.clone(), Some(rule)).unwrap();
        let k = FpVar::new_witness(cs.clone(), || Ok(rule.k)).unwrap();
        let leaf = r.leaf(cs.clone(), &k).unwrap().value().unwrap();
        assert!(cs.is_satisfied().unwrap());
        leaf
    };
    for _ in 0..10 {
        let (mut rule, ..) = random_case(&mut rng);
        rule.max_value = Fr::from(rng.gen::<u128>());
        rule.delay = Fr::from(rng.gen_range(0u64..1 << 40));
        rule.flags = Fr::from(rng.gen_range(0u64..32));
        assert_eq!(leaf_in_circuit(&rule), rule.leaf());
        // a field out of its range is read as its low bits: another leaf
        for bad in [
            Rule { max_value: rule.max_value + pow(128), ..rule.clone() },
            Rule { delay: rule.delay + pow(40), ..rule.clone() },
            Rule { flags: rule.flags + pow(5), ..rule.clone() },
        ] {
            assert_ne!(leaf_in_circuit(&bad), bad.leaf());
        }
    }
}

#[test]
fn tree_gadgets_match_native() {
    let mut rng = ChaCha20Rng::seed_from_u64(175);
    for depth in [1, 2, 5] {
        let tree = PolicyTree::padded(depth, &[Fr::rand(&mut rng), Fr::rand(&mut rng)], &mut rng).unwrap();
        for _ in 0..3 {
            let index = rng.gen_range(0..1 << depth);
            let path = tree.path(index).unwrap();
            let leaf = tree.leaves()[index];
            assert_eq!(path.root(leaf), tree.root());
            let cs = ConstraintSystem::<Fr>::new_ref();
            let l = FpVar::new_witness(cs.clone(), || Ok(leaf)).unwrap();
            let p = RulePathVar::new(cs.clone(), Some(&path), depth).unwrap();
            let before = cs.num_constraints();
            assert_eq!(p.root(cs.clone(), &l).unwrap().value().unwrap(), tree.root());
            assert_eq!(cs.num_constraints() - before + depth, POLICY_LEVEL_CONSTRAINTS * depth);
            assert!(cs.is_satisfied().unwrap());
        }
    }
    // grant and auth root: the Poseidon gadget on the same inputs
    let [a, b, c] = [Fr::rand(&mut rng), Fr::rand(&mut rng), Fr::rand(&mut rng)];
    let cs = ConstraintSystem::<Fr>::new_ref();
    let v: Vec<_> = [a, b, c].iter().map(|x| FpVar::new_witness(cs.clone(), || Ok(*x)).unwrap()).collect();
    assert_eq!(PoseidonGadget::hash(cs.clone(), &v).unwrap().value().unwrap(), grant_leaf(a, b, c));
    assert_eq!(PoseidonGadget::hash2(cs.clone(), &v[0], &v[1]).unwrap().value().unwrap(), auth_root(a, b));
}

// --- Pitfalls (POLICY.md §4) ------------------------------------------------------------

#[test]
fn a_value_wrapping_the_field_is_rejected() {
    // PAY admits value ≤ 1000. −1, 2^128 and CLAMP, each with a witness built for it.
    let f = fixture();
    let honest = f.honest(PAY);
    assert_eq!(facts_of(&mut honest.clone()).value, fr(1000));
    for (value, guards) in [(-Fr::one(), 1), (pow(128), 2), (CLAMP, 2), (fr(1001), 1)] {
        let mut c = honest.clone();
        facts_of(&mut c).value = value;
        let native = f.rules[PAY].check(c.facts.as_ref().unwrap()).unwrap_err();
        assert!(matches!(native, RuleViolation::ValueOutOfRange | RuleViolation::ValueAboveMax));
        // −1 passes "1000 − value < 2^128": only the value's own range stops it
        assert_eq!(violations(c), guards, "value {value}");
    }
    // a committed maxValue out of range cannot be opened, even for a small value
    for max_value in [-Fr::one(), pow(128)] {
        let bad = Rule { max_value, ..f.rules[PAY].clone() };
        assert_eq!(bad.check(honest.facts.as_ref().unwrap()), Err(RuleViolation::MaxValueOutOfRange));
        assert_unsatisfied(with_committed_rule(honest.clone(), 7, bad), "maxValue out of range");
    }
}

#[test]
fn an_argument_wrapping_the_field_is_rejected() {
    // LIQUIDATE_LE admits arg1 ≤ 1000; BORROW_GE admits arg0 ≥ 1000.
    let f = fixture();
    let le = f.honest(LIQUIDATE_LE);
    for (arg, guards) in [(-Fr::one(), 1), (pow(128), 2), (CLAMP, 2), (fr(1001), 1)] {
        let mut c = le.clone();
        facts_of(&mut c).args[1] = arg;
        assert!(f.rules[LIQUIDATE_LE].check(c.facts.as_ref().unwrap()).is_err());
        // −1 passes "1000 − arg < 2^128": only the argument's own range stops it
        assert_eq!(violations(c), guards, "LE, arg {arg}");
    }
    let ge = f.honest(BORROW_GE);
    for arg in [-Fr::one(), pow(128), CLAMP, fr(999)] {
        let mut c = ge.clone();
        facts_of(&mut c).args[0] = arg;
        assert!(f.rules[BORROW_GE].check(c.facts.as_ref().unwrap()).is_err());
        assert_unsatisfied(c, &format!("GE, arg {arg}"));
    }
    // the unconditioned word is free
    let mut c = le.clone();
    facts_of(&mut c).args[0] = -Fr::one();
    assert!(satisfied(c));
    // a committed constant out of range cannot serve LE or GE: GE with argRef = −1 would
    // otherwise admit every argument
    let bad = Rule { arg_ref: -Fr::one(), ..f.rules[BORROW_GE].clone() };
    let mut c = with_committed_rule(ge.clone(), 7, bad.clone());
    facts_of(&mut c).args[0] = fr(3);
    assert_eq!(bad.check(c.facts.as_ref().unwrap()), Err(RuleViolation::ArgRefOutOfRange));
    assert_eq!(violations(c), 1, "GE against −1");
}

#[test]
fn clamp_never_passes_a_condition() {
    // An absent word, or a uint256 max "withdraw all" sentinel, reads as CLAMP.
    let f = fixture();
    let honest = f.honest(SEND_EQ);
    // EQ against a committed CLAMP: the one guard arg ≠ CLAMP
    let eq_clamp = Rule { arg_ref: CLAMP, ..f.rules[SEND_EQ].clone() };
    let absent = facts(POOL, 0, &calldata(SEND, &[fr(9)]), 0);
    assert_eq!(absent.args[1], CLAMP);
    assert_eq!(eq_clamp.check(&absent), Err(RuleViolation::ArgClamped));
    let mut c = with_committed_rule(honest.clone(), 7, eq_clamp);
    *facts_of(&mut c) = absent;
    assert_eq!(violations(c), 1, "EQ CLAMP");
    // LE and GE
    let sentinel = [LIQUIDATE.to_vec(), word(fr(5)), vec![0xff; 32]].concat();
    let mut c = f.honest(LIQUIDATE_LE);
    *facts_of(&mut c) = facts(POOL, 0, &sentinel, 0);
    assert_eq!(f.rules[LIQUIDATE_LE].check(c.facts.as_ref().unwrap()), Err(RuleViolation::ArgClamped));
    assert_unsatisfied(c, "LE uint256 max");
    let mut c = f.honest(BORROW_GE);
    *facts_of(&mut c) = facts(MARGIN, 0, &calldata(BORROW, &[]), 60);
    assert_unsatisfied(c, "GE absent");
}

#[test]
fn another_split_of_the_call_is_rejected() {
    let f = fixture();
    // BORROW_GE (any target but self, selector BORROW) on a call with selector BORROW + 1:
    // the split (tgt + 2^161, sel − 1) would meet both clauses.
    let mut c = f.honest(BORROW_GE);
    let borrow_plus_one = Call { target: address(MARGIN), selector: selector(BORROW) + Fr::one(), lead: fr(60) };
    set_call(&mut c, borrow_plus_one);
    assert_unsatisfied(c.clone(), "selector + 1, canonical split");
    let split = Call { target: address(MARGIN) + pow(161), selector: selector(BORROW), ..borrow_plus_one };
    assert_eq!(split.pack(), borrow_plus_one.pack());
    c.call_parts = Some(split);
    assert_eq!(violations(c), 1, "(tgt + 2^161, sel − 1)");
    // TREASURY_ANY on a call to the account: (SELF + 2^161, sel − 1) would avoid SELF
    let mut c = f.honest(TREASURY_ANY);
    let to_self = Call { target: SELF, selector: selector(SET_AUTH_ROOT), lead: Fr::from(H48) };
    set_call(&mut c, to_self);
    assert_unsatisfied(c.clone(), "to SELF");
    c.call_parts = Some(Call { target: SELF + pow(161), selector: to_self.selector - Fr::one(), ..to_self });
    assert_unsatisfied(c, "(SELF + 2^161, sel − 1)");
    // a 48 h rule with a public lead of 0: the split (sel − 2^33·48h, lead + 48h) would
    // claim the delay
    let mut c = f.honest(TREASURY_ANY);
    let no_lead = Call { lead: Fr::zero(), ..c.call_parts.unwrap() };
    set_call(&mut c, no_lead);
    assert_unsatisfied(c.clone(), "lead 0");
    c.call_parts = Some(Call { selector: no_lead.selector - pow(33) * Fr::from(H48), lead: Fr::from(H48), ..no_lead });
    assert_eq!(c.call_parts.unwrap().pack(), no_lead.pack());
    assert_eq!(violations(c), 1, "(sel − 2^33·48h, lead + 48h)");
}

#[test]
fn no_data_does_not_match_a_zero_selector() {
    // ZERO_SELECTOR admits PAYEE with selector 0x00000000; plain ether to PAYEE has none.
    let f = fixture();
    let honest = f.honest(ZERO_SELECTOR);
    assert!(satisfied(honest.clone()));
    let plain = facts(PAYEE, 1_000_000_000_000_000_000, &[], 0);
    assert_eq!(f.rules[ZERO_SELECTOR].check(&plain), Err(RuleViolation::Selector));
    let mut c = honest;
    set_call(&mut c, Call::unpack(plain.call).unwrap());
    assert_eq!(violations(c), 1, "NO_DATA against 0x00000000");
}

#[test]
fn fields_of_two_rules_cannot_be_mixed() {
    // A trader rule with the treasury rule's unlimited maxValue (or its role, or no delay).
    let f = fixture();
    let (trader, treasury) = (&f.rules[PAY], &f.rules[TREASURY_ANY]);
    let mut c = f.honest(PAY);
    facts_of(&mut c).value = fr(1_000_000);
    c.rule = Some(Rule { max_value: treasury.max_value, ..trader.clone() });
    assert_eq!(violations(c), 1, "trader's rule, treasury's maxValue");
    // the treasury rule with the trader's role and k: the trader alone
    let mut c = f.honest(PAY);
    let treasury_call = f.honest_call(TREASURY_ANY).0;
    *facts_of(&mut c) = treasury_call;
    c.call_parts = Call::unpack(treasury_call.call);
    c.rule = Some(Rule { role_id: trader.role_id, k: trader.k, ..treasury.clone() });
    c.rule_path = Some(f.policy.path(TREASURY_ANY).unwrap());
    assert_eq!(violations(c), 1, "treasury's rule, trader's role and k");
}

#[test]
fn an_all_zero_rule_cannot_be_opened() {
    // Suppose a zero rule (k = 0, role 0, no target, selector 0, no value) were committed,
    // and someone even held a grant of role 0 (G_Z3): a call to address 0 with selector 0.
    let f = fixture();
    let zero = rule(Fr::zero(), 0, Flags::default(), 0);
    let (tree, path) = f.policy_with(7, &zero);
    let call = facts([0; 20], 0, &[0, 0, 0, 0], 0);
    assert_eq!(zero.check(&call), Ok(()), "the call clauses admit it");
    let signer = f.signer(G_Z3);
    assert_eq!(
        PolicyCircuit::new(shape(2), &zero, &path, f.grant_root(), f.intent, &call, std::slice::from_ref(&signer))
            .unwrap_err(),
        PolicyError::UnsupportedK { k: "0".into(), k_max: 2 }
    );
    // with one signer, k = Σ e_i = 1 ≠ 0
    let one = Rule { k: Fr::one(), ..zero.clone() };
    let mut c = PolicyCircuit::new(shape(2), &one, &path, f.grant_root(), f.intent, &call, &[signer]).unwrap();
    c.auth_root = Some(auth_root(f.grant_root(), tree.root()));
    c.rule = Some(zero);
    assert_eq!(violations(c.clone()), 1, "zero rule, one signer");
    // with none: slot 0 cannot be disabled, and enabling the dummy proves nothing
    let mut none = c.clone();
    slots(&mut none)[0] = GrantSlot::dummy(DEPTH);
    assert_eq!(none.generate_constraints(ConstraintSystem::new_ref()), Err(SynthesisError::Unsatisfiable));
    let mut dummy = c;
    slots(&mut dummy)[0] =
        GrantSlot { signer: SlotWitness { enabled: true, ..SlotWitness::dummy(DEPTH) }, blind: Fr::zero() };
    assert_unsatisfied(dummy, "the dummy enabled");
}

#[test]
fn the_same_key_through_two_grants_counts_once() {
    // Key 1 holds two treasury grants (G_T1, G_T1_AGAIN); TREASURY_ANY needs k = 2.
    let f = fixture();
    let honest = f.honest(TREASURY_ANY);
    let mut c = honest.clone();
    let (key, _, blind) = f.grants[G_T1];
    let (_, _, blind_again) = f.grants[G_T1_AGAIN];
    let a = f.keys[key].public_key();
    let sig = f.keys[key].sign(f.intent);
    let path = |g: usize| MerklePath::pad(&f.grant_tree.proof(g).unwrap(), DEPTH).unwrap();
    slots(&mut c)[0] = GrantSlot { signer: SlotWitness::enabled(&a, sig, &path(G_T1)), blind };
    slots(&mut c)[1] = GrantSlot { signer: SlotWitness::enabled(&a, sig, &path(G_T1_AGAIN)), blind: blind_again };
    assert_eq!(violations(c), 1, "one key, two grants, k = 2");
    // one key in two roles (G_T0 treasury, G_D0 trader) does not make two treasury signers
    let mut c = honest;
    let (key, _, blind) = f.grants[G_D0];
    let a = f.keys[key].public_key();
    slots(&mut c)[1] = GrantSlot { signer: SlotWitness::enabled(&a, f.keys[key].sign(f.intent), &path(G_D0)), blind };
    assert_unsatisfied(c, "key 0 as treasurer and as trader");
}

#[test]
fn any_target_never_reaches_the_account() {
    // TREASURY_ANY on setAuthRoot: only ADMIN (SELF named, 3-of) reaches the account.
    let f = fixture();
    let to_self = facts(ACCOUNT, 0, &calldata(SET_AUTH_ROOT, &[fr(7)]), H48);
    assert_eq!(f.rules[TREASURY_ANY].check(&to_self), Err(RuleViolation::SelfTarget));
    let mut c = f.honest(TREASURY_ANY);
    *facts_of(&mut c) = to_self;
    c.call_parts = Call::unpack(to_self.call);
    assert_eq!(violations(c.clone()), 1, "ANY_TARGET on SELF");
    // even when the ANY_TARGET rule's own target field holds SELF
    let odd = Rule { target: SELF, ..f.rules[TREASURY_ANY].clone() };
    assert_eq!(odd.check(&to_self), Err(RuleViolation::SelfTarget));
    assert_eq!(violations(with_committed_rule(c, 7, odd)), 1, "ANY_TARGET with R.tgt = SELF");
    // ADMIN needs its three signers
    assert!(satisfied(f.honest(ADMIN)));
}

#[test]
fn rules_with_fields_out_of_range_cannot_be_opened() {
    let f = fixture();
    let honest = f.honest(DEPOSIT_LE);
    let base = f.rules[DEPOSIT_LE].clone();
    for (what, bad) in [
        ("a reserved flag bit", Rule { flags: base.flags + pow(5), ..base.clone() }),
        ("a flag above the field's 5 bits", Rule { flags: base.flags + pow(200), ..base.clone() }),
        ("delay ≥ 2^40", Rule { delay: -Fr::one(), ..base.clone() }),
        ("k > K_MAX", Rule { k: Fr::from(3u64), ..base.clone() }),
    ] {
        assert_unsatisfied(with_committed_rule(honest.clone(), 7, bad), what);
    }
}

// --- Public inputs ----------------------------------------------------------------------

#[test]
fn changing_a_public_input_is_rejected() {
    let f = fixture();
    let honest = f.honest(SEND_EQ);
    let mut c = honest.clone();
    c.auth_root = Some(c.auth_root.unwrap() + Fr::one());
    assert_unsatisfied(c, "authRoot");
    let mut c = honest.clone();
    c.intent = Some(f.intent + Fr::one());
    assert_unsatisfied(c, "intent");
    let mut c = honest.clone();
    facts_of(&mut c).call += Fr::one();
    assert_unsatisfied(c, "call");
    let mut c = honest.clone();
    facts_of(&mut c).value = Fr::one();
    assert_unsatisfied(c, "value above maxValue 0");
    let mut c = honest.clone();
    facts_of(&mut c).args[1] += Fr::one();
    assert_unsatisfied(c, "arg1 (EQ)");
    let mut c = f.honest(DEPOSIT_LE);
    facts_of(&mut c).args[0] = fr(50_000_000_001);
    assert_unsatisfied(c, "arg0 (LE)");
    let mut c = f.honest(DEPOSIT_LE);
    facts_of(&mut c).args[0] = fr(50_000_000_000);
    assert!(satisfied(c), "arg0 at the limit");
}

#[test]
fn public_inputs_are_bound_by_the_proof() {
    use ark_groth16::Groth16;
    use ark_snark::SNARK;
    type G = Groth16<ark_bn254::Bn254>;
    let mut rng = ChaCha20Rng::seed_from_u64(176);
    // The smallest shape: one slot, a grant tree of two leaves, a policy of two rules.
    let key = PrivateKey::random(&mut rng);
    let (role, blind) = (Fr::rand(&mut rng), Fr::rand(&mut rng));
    let grants = LeanImt::from_leaves([grant_leaf(commitment(&key), role, blind), Fr::rand(&mut rng)]);
    let send = Rule {
        target: address(POOL),
        selector: selector(SEND),
        arg_ref: recipient(),
        ..rule(role, 1, Flags { arg1: true, arg_op: ArgOp::Eq, ..Flags::default() }, 1)
    };
    let policy = PolicyTree::padded(1, &[send.leaf()], &mut rng).unwrap();
    let shape = PolicyShape { max_depth: 1, k_max: 1, policy_depth: 1 };
    let intent = Fr::from(77u64);
    let facts = facts(POOL, 0, &calldata(SEND, &[fr(3), recipient()]), 0);
    let signer = GrantSigner {
        public_key: key.public_key(),
        signature: key.sign(intent),
        blind,
        proof: grants.proof(0).unwrap(),
    };
    let c =
        PolicyCircuit::new(shape, &send, &policy.path(0).unwrap(), grants.root().unwrap(), intent, &facts, &[signer])
            .unwrap();
    let (pk, vk) = G::circuit_specific_setup(PolicyCircuit::blank(shape).unwrap(), &mut rng).unwrap();
    let inputs = c.public_inputs().unwrap();
    let proof = G::prove(&pk, c, &mut rng).unwrap();
    assert!(G::verify(&vk, &inputs, &proof).unwrap());
    for (i, name) in ["authRoot", "intent", "call", "value", "arg0", "arg1"].iter().enumerate() {
        let mut changed = inputs;
        changed[i] += Fr::one();
        assert!(!G::verify(&vk, &changed, &proof).unwrap(), "{name} changed");
    }
}

// --- Private values -----------------------------------------------------------------------

#[test]
fn changing_a_private_value_is_rejected() {
    let f = fixture();
    let honest = f.honest(TREASURY_ANY);
    assert!(satisfied(honest.clone()));
    for slot in 0..2 {
        let mut c = honest.clone();
        slots(&mut c)[slot].signer.signature.s += Fr::one();
        assert_unsatisfied(c, "S + 1");
        let mut c = honest.clone();
        slots(&mut c)[slot].blind += Fr::one();
        assert_unsatisfied(c, "a grant's blind");
        let mut c = honest.clone();
        slots(&mut c)[slot].signer.path.siblings[0] += Fr::one();
        assert_unsatisfied(c, "a grant path's sibling");
    }
    let mut c = honest.clone();
    c.rule_path.as_mut().unwrap().siblings[1] += Fr::one();
    assert_eq!(violations(c), 1, "a rule path's sibling");
    let mut c = honest.clone();
    c.rule_path.as_mut().unwrap().index ^= 2;
    assert_eq!(violations(c), 1, "a rule path's index bit");
    let mut c = honest.clone();
    c.rule.as_mut().unwrap().salt += Fr::one();
    assert_eq!(violations(c), 1, "the rule's salt");
    let mut c = honest.clone();
    c.grant_root = Some(c.grant_root.unwrap() + Fr::one());
    assert_unsatisfied(c, "the grant root");
    // another rule's leaf with the same call: DEPOSIT_LE's rule under TREASURY_ANY's path
    let mut c = honest.clone();
    c.rule = Some(f.rules[DEPOSIT_LE].clone());
    assert_unsatisfied(c, "another rule");
}

#[test]
fn a_lead_below_the_delay_is_rejected() {
    // TREASURY_ANY has a 48 h delay: a lead one second short, with a consistent call.
    let f = fixture();
    let mut c = f.honest(TREASURY_ANY);
    let call = c.call_parts.unwrap();
    set_call(&mut c, Call { lead: Fr::from(H48 - 1), ..call });
    assert_eq!(f.rules[TREASURY_ANY].check(c.facts.as_ref().unwrap()), Err(RuleViolation::LeadBelowDelay));
    assert_eq!(violations(c), 1, "lead = delay − 1");
    let mut c = f.honest(TREASURY_ANY);
    set_call(&mut c, Call { lead: Fr::from(H48 + 1), ..call });
    assert!(satisfied(c), "overstating the lead is allowed");
}

#[test]
fn signers_of_another_role_or_too_few_do_not_count() {
    let f = fixture();
    let honest = f.honest(TREASURY_ANY);
    // the trader's grant under the treasury rule: a valid signature, a valid path, another role
    let mut c = honest.clone();
    let (key, _, blind) = f.grants[G_D3];
    let a = f.keys[key].public_key();
    let path = MerklePath::pad(&f.grant_tree.proof(G_D3).unwrap(), DEPTH).unwrap();
    slots(&mut c)[1] = GrantSlot { signer: SlotWitness::enabled(&a, f.keys[key].sign(f.intent), &path), blind };
    assert_eq!(violations(c), 1, "a trader under a treasury rule");
    // one treasurer where k = 2
    let mut c = honest.clone();
    slots(&mut c)[1] = GrantSlot::dummy(DEPTH);
    assert_eq!(violations(c), 1, "1 of 2");
    // the dummy enabled to make up the count
    let mut c = honest.clone();
    slots(&mut c)[1].signer = SlotWitness { enabled: true, ..SlotWitness::dummy(DEPTH) };
    assert_unsatisfied(c, "the dummy enabled");
    // a gap in the enabled prefix: [t, dummy, t] at K_MAX 3
    let (facts, grants) = f.honest_call(TREASURY_ANY);
    let mut c = f.circuit(3, TREASURY_ANY, &facts, &grants);
    slots(&mut c).swap(1, 2);
    assert_unsatisfied(c, "gap in the enabled prefix");
    // an outsider's key with a member's grant path
    let outsider = PrivateKey::from_bytes(b"outsider");
    let mut c = honest;
    let s = &mut slots(&mut c)[0].signer;
    s.key_eighth = eighth(&outsider.public_key());
    s.signature = outsider.sign(f.intent);
    assert_unsatisfied(c, "outsider");
}

// --- Shape ------------------------------------------------------------------------------

/// Constraints of the blank circuit, synthesized in setup mode.
fn count(max_depth: usize, k_max: usize, policy_depth: usize) -> usize {
    let cs = ConstraintSystem::<Fr>::new_ref();
    cs.set_optimization_goal(OptimizationGoal::Constraints);
    cs.set_mode(SynthesisMode::Setup);
    let shape = PolicyShape { max_depth, k_max, policy_depth };
    PolicyCircuit::blank(shape).unwrap().generate_constraints(cs.clone()).unwrap();
    cs.num_constraints()
}

#[test]
fn constraint_counts_are_pinned() {
    for (d, k, p, total) in [(1, 1, 1, 5_875), (3, 2, 3, 11_217), (4, 3, 2, 16_076)] {
        assert_eq!(count(d, k, p), total, "D {d}, K_MAX {k}, D_P {p}");
        assert_eq!(num_constraints(PolicyShape { max_depth: d, k_max: k, policy_depth: p }), total);
    }
    // per slot: the Threshold slot and the grant
    assert_eq!(count(4, 3, 2) - count(4, 2, 2) - 1 - 1 - 2, threshold::SLOT_CONSTRAINTS + 244 * 4 + 261);
    // per policy level
    assert_eq!(count(2, 2, 5) - count(2, 2, 4), 242);
    assert_eq!((GRANT_CONSTRAINTS, POLICY_LEVEL_CONSTRAINTS), (261, 242));
}

/// The budget shape: D = 20, K_MAX = 8, D_P = 6, the argument condition included (setup
/// mode: a few seconds). The Threshold statement at D = 20, K_MAX = 8 has 66,058.
#[test]
fn constraint_count_at_depth_20_k_max_8_policy_depth_6() {
    let shape = PolicyShape::default();
    assert_eq!(num_constraints(shape), 71_356);
    assert!(num_constraints(shape) <= 72_000, "the budget");
    assert_eq!(count(20, 8, 6), 71_356);
    assert_eq!(num_constraints(shape) - threshold::num_constraints(20, 8), 5_298);
    assert_eq!(count(20, 1, 6), num_constraints(PolicyShape { k_max: 1, ..shape }));
}
