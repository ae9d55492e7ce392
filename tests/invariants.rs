//! `VeilAccount` under random sequences (revm, real proofs): proptest drives one account through
//! `execute` (Threshold proofs), `approve` (Approval proofs), `executeQueued`, cancellations, set
//! rotations, delay changes, time jumps and deposits, valid calls mixed with invalid ones
//! (tampered, re-randomized and foreign proofs, too few signers, proofs under the other set,
//! replays, future nonces, expired or not-yet-valid windows, early or voided queued intents,
//! admin calls from outside). A model in Rust predicts every outcome (success, or the revert's
//! error) and the account's whole state; independently of it, every step checks what the chain
//! shows:
//!
//! - the nonce only grows, by one exactly when an intent is authorized;
//! - an intent is authorized at most once and executes at most once (re-randomized proofs
//!   included);
//! - ETH is conserved: the account and its payees hold what the account was funded with plus
//!   what was sent in;
//! - nothing is authorized without enough distinct approvals of the current set: a Threshold
//!   proof of this intent under the current root with k ≥ threshold, or Approval proofs of
//!   `threshold` distinct members of the current set counted in the current epoch;
//! - nothing queued under an earlier set executes, and nothing queued executes before its eta.
//!
//! Proving is the cost: proofs are made once, on first use, and pooled for every case (the
//! intents do not depend on the case: each case deploys the same account at the same address).
//! The pool is bounded by what the sequences can reach; a failure prints the (shrunk) sequence
//! and the trace of its steps.
use std::{
    collections::{BTreeMap, BTreeSet, HashMap, HashSet},
    sync::{
        atomic::{AtomicUsize, Ordering},
        Mutex, OnceLock,
    },
};

use alloy_primitives::{Address, Bytes, Log, B256, U256};
use alloy_sol_types::{SolCall, SolEventInterface};
use proptest::{prelude::*, test_runner::FileFailurePersistence};
use rand::SeedableRng;
use rand_chacha::ChaCha20Rng;
use veil_approver::{intent::Intent, set::ApproverSet, witness};
use veil_circuits::eddsa::PrivateKey;
use veil_prover::Proof;
use veil_verifier_contract::{
    account::VeilAccount::{self, VeilAccountEvents},
    evm::{Chain, Outcome},
    harness::{describe_revert, Deployment},
    scenario::{word, Scenario},
    solc::Solc,
};

const DEPTH: usize = 3;
const K_MAX: usize = 2;
const CHAIN_ID: u64 = 31_337;
const NOW: u64 = 1_800_000_000;
const ETHER: u64 = 1_000_000_000_000_000_000;
/// What the account is funded with: two payments drain it, so failing calls come up too.
const FUNDS: u64 = 2 * ETHER;
/// The time-lock the account starts with or is given (or 0).
const DELAY: u64 = 900;
/// The window of [`Base::PayWindow`]: not yet valid at first, expired after some time jumps.
const VALID_AFTER: u64 = NOW + 300;
const VALID_UNTIL: u64 = NOW + 3_000;
/// Cases and steps per case. Proving dominates: about 200 proofs (the pool saturates at the
/// low nonces), some 50 s of CPU in all, the sequences themselves a few seconds.
const CASES: u32 = 48;
const STEPS: std::ops::RangeInclusive<usize> = 20..=40;

fn payee(n: u8) -> Address {
    Address::repeat_byte(0xb0 + n)
}

fn depositor() -> Address {
    Address::repeat_byte(0xde)
}

fn account() -> Address {
    Deployment::predicted_account(0)
}

/// The two sets the account rotates between: A = members {0..4} with threshold 2, and B, which
/// removes member 4, adds member 5 and lowers the threshold to 1.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
enum Cfg {
    A,
    B,
}

impl Cfg {
    fn index(self) -> usize {
        self as usize
    }

    fn members(self) -> &'static [usize] {
        match self {
            Cfg::A => &[0, 1, 2, 3, 4],
            Cfg::B => &[0, 1, 2, 3, 5],
        }
    }

    fn threshold(self) -> u64 {
        match self {
            Cfg::A => 2,
            Cfg::B => 1,
        }
    }

    /// The members whose Approval proofs the pool holds (by slot); A's slot 1 is the member B
    /// removes, B's slot 1 the member A lacks.
    fn approvers(self) -> [usize; 2] {
        match self {
            Cfg::A => [0, 4],
            Cfg::B => [1, 5],
        }
    }

    /// A member without proofs in the pool, whose nullifier is sent with another's proof.
    fn bystander(self) -> usize {
        match self {
            Cfg::A => 2,
            Cfg::B => 3,
        }
    }

    /// The signers of the pool's Threshold proofs with `k` signers.
    fn signers(self, k: u64) -> &'static [usize] {
        match (self, k) {
            (Cfg::A, 1) => &[4],
            (Cfg::A, _) => &[0, 4],
            (Cfg::B, 1) => &[5],
            (Cfg::B, _) => &[1, 5],
        }
    }

    fn other(self) -> Self {
        match self {
            Cfg::A => Cfg::B,
            Cfg::B => Cfg::A,
        }
    }

    fn root(self) -> U256 {
        fixture().roots[self.index()]
    }

    fn of_root(root: U256) -> Option<Self> {
        [Cfg::A, Cfg::B].into_iter().find(|c| c.root() == root)
    }
}

/// What an intent does (apart from cancellations).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
enum Base {
    /// 1 ether to payee 1, no window.
    Pay,
    /// 2 ether to payee 2, inside [`VALID_AFTER`, `VALID_UNTIL`].
    PayWindow,
    /// `changeSet` to this set and its threshold.
    Set(Cfg),
    /// `changeDelay` to this delay.
    Delay(u64),
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
enum Call {
    Do(Base),
    /// `cancel` of the digest of the intent `target` at `nonce`.
    Cancel {
        nonce: u64,
        target: Base,
    },
}

/// An intent: its nonce and its call (every other field follows from them).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
struct Key {
    nonce: u64,
    call: Call,
}

impl Key {
    fn intent(self) -> Intent {
        let base = Intent {
            chain_id: CHAIN_ID,
            account: account(),
            target: payee(1),
            value: U256::from(ETHER),
            data: Bytes::new(),
            nonce: U256::from(self.nonce),
            valid_after: 0,
            valid_until: 0,
        };
        let own = |data: Vec<u8>| Intent { target: account(), value: U256::ZERO, data: data.into(), ..base.clone() };
        match self.call {
            Call::Do(Base::Pay) => base,
            Call::Do(Base::PayWindow) => Intent {
                target: payee(2),
                value: U256::from(2 * ETHER),
                valid_after: VALID_AFTER,
                valid_until: VALID_UNTIL,
                ..base
            },
            Call::Do(Base::Set(cfg)) => {
                own(VeilAccount::changeSetCall { newRoot: cfg.root(), newThreshold: U256::from(cfg.threshold()) }
                    .abi_encode())
            }
            Call::Do(Base::Delay(d)) => own(VeilAccount::changeDelayCall { newDelay: d }.abi_encode()),
            Call::Cancel { nonce, target } => {
                own(VeilAccount::cancelCall { digest: Key::digest_of(nonce, target) }.abi_encode())
            }
        }
    }

    fn digest(self) -> B256 {
        self.intent().signing_hash()
    }

    fn digest_of(nonce: u64, target: Base) -> B256 {
        Key { nonce, call: Call::Do(target) }.digest()
    }
}

/// How a pooled proof was made.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
enum Made {
    /// A Threshold proof with k signers ([`Cfg::signers`]).
    Threshold(u64),
    /// An Approval proof by the member in this slot ([`Cfg::approvers`]).
    Approval(usize),
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
struct ProofKey {
    intent: Key,
    cfg: Cfg,
    made: Made,
}

struct Fixture {
    scenario: Scenario,
    sets: [ApproverSet; 2],
    roots: [U256; 2],
    /// Proofs (with the nullifier of an Approval proof), made on first use.
    pool: Mutex<HashMap<ProofKey, (Proof, U256)>>,
    proved: AtomicUsize,
}

fn fixture() -> &'static Fixture {
    static FIXTURE: OnceLock<Fixture> = OnceLock::new();
    FIXTURE.get_or_init(|| {
        let mut rng = ChaCha20Rng::seed_from_u64(0x1a7);
        let solc = Solc::locate().expect("npm ci --prefix scripts installs solc");
        let members = (0..6).map(|_| PrivateKey::random(&mut rng)).collect();
        let scenario = Scenario::setup(&solc, DEPTH, K_MAX, members, &mut rng).unwrap();
        let sets = [scenario.set(Cfg::A.members()), scenario.set(Cfg::B.members())];
        let roots = [word(sets[0].root().unwrap()), word(sets[1].root().unwrap())];
        Fixture { scenario, sets, roots, pool: Mutex::new(HashMap::new()), proved: AtomicUsize::new(0) }
    })
}

/// The pooled proof for `key` (made now if it is new), with its nullifier (0 for Threshold).
fn pooled(key: ProofKey) -> (Proof, U256) {
    let fx = fixture();
    if let Some(hit) = fx.pool.lock().unwrap().get(&key) {
        return hit.clone();
    }
    let n = fx.proved.fetch_add(1, Ordering::Relaxed);
    let mut rng = ChaCha20Rng::seed_from_u64(n as u64);
    let set = &fx.sets[key.cfg.index()];
    let intent = key.intent.intent();
    let made = match key.made {
        Made::Threshold(k) => {
            (fx.scenario.threshold_proof(set, &intent, key.cfg.signers(k), &mut rng).unwrap(), U256::ZERO)
        }
        Made::Approval(slot) => fx.scenario.approval_proof(set, &intent, key.cfg.approvers()[slot], &mut rng).unwrap(),
    };
    fx.pool.lock().unwrap().insert(key, made.clone());
    made
}

/// `member`'s nullifier for `key` (scope = the intent): no proof needed.
fn nullifier(cfg: Cfg, member: usize, key: Key) -> U256 {
    let fx = fixture();
    let circuit =
        witness::approval(&fx.scenario.members[member], &fx.sets[cfg.index()], &key.intent(), None, DEPTH).unwrap();
    word(circuit.public_inputs().unwrap()[veil_circuits::approval::NULLIFIER])
}

// ---- The steps proptest chooses ----------------------------------------------------------

/// Which nonce the intent of a step carries.
#[derive(Clone, Copy, Debug)]
enum At {
    /// The account's nonce.
    Current,
    /// A replay: the intent authorized at this index of the history (mod its length).
    Past(u8),
    /// The nonce after the current one.
    Future,
}

/// Which intent, at the nonce [`At`] chose.
#[derive(Clone, Copy, Debug)]
enum Pick {
    Pay,
    PayWindow,
    SetA,
    SetB,
    DelayZero,
    DelayLong,
    /// Cancels the last intent authorized, or (odd) the one before it.
    CancelRecent(u8),
}

/// What is done to the pooled proof before it is sent.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Mutation {
    None,
    /// Re-randomized: other bytes, still valid.
    Rerandomize,
    /// C replaced by A: a valid point, a wrong proof.
    Tamper,
    /// The proof of another intent at the same nonce.
    OtherIntent,
}

impl Mutation {
    fn honest(self) -> bool {
        matches!(self, Mutation::None | Mutation::Rerandomize)
    }
}

#[derive(Clone, Debug)]
enum Step {
    /// `execute(intent, claimed, proof)` with a Threshold proof of `k` signers, made under the
    /// current set or the other one (`other_set`); `claim` is added to k (-1, 0, +1).
    Execute { at: At, pick: Pick, k: u64, claim: i8, other_set: bool, mutation: Mutation },
    /// `approve(intent, nullifier, proof)` with the Approval proof of the approver in `slot` of
    /// the current set or the other one; `wrong_nullifier` sends a bystander's nullifier.
    Approve { at: At, pick: Pick, slot: usize, other_set: bool, wrong_nullifier: bool, mutation: Mutation },
    /// `executeQueued` of a queued intent (`queued`, when there is one), or else of an
    /// authorized intent (by index into the history) or, past its end, of the current nonce's
    /// payment (never authorized).
    ExecuteQueued { queued: bool, pick: u8 },
    /// The clock moves forward.
    Warp(u64),
    /// The clock moves to a queued intent's eta, or one second before it.
    WarpToEta { pick: u8, early: bool },
    /// Someone sends ether to the account.
    Deposit(u64),
    /// `changeSet`, `changeDelay` or `cancel` called directly, not through an intent.
    Admin(u8),
}

fn at() -> impl Strategy<Value = At> {
    prop_oneof![8 => Just(At::Current), 1 => any::<u8>().prop_map(At::Past), 1 => Just(At::Future)]
}

fn pick() -> impl Strategy<Value = Pick> {
    prop_oneof![
        3 => Just(Pick::Pay),
        2 => Just(Pick::PayWindow),
        2 => Just(Pick::SetA),
        2 => Just(Pick::SetB),
        1 => Just(Pick::DelayZero),
        1 => Just(Pick::DelayLong),
        2 => any::<u8>().prop_map(Pick::CancelRecent),
    ]
}

fn mutation() -> impl Strategy<Value = Mutation> {
    prop_oneof![
        6 => Just(Mutation::None),
        2 => Just(Mutation::Rerandomize),
        1 => Just(Mutation::Tamper),
        1 => Just(Mutation::OtherIntent),
    ]
}

fn step() -> impl Strategy<Value = Step> {
    let execute = (
        at(),
        pick(),
        prop_oneof![4 => Just(2u64), 1 => Just(1)],
        prop_oneof![6 => Just(0i8), 1 => Just(-1), 1 => Just(1)],
        prop::bool::weighted(0.12),
        mutation(),
    )
        .prop_map(|(at, pick, k, claim, other_set, mutation)| Step::Execute {
            at,
            pick,
            k,
            claim,
            other_set,
            mutation,
        });
    let approve = (at(), pick(), 0..2usize, prop::bool::weighted(0.12), prop::bool::weighted(0.1), mutation())
        .prop_map(|(at, pick, slot, other_set, wrong_nullifier, mutation)| Step::Approve {
            at,
            pick,
            slot,
            other_set,
            wrong_nullifier,
            mutation,
        });
    prop_oneof![
        5 => execute,
        5 => approve,
        4 => (prop::bool::weighted(0.8), any::<u8>()).prop_map(|(queued, pick)| Step::ExecuteQueued { queued, pick }),
        2 => prop_oneof![Just(1u64), Just(120), Just(300), Just(DELAY), Just(1_800)].prop_map(Step::Warp),
        3 => (any::<u8>(), any::<bool>()).prop_map(|(pick, early)| Step::WarpToEta { pick, early }),
        1 => (1..=2u64).prop_map(Step::Deposit),
        1 => (0..3u8).prop_map(Step::Admin),
    ]
}

// ---- The model ----------------------------------------------------------------------------

/// What the account should hold.
#[derive(Clone, Debug)]
struct Model {
    nonce: u64,
    cfg: Cfg,
    epoch: u64,
    delay: u64,
    time: u64,
    /// Queued intents: eta and the epoch that authorized them.
    queued: BTreeMap<Key, (u64, u64)>,
    /// Nullifiers counted per (intent, epoch).
    seen: BTreeMap<(Key, u64), BTreeSet<U256>>,
    account: U256,
    payees: [U256; 2],
    /// The intent authorized at each nonce.
    history: Vec<Key>,
}

/// An expected revert: the prefix of [`describe_revert`]'s words.
type Revert = String;

impl Model {
    fn new(delay: u64) -> Self {
        Self {
            nonce: 0,
            cfg: Cfg::A,
            epoch: 0,
            delay,
            time: NOW,
            queued: BTreeMap::new(),
            seen: BTreeMap::new(),
            account: U256::from(FUNDS),
            payees: [U256::ZERO; 2],
            history: Vec::new(),
        }
    }

    fn check_window(&self, key: Key) -> Result<(), Revert> {
        let intent = key.intent();
        if self.time < intent.valid_after {
            return Err("NotYetValid".into());
        }
        if intent.valid_until != 0 && self.time > intent.valid_until {
            return Err("Expired".into());
        }
        Ok(())
    }

    fn check_current(&self, key: Key) -> Result<(), Revert> {
        if key.nonce != self.nonce {
            return Err("NonceMismatch".into());
        }
        self.check_window(key)
    }

    /// `_authorized`: the nonce is spent; the call runs now (no delay, or a cancellation) or is
    /// queued.
    fn authorize(&mut self, key: Key) -> Result<(), Revert> {
        self.nonce += 1;
        self.history.push(key);
        if self.delay == 0 || matches!(key.call, Call::Cancel { .. }) {
            self.run(key)
        } else {
            self.queued.insert(key, (self.time + self.delay, self.epoch));
            Ok(())
        }
    }

    /// `_call`: the intent's call; a failure reverts the whole transaction.
    fn run(&mut self, key: Key) -> Result<(), Revert> {
        match key.call {
            Call::Do(Base::Pay) => self.pay(0, U256::from(ETHER)),
            Call::Do(Base::PayWindow) => self.pay(1, U256::from(2 * ETHER)),
            Call::Do(Base::Set(cfg)) => {
                self.cfg = cfg;
                self.epoch += 1;
                Ok(())
            }
            Call::Do(Base::Delay(d)) => {
                self.delay = d;
                Ok(())
            }
            Call::Cancel { nonce, target } => {
                let target = Key { nonce, call: Call::Do(target) };
                if self.queued.remove(&target).is_none() {
                    return Err("CallFailed(NotQueued".into());
                }
                Ok(())
            }
        }
    }

    fn pay(&mut self, payee: usize, value: U256) -> Result<(), Revert> {
        if self.account < value {
            return Err("CallFailed((no revert data))".into());
        }
        self.account -= value;
        self.payees[payee] += value;
        Ok(())
    }

    fn execute(&mut self, key: Key, claimed: u64, valid_proof: bool) -> Result<(), Revert> {
        self.check_current(key)?;
        if claimed < self.cfg.threshold() {
            return Err("BelowThreshold".into());
        }
        if !valid_proof {
            return Err("ProofInvalid".into());
        }
        self.authorize(key)
    }

    fn approve(&mut self, key: Key, nullifier: U256, valid_proof: bool) -> Result<(), Revert> {
        self.check_current(key)?;
        let seen = self.seen.entry((key, self.epoch)).or_default();
        if seen.contains(&nullifier) {
            return Err("NullifierUsed".into());
        }
        if !valid_proof {
            return Err("ProofInvalid".into());
        }
        seen.insert(nullifier);
        if seen.len() as u64 >= self.cfg.threshold() {
            self.authorize(key)?;
        }
        Ok(())
    }

    fn execute_queued(&mut self, key: Key) -> Result<(), Revert> {
        let Some(&(eta, epoch)) = self.queued.get(&key) else {
            return Err("NotQueued".into());
        };
        if epoch != self.epoch {
            return Err("QueuedBeforeSetChange".into());
        }
        if self.time < eta {
            return Err("TimelockActive".into());
        }
        self.check_window(key)?;
        self.queued.remove(&key);
        self.run(key)
    }

    fn resolve_call(&self, pick: Pick) -> Call {
        match pick {
            Pick::Pay => Call::Do(Base::Pay),
            Pick::PayWindow => Call::Do(Base::PayWindow),
            Pick::SetA => Call::Do(Base::Set(Cfg::A)),
            Pick::SetB => Call::Do(Base::Set(Cfg::B)),
            Pick::DelayZero => Call::Do(Base::Delay(0)),
            Pick::DelayLong => Call::Do(Base::Delay(DELAY)),
            Pick::CancelRecent(back) => {
                let len = self.history.len();
                if len == 0 {
                    return Call::Cancel { nonce: 0, target: Base::Pay };
                }
                let target = self.history[len - 1 - usize::from(back) % len.min(2)];
                match target.call {
                    Call::Do(base) => Call::Cancel { nonce: target.nonce, target: base },
                    // A cancellation is never queued: cancel the payment of its nonce instead.
                    Call::Cancel { .. } => Call::Cancel { nonce: target.nonce, target: Base::Pay },
                }
            }
        }
    }

    fn resolve(&self, at: At, pick: Pick) -> Key {
        match at {
            At::Current => Key { nonce: self.nonce, call: self.resolve_call(pick) },
            At::Future => Key { nonce: self.nonce + 1, call: self.resolve_call(pick) },
            At::Past(i) if !self.history.is_empty() => self.history[usize::from(i) % self.history.len()],
            At::Past(_) => Key { nonce: self.nonce, call: self.resolve_call(pick) },
        }
    }
}

// ---- Driving the chain and checking it -------------------------------------------------------

/// What the chain shows of the account.
#[derive(Clone, Debug, PartialEq, Eq)]
struct Seen {
    nonce: U256,
    epoch: U256,
    root: U256,
    threshold: U256,
    delay: u64,
    time: u64,
}

fn observe(d: &mut Deployment) -> Seen {
    Seen {
        nonce: d.read(&VeilAccount::nonceCall {}).unwrap(),
        epoch: d.read(&VeilAccount::epochCall {}).unwrap(),
        root: d.read(&VeilAccount::rootCall {}).unwrap(),
        threshold: d.read(&VeilAccount::thresholdCall {}).unwrap(),
        delay: d.read(&VeilAccount::delayCall {}).unwrap(),
        time: d.chain.timestamp(),
    }
}

/// The proof a step sent, as made: what the invariants may trust about it.
#[derive(Clone, Copy, Debug)]
struct Sent {
    key: ProofKey,
    mutation: Mutation,
}

impl Sent {
    /// Whether it is a genuine proof of `intent` (re-randomized or not).
    fn genuine_for(&self, intent: Key) -> bool {
        self.mutation.honest() && self.key.intent == intent
    }
}

/// The independent checks: what the chain did, against the invariants, without the model.
#[derive(Default)]
struct Watch {
    sent_in: U256,
    authorized: HashSet<B256>,
    executed: HashSet<B256>,
    /// From `Queued` events: the eta and epoch of each queued digest.
    queued: HashMap<B256, (U256, U256)>,
    /// From `Approved` events: the members (by the proof's maker) counted per (digest, epoch).
    approvers: HashMap<(B256, U256), BTreeSet<usize>>,
}

enum Kind {
    Execute { key: Key, claimed: u64, sent: Sent },
    Approve { key: Key, nullifier: U256, sent: Sent },
    ExecuteQueued,
    Other,
}

impl Watch {
    fn check(&mut self, d: &mut Deployment, before: &Seen, kind: &Kind, out: &Outcome) -> Result<(), String> {
        let after = observe(d);
        // The nonce only grows, by one exactly when an intent is authorized.
        let events: Vec<VeilAccountEvents> = out
            .logs
            .iter()
            .filter(|l| l.address == d.account)
            .filter_map(|l: &Log| VeilAccountEvents::decode_log(l).ok().map(|l| l.data))
            .collect();
        let authorized = events.iter().filter(|e| matches!(e, VeilAccountEvents::Authorized(_))).count();
        if after.nonce < before.nonce || after.nonce - before.nonce != U256::from(authorized) || authorized > 1 {
            return Err(format!("nonce {} -> {} with {authorized} authorizations", before.nonce, after.nonce));
        }
        // ETH is conserved between the account and its payees.
        let held = d.chain.balance(d.account) + d.chain.balance(payee(1)) + d.chain.balance(payee(2));
        if held != U256::from(FUNDS) + self.sent_in {
            return Err(format!("{held} wei held, {} funded and sent in", U256::from(FUNDS) + self.sent_in));
        }
        let current = Cfg::of_root(before.root).ok_or("the root is neither set's")?;
        for event in &events {
            match event {
                VeilAccountEvents::Approved(e) => {
                    let Kind::Approve { key, nullifier, sent } = kind else {
                        return Err("Approved outside approve".into());
                    };
                    // Only a genuine proof of this intent under the current root counts, once per member.
                    if !sent.genuine_for(*key) || sent.key.cfg != current || *nullifier != e.nullifier {
                        return Err(format!("approval counted for {sent:?} (nullifier {nullifier})"));
                    }
                    let Made::Approval(slot) = sent.key.made else { unreachable!() };
                    let member = sent.key.cfg.approvers()[slot];
                    if !self.approvers.entry((e.digest, before.epoch)).or_default().insert(member) {
                        return Err(format!("member {member} counted twice"));
                    }
                }
                VeilAccountEvents::Authorized(e) => {
                    if !self.authorized.insert(e.digest) {
                        return Err(format!("{} authorized twice", e.digest));
                    }
                    let threshold = before.threshold.saturating_to::<u64>();
                    match kind {
                        Kind::Execute { key, claimed, sent } => {
                            let Made::Threshold(k) = sent.key.made else { unreachable!() };
                            if !sent.genuine_for(*key) || sent.key.cfg != current || k < threshold || *claimed != k {
                                return Err(format!(
                                    "authorized by {sent:?}, {claimed} claimed, threshold {threshold}"
                                ));
                            }
                        }
                        Kind::Approve { .. } => {
                            let members = self.approvers.get(&(e.digest, before.epoch)).cloned().unwrap_or_default();
                            if (members.len() as u64) < threshold
                                || !members.iter().all(|m| current.members().contains(m))
                            {
                                return Err(format!("authorized by members {members:?} of threshold {threshold}"));
                            }
                        }
                        _ => return Err("authorized outside execute and approve".into()),
                    }
                }
                VeilAccountEvents::Queued(e) => {
                    self.queued.insert(e.digest, (e.eta, e.epoch));
                }
                VeilAccountEvents::Executed(e) => {
                    if !self.executed.insert(e.digest) {
                        return Err(format!("{} executed twice", e.digest));
                    }
                    match kind {
                        Kind::ExecuteQueued => {
                            // Nothing queued under an earlier set, nor before its eta.
                            let (eta, epoch) =
                                self.queued.get(&e.digest).ok_or("executeQueued ran an intent never queued")?;
                            if *epoch != before.epoch || U256::from(before.time) < *eta {
                                return Err(format!(
                                    "queued in epoch {epoch} for {eta}, run in {} at {}",
                                    before.epoch, before.time
                                ));
                            }
                        }
                        _ if before.delay != 0 => {
                            let is_cancel =
                                e.target == d.account && e.data.starts_with(&VeilAccount::cancelCall::SELECTOR);
                            if !is_cancel {
                                return Err(format!("{} ran at once under a delay of {}", e.digest, before.delay));
                            }
                        }
                        _ => {}
                    }
                }
                _ => {}
            }
        }
        Ok(())
    }
}

/// The model's state against the chain's.
fn compare(d: &mut Deployment, m: &Model) -> Result<(), String> {
    let seen = observe(d);
    let expected = Seen {
        nonce: U256::from(m.nonce),
        epoch: U256::from(m.epoch),
        root: m.cfg.root(),
        threshold: U256::from(m.cfg.threshold()),
        delay: m.delay,
        time: m.time,
    };
    if seen != expected {
        return Err(format!("chain {seen:?}, model {expected:?}"));
    }
    let balances = [d.chain.balance(d.account), d.chain.balance(payee(1)), d.chain.balance(payee(2))];
    if balances != [m.account, m.payees[0], m.payees[1]] {
        return Err(format!("balances {balances:?}, model {:?} {:?}", m.account, m.payees));
    }
    // Every intent ever authorized: queued (with its eta and epoch) exactly when the model says.
    for key in &m.history {
        let digest = key.digest();
        let eta = d.read(&VeilAccount::queuedCall { digest }).unwrap();
        let epoch = d.read(&VeilAccount::queuedEpochCall { digest }).unwrap();
        let (want_eta, want_epoch) = m.queued.get(key).copied().unwrap_or((0, 0));
        if (eta, epoch) != (U256::from(want_eta), U256::from(want_epoch)) {
            return Err(format!("{key:?} queued ({eta}, {epoch}), model ({want_eta}, {want_epoch})"));
        }
    }
    // The approvals counted in this epoch.
    for ((key, epoch), nullifiers) in &m.seen {
        if *epoch == m.epoch {
            let count = d
                .read(&VeilAccount::approvalsCall {
                    intent: veil_verifier_contract::harness::sol_intent(&key.intent()),
                })
                .unwrap();
            if count != U256::from(nullifiers.len()) {
                return Err(format!("{key:?}: {count} approvals, model {}", nullifiers.len()));
            }
        }
    }
    Ok(())
}

/// Runs one sequence (`None`: a step shrunk away); `Err` names the step that broke and the
/// trace so far.
fn run(delay: u64, steps: &[Option<Step>]) -> Result<(), String> {
    let fx = fixture();
    let mut d = Deployment::new(
        Chain::new(CHAIN_ID, NOW),
        &fx.scenario.artifacts,
        Cfg::A.root(),
        Cfg::A.threshold(),
        delay,
        U256::from(FUNDS),
    )
    .map_err(|e| e.to_string())?;
    assert_eq!(d.account, account());
    let mut model = Model::new(delay);
    let mut watch = Watch::default();
    let mut trace = Vec::new();
    for (i, step) in steps.iter().enumerate() {
        let Some(step) = step else { continue };
        let before = observe(&mut d);
        let mut next = model.clone();
        let (what, kind, out, expected) = apply(&mut d, &mut next, &mut watch, i, step);
        let got = if out.success { Ok(()) } else { Err(describe_revert(&out.output)) };
        trace.push(format!("{i:>3} {what}: {}", got.as_ref().map_or_else(Clone::clone, |()| "ok".into())));
        let fail = |why: String| Err(format!("step {i} ({step:?}): {why}\ntrace:\n{}", trace.join("\n")));
        if let Err(why) = watch.check(&mut d, &before, &kind, &out) {
            return fail(format!("invariant broken: {why}"));
        }
        match (&expected, &got) {
            (Ok(()), Ok(())) => model = next,
            (Err(want), Err(got)) if got.starts_with(want.as_str()) => {}
            _ => return fail(format!("the model expected {expected:?}, the chain did {got:?}")),
        }
        if let Err(why) = compare(&mut d, &model) {
            return fail(format!("model and chain differ: {why}"));
        }
        tally(&kind, &expected, &out);
    }
    Ok(())
}

/// Performs `step` on the chain and predicts it on `model` (which the caller keeps only if the
/// step should succeed): what was done, for the checks, the outcome and the prediction.
fn apply(
    d: &mut Deployment,
    model: &mut Model,
    watch: &mut Watch,
    i: usize,
    step: &Step,
) -> (String, Kind, Outcome, Result<(), Revert>) {
    let fx = fixture();
    let mut rng = ChaCha20Rng::seed_from_u64(i as u64);
    let mut prepare = |key: Key, made: Made, other_set: bool, mutation: Mutation, model: &Model| {
        let cfg = if other_set { model.cfg.other() } else { model.cfg };
        // A nonce ahead is refused before the proof is looked at: send the current one's.
        let of = if key.nonce > model.nonce { Key { nonce: model.nonce, ..key } } else { key };
        let of = match mutation {
            Mutation::OtherIntent if of.call == Call::Do(Base::Pay) => Key { call: Call::Do(Base::PayWindow), ..of },
            Mutation::OtherIntent => Key { call: Call::Do(Base::Pay), ..of },
            _ => of,
        };
        let sent = Sent { key: ProofKey { intent: of, cfg, made }, mutation };
        let (mut proof, nullifier) = pooled(sent.key);
        match mutation {
            Mutation::Rerandomize => {
                let vk = match made {
                    Made::Threshold(_) => fx.scenario.threshold.verifying_key(),
                    Made::Approval(_) => fx.scenario.approval.verifying_key(),
                };
                proof = veil_prover::rerandomize(vk, &proof, &mut rng);
            }
            Mutation::Tamper => proof.c = proof.a,
            _ => {}
        }
        (sent, proof, nullifier)
    };
    match *step {
        Step::Execute { at, pick, k, claim, other_set, mutation } => {
            let key = model.resolve(at, pick);
            // The pool holds proofs with one signer for the payments only.
            let k = if matches!(key.call, Call::Do(Base::Pay | Base::PayWindow)) { k } else { 2 };
            let (sent, proof, _) = prepare(key, Made::Threshold(k), other_set, mutation, model);
            let claimed = k.saturating_add_signed(claim.into());
            let valid = sent.genuine_for(key) && sent.key.cfg.root() == model.cfg.root() && claimed == k;
            let expected = model.execute(key, claimed, valid);
            let out = d.execute(&key.intent(), claimed, &proof).unwrap();
            (
                format!("execute {key:?} claiming {claimed} with {sent:?}"),
                Kind::Execute { key, claimed, sent },
                out,
                expected,
            )
        }
        Step::Approve { at, pick, slot, other_set, wrong_nullifier, mutation } => {
            let key = model.resolve(at, pick);
            let (sent, proof, made_nullifier) = prepare(key, Made::Approval(slot), other_set, mutation, model);
            let cfg = sent.key.cfg;
            let member = if wrong_nullifier { cfg.bystander() } else { cfg.approvers()[slot] };
            let nullifier = nullifier(cfg, member, key);
            let valid = sent.genuine_for(key) && cfg.root() == model.cfg.root() && nullifier == made_nullifier;
            let expected = model.approve(key, nullifier, valid);
            let out = d.approve(&key.intent(), nullifier, &proof).unwrap();
            (
                format!("approve {key:?} by member {member} with {sent:?}"),
                Kind::Approve { key, nullifier, sent },
                out,
                expected,
            )
        }
        Step::ExecuteQueued { queued, pick } => {
            let mut candidates: Vec<Key> = model.queued.keys().copied().collect();
            if !queued || candidates.is_empty() {
                candidates.clone_from(&model.history);
                candidates.push(Key { nonce: model.nonce, call: Call::Do(Base::Pay) });
            }
            let key = candidates[usize::from(pick) % candidates.len()];
            let expected = model.execute_queued(key);
            let out = d.execute_queued(&key.intent()).unwrap();
            (format!("executeQueued {key:?}"), Kind::ExecuteQueued, out, expected)
        }
        Step::Warp(seconds) => {
            model.time += seconds;
            d.chain.set_timestamp(model.time);
            (format!("time + {seconds}"), Kind::Other, ok(), Ok(()))
        }
        Step::WarpToEta { pick, early } => {
            let etas: Vec<u64> = model.queued.values().map(|&(eta, _)| eta).collect();
            if let Some(eta) = etas.get(usize::from(pick) % etas.len().max(1)) {
                model.time = model.time.max(eta - u64::from(early));
            }
            d.chain.set_timestamp(model.time);
            (format!("time = {}", model.time - NOW), Kind::Other, ok(), Ok(()))
        }
        Step::Deposit(ether) => {
            let value = U256::from(ether * ETHER);
            d.chain.fund(depositor(), value);
            let out = d.chain.call(depositor(), d.account, Vec::new(), value).unwrap();
            if out.success {
                watch.sent_in += value;
            }
            model.account += value;
            (format!("deposit {ether} ether"), Kind::Other, out, Ok(()))
        }
        Step::Admin(which) => {
            let out = match which {
                0 => d.send(&VeilAccount::changeSetCall { newRoot: Cfg::B.root(), newThreshold: U256::from(1) }),
                1 => d.send(&VeilAccount::changeDelayCall { newDelay: 0 }),
                _ => d.send(&VeilAccount::cancelCall {
                    digest: model.queued.keys().next().map_or(B256::ZERO, |k| k.digest()),
                }),
            }
            .unwrap();
            (format!("admin call {which} from outside"), Kind::Other, out, Err("OnlySelf".into()))
        }
    }
}

fn ok() -> Outcome {
    Outcome {
        success: true,
        output: Bytes::new(),
        created: None,
        gas_used: 0,
        execution_gas: 0,
        logs: Vec::new(),
        halt: None,
    }
}

/// What the sequences did, over all cases (shrinking included): printed at the end, so a run
/// shows what it covered.
static TALLY: Mutex<BTreeMap<String, usize>> = Mutex::new(BTreeMap::new());

fn tally(kind: &Kind, expected: &Result<(), Revert>, out: &Outcome) {
    let call = match kind {
        Kind::Execute { .. } => "execute",
        Kind::Approve { .. } => "approve",
        Kind::ExecuteQueued => "executeQueued",
        Kind::Other => return,
    };
    let result = match expected {
        Ok(()) => "ok",
        Err(e) if e == "CallFailed(NotQueued" => "CallFailed(NotQueued)",
        Err(e) => e,
    };
    let mut tally = TALLY.lock().unwrap();
    *tally.entry(format!("{call}: {result}")).or_default() += 1;
    for log in &out.logs {
        if let Ok(event) = VeilAccountEvents::decode_log(log) {
            let name = format!("{:?}", event.data);
            *tally.entry(format!("event {}", name.split('(').next().unwrap_or_default())).or_default() += 1;
        }
    }
}

/// Runs the property: `CASES` sequences (`PROPTEST_CASES` overrides), shrunk on failure to
/// the shortest sequence that still breaks something; then prints what the sequences did.
#[test]
fn account_keeps_its_invariants_under_random_sequences() {
    let cases = std::env::var("PROPTEST_CASES").ok().and_then(|c| c.parse().ok()).unwrap_or(CASES);
    let config = ProptestConfig {
        cases,
        max_shrink_iters: 512,
        // tests/invariants.proptest-regressions: the seeds of failures, replayed first.
        source_file: Some(file!()),
        failure_persistence: Some(Box::new(FileFailurePersistence::WithSource("proptest-regressions"))),
        ..ProptestConfig::default()
    };
    let mut runner = proptest::test_runner::TestRunner::new(config);
    let sequences = (
        prop_oneof![1 => Just(0u64), 2 => Just(DELAY)],
        prop::collection::vec(prop::option::weighted(0.999, step()), STEPS),
    );
    let started = std::time::Instant::now();
    let result = runner.run(&sequences, |(delay, steps)| run(delay, &steps).map_err(TestCaseError::fail));
    println!(
        "{cases} sequences in {:.1?}, {} proofs made",
        started.elapsed(),
        fixture().proved.load(Ordering::Relaxed)
    );
    for (what, n) in TALLY.lock().unwrap().iter() {
        println!("  {what}: {n}");
    }
    if let Err(e) = result {
        panic!("{e}");
    }
}
