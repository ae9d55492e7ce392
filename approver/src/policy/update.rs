//! Updating a policy: what changed between two policies (rules by name, members by role),
//! and the intent that installs the new auth root on the account
//! (`setAuthRoot(uint256 newRoot)` on the account itself).
//!
//! The new policy is compiled with fresh secrets (role ids, blinds, salts, padding), never
//! the old ones: signers hold none of them (the aggregator does, and receives the new
//! compiled file), every proof is made against the current root only, so reuse would buy
//! nothing; fresh secrets make the old compiled file (a former admin's or aggregator's
//! copy) say nothing about the new trees.

use std::fmt;

use alloy_primitives::{Bytes, U256};
use alloy_sol_types::SolCall;
use thiserror::Error;
use veil_circuits::Fr;

use super::{
    check::{Policy, RuleSpec},
    compiled::CompiledPolicy,
    explain::explain,
};
use crate::intent::{fr_to_decimal, Intent};

mod sol {
    #![allow(missing_docs)]
    alloy_sol_types::sol! {
        /// The account's function that installs a new auth root.
        function setAuthRoot(uint256 newRoot);
    }
}

/// What an update may not change.
#[derive(Debug, Error, PartialEq, Eq)]
pub enum UpdateError {
    /// The new policy is for another account or chain.
    #[error("the new policy is for {new}, the old one for {old}: an update installs a root on the same account")]
    Account {
        /// `chain_id/account` of the old policy.
        old: String,
        /// Of the new.
        new: String,
    },
    /// The new policy has another circuit shape.
    #[error("the new policy's shape ({new}) differs from the old one's ({old}): the account's verifier is set up for one shape")]
    Shape {
        /// The old shape.
        old: String,
        /// The new.
        new: String,
    },
}

fn shape_text(p: &Policy) -> String {
    format!("depth {}, k_max {}, policy_depth {}", p.shape.max_depth, p.shape.k_max, p.shape.policy_depth)
}

/// Refuses an update to another account, chain or circuit shape.
///
/// # Errors
/// [`UpdateError`].
pub fn check_compatible(old: &Policy, new: &Policy) -> Result<(), UpdateError> {
    if old.account != new.account || old.chain_id != new.chain_id {
        return Err(UpdateError::Account {
            old: format!("chain {} account {}", old.chain_id, old.account),
            new: format!("chain {} account {}", new.chain_id, new.account),
        });
    }
    if old.shape != new.shape {
        return Err(UpdateError::Shape { old: shape_text(old), new: shape_text(new) });
    }
    Ok(())
}

/// The differences between two policies.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Diff {
    /// Rules only in the new policy: name and description.
    pub rules_added: Vec<(String, String)>,
    /// Rules only in the old policy: name and description.
    pub rules_removed: Vec<(String, String)>,
    /// Rules in both whose content differs: name and each change in words.
    pub rules_changed: Vec<(String, Vec<String>)>,
    /// Roles only in the new policy, with their members.
    pub roles_added: Vec<(String, Vec<Fr>)>,
    /// Roles only in the old policy, with their members.
    pub roles_removed: Vec<(String, Vec<Fr>)>,
    /// Members added to a role in both.
    pub members_added: Vec<(String, Vec<Fr>)>,
    /// Members removed from a role in both.
    pub members_removed: Vec<(String, Vec<Fr>)>,
}

impl Diff {
    /// Whether the policies grant the same.
    #[must_use]
    pub fn is_empty(&self) -> bool {
        self.rules_added.is_empty()
            && self.rules_removed.is_empty()
            && self.rules_changed.is_empty()
            && self.roles_added.is_empty()
            && self.roles_removed.is_empty()
            && self.members_added.is_empty()
            && self.members_removed.is_empty()
    }
}

impl fmt::Display for Diff {
    /// One line per change: `+ rule "x": …`, `- rule "y": …`, `~ rule "z": threshold 1 → 2`,
    /// `+ role "r": N members`, `- role "r"`, `+ member M of role "r"`, `- member M of role "r"`.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.is_empty() {
            return writeln!(f, "no change to rules, roles or members (only the secrets are drawn anew)");
        }
        for (name, d) in &self.rules_added {
            writeln!(f, "+ rule {name:?}: {d}")?;
        }
        for (name, d) in &self.rules_removed {
            writeln!(f, "- rule {name:?}: {d}")?;
        }
        for (name, changes) in &self.rules_changed {
            writeln!(f, "~ rule {name:?}: {}", changes.join("; "))?;
        }
        let list = |m: &[Fr]| m.iter().map(fr_to_decimal).collect::<Vec<_>>().join(", ");
        for (role, members) in &self.roles_added {
            writeln!(f, "+ role {role:?}: {} member(s): {}", members.len(), list(members))?;
        }
        for (role, members) in &self.roles_removed {
            writeln!(f, "- role {role:?}: {} member(s): {}", members.len(), list(members))?;
        }
        for (role, members) in &self.members_added {
            for m in members {
                writeln!(f, "+ member {} of role {role:?}", fr_to_decimal(m))?;
            }
        }
        for (role, members) in &self.members_removed {
            for m in members {
                writeln!(f, "- member {} of role {role:?}", fr_to_decimal(m))?;
            }
        }
        Ok(())
    }
}

/// The changes between two versions of one rule, in words.
fn rule_changes(old: &Policy, a: &RuleSpec, new: &Policy, b: &RuleSpec) -> Vec<String> {
    let mut out = Vec::new();
    let mut field = |what: &str, x: String, y: String| {
        if x != y {
            out.push(format!("{what} {x} → {y}"));
        }
    };
    field("role", old.roles[a.role].name.clone(), new.roles[b.role].name.clone());
    field("threshold", a.threshold.to_string(), b.threshold.to_string());
    field("target", a.target.to_string(), b.target.to_string());
    field("function", a.function.to_string(), b.function.to_string());
    if a.max_value != b.max_value {
        out.push(format!("max_value {} → {}", a.max_value_written, b.max_value_written));
    }
    let show = |arg: &Option<super::ArgCondition>| arg.as_ref().map_or_else(|| "none".to_owned(), ToString::to_string);
    let same_arg = match (&a.arg, &b.arg) {
        (Some(x), Some(y)) => (x.word, x.op, x.reference) == (y.word, y.op, y.reference),
        (None, None) => true,
        _ => false,
    };
    if !same_arg {
        out.push(format!("args {} → {}", show(&a.arg), show(&b.arg)));
    }
    if a.delay != b.delay {
        out.push(format!("delay {} → {}", a.delay_written, b.delay_written));
    }
    out
}

/// What changed from `old` to `new`: rules by name, roles by name, members by role.
#[must_use]
pub fn diff(old: &Policy, new: &Policy) -> Diff {
    let mut d = Diff::default();
    for b in &new.rules {
        match old.rules.iter().find(|a| a.name == b.name) {
            None => d.rules_added.push((b.name.clone(), b.describe(new))),
            Some(a) => {
                let changes = rule_changes(old, a, new, b);
                if !changes.is_empty() {
                    d.rules_changed.push((b.name.clone(), changes));
                }
            }
        }
    }
    for a in &old.rules {
        if !new.rules.iter().any(|b| b.name == a.name) {
            d.rules_removed.push((a.name.clone(), a.describe(old)));
        }
    }
    for r in &new.roles {
        match old.roles.iter().find(|o| o.name == r.name) {
            None => d.roles_added.push((r.name.clone(), r.members.clone())),
            Some(o) => {
                let added: Vec<Fr> = r.members.iter().filter(|m| !o.members.contains(m)).copied().collect();
                let removed: Vec<Fr> = o.members.iter().filter(|m| !r.members.contains(m)).copied().collect();
                if !added.is_empty() {
                    d.members_added.push((r.name.clone(), added));
                }
                if !removed.is_empty() {
                    d.members_removed.push((r.name.clone(), removed));
                }
            }
        }
    }
    for o in &old.roles {
        if !new.roles.iter().any(|r| r.name == o.name) {
            d.roles_removed.push((o.name.clone(), o.members.clone()));
        }
    }
    d
}

/// The calldata of `setAuthRoot(uint256 newRoot)`.
#[must_use]
pub fn set_auth_root_call(new_root: Fr) -> Bytes {
    let root = U256::from_be_slice(&ark_ff::BigInteger::to_bytes_be(&ark_ff::PrimeField::into_bigint(new_root)));
    Bytes::from(sol::setAuthRootCall { newRoot: root }.abi_encode())
}

/// The intent that installs `new`'s auth root on the account: a call of the account itself
/// with value 0 and `setAuthRoot(newRoot)`, consuming `nonce`, valid in the window given.
#[must_use]
pub fn update_intent(new: &CompiledPolicy, nonce: U256, valid_after: u64, valid_until: u64) -> Intent {
    Intent {
        chain_id: new.chain_id(),
        account: new.account(),
        target: new.account(),
        value: U256::ZERO,
        data: set_auth_root_call(new.auth_root()),
        nonce,
        valid_after,
        valid_until,
    }
}

/// The rules of the current policy `old` that admit `intent` with a lead equal to their
/// own delay: name, threshold, role and delay (seconds), in file order. Empty when no rule
/// can authorize it.
#[must_use]
pub fn authorizing_rules(old: &CompiledPolicy, intent: &Intent) -> Vec<(String, usize, String, u64)> {
    let policy = old.policy();
    policy
        .rules
        .iter()
        .enumerate()
        .filter(|(i, spec)| {
            explain(old, intent, spec.delay).ok().is_some_and(|e| e.verdicts.get(*i).is_some_and(|v| v.outcome.is_ok()))
        })
        .map(|(_, spec)| (spec.name.clone(), spec.threshold, policy.roles[spec.role].name.clone(), spec.delay))
        .collect()
}
