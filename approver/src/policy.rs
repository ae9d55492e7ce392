//! Signing policies ([DESIGN §3.3 Policy][design]): the policy file people write (TOML, or the
//! same schema in JSON), its check, its compilation into the secret material a Policy proof
//! needs and the public auth root an account holds, the dry run of an intent against it, and
//! the diff and intent of an update.
//!
//! # The policy file
//!
//! ```toml
//! version = 1
//! account = "0x1111111111111111111111111111111111111111"  # the account (EIP-712 verifyingContract)
//! chain_id = 1
//! # depth = 20, k_max = 8, policy_depth = 6: the circuit's shape (these are the defaults)
//!
//! [[rule]]
//! name = "treasury-any"          # unique; for messages and diffs only, never on-chain
//! role = "treasury"
//! threshold = 2                  # distinct members of the role who must sign
//! target = "*"                   # an address, "*" (any contract but the account) or "self"
//! function = "*"                 # a signature, a selector "0x…", "*" (any) or "receive" (empty data)
//! max_value = "unlimited"        # wei: "1.5 ether", "50000e6", "unlimited" (2^128 − 1); default 0
//! delay = "48h"                  # the least time-lock: "30m", "2d", seconds; default 0
//!
//! [[rule]]
//! name = "margin-deposit"
//! role = "trader"
//! threshold = 1
//! target = "0x2222222222222222222222222222222222222222"
//! function = "deposit(uint256 amount)"
//! args = { amount = "<= 50000e6" }   # one condition on static word 0 or 1: ==, <=, >=
//!
//! [roles]                        # identity commitments, as `veil key show` prints them
//! treasury = ["3653…", "…", "…"]
//! trader = ["…"]
//! ```
//!
//! The same fields in JSON (`{"version": 1, "account": …, "rule": [{…}], "roles": {…}}`);
//! unknown fields are refused in both. Rules are allow-only: a call is authorized when any
//! rule admits it, so a rule with `effect = "deny"` (or `action = "block"`, `allow = false`,
//! `deny = true`) is refused, never dropped ([`DENY_EXPLANATION`](crate::policy::DENY_EXPLANATION)).
//!
//! A rule's `function` is resolved with alloy's parser ([`alloy_json_abi::Function::parse`])
//! to the keccak-256 selector of its canonical signature; an `args` condition is keyed by a
//! parameter's name (which must be a one-word static type at word 0 or 1 of the
//! arguments: `uintN`, `address`, `bool` or `bytesN`) or by the word's index, `0` or `1`.
//!
//! [`check`](crate::policy::check_str) refuses, each with its line and field: deny rules; threshold 0,
//! above the role's size or above K_MAX; constants out of the circuit's range (value ≥ 2^128,
//! delay ≥ 2^40, LE/GE constants ≥ 2^128, EQ constants ≥ CLAMP); duplicate rule names;
//! duplicate or empty roles and a member listed twice in a role; an unknown role; an
//! argument condition on a dynamic type or beyond word 1. It warns about `*`/`*` with no
//! delay, batching entry points (`multicall`, `multiSend`, `execTransaction`, `aggregate`…),
//! `self`/`*`, unused roles and a policy that no rule can update.
//!
//! [design]: https://github.com/veil-zk/veil/blob/main/DESIGN.md

use std::{io, path::Path};

mod check;
pub mod compiled;
pub mod explain;
mod file;
mod locate;
pub mod units;
pub mod update;
pub mod witness;

pub use check::{
    op_symbol, selector, ArgCondition, Diagnostic, Function, Policy, Role, RuleSpec, Severity, Target,
    DENY_EXPLANATION, SET_AUTH_ROOT,
};
pub use compiled::{AuthFile, CompileError, CompiledFile, CompiledPolicy, Entropy, Grant};
pub use file::{
    default_depth, default_k_max, default_policy_depth, Args, Format, Members, PolicyFile, Quantity, Roles, RuleSource,
    VERSION,
};
pub use locate::{FieldPath, Position, Seg};
pub use witness::{witness, NoRule, PolicyWitness, PolicyWitnessError};

/// A checked policy file: the file as parsed, the policy when there is no error, and every
/// finding (errors and warnings, in file order).
#[derive(Clone, Debug)]
pub struct Checked {
    /// The file, when it parsed.
    pub file: Option<PolicyFile>,
    /// The policy, when nothing is an error.
    pub policy: Option<Policy>,
    /// Errors and warnings, each with its field and (for a file) its line.
    pub diagnostics: Vec<Diagnostic>,
}

impl Checked {
    /// The errors.
    pub fn errors(&self) -> impl Iterator<Item = &Diagnostic> {
        self.diagnostics.iter().filter(|d| d.is_error())
    }

    /// The warnings.
    pub fn warnings(&self) -> impl Iterator<Item = &Diagnostic> {
        self.diagnostics.iter().filter(|d| !d.is_error())
    }
}

/// Parses and checks a policy file's text.
#[must_use]
pub fn check_str(text: &str, format: Format) -> Checked {
    let (parsed, map) = file::parse(text, format);
    match parsed {
        Err(d) => Checked { file: None, policy: None, diagnostics: vec![d] },
        Ok(file) => {
            let (policy, diagnostics) = check::check(&file, &map);
            Checked { file: Some(file), policy, diagnostics }
        }
    }
}

/// Reads, parses and checks a policy file (TOML or JSON by extension, else by content).
///
/// # Errors
/// The I/O error of reading it.
pub fn check_path(path: &Path) -> io::Result<Checked> {
    let text = std::fs::read_to_string(path)?;
    Ok(check_str(&text, Format::detect(path, &text)))
}

/// Checks a policy file already parsed (one read back from a compiled file): findings
/// carry fields but no lines.
#[must_use]
pub fn check_file(file: &PolicyFile) -> Checked {
    let (policy, diagnostics) = check::check(file, &locate::SourceMap::none());
    Checked { file: Some(file.clone()), policy, diagnostics }
}

#[cfg(test)]
mod tests;

/// The derivatives desk, the README's worked example, as a policy file (TOML): treasury 2
/// of 3 for any call after 48 h; the trader deposits and withdraws up to 50,000 (6-decimal
/// units) on the margin contract at once; the liquidator calls only `liquidate` on the
/// pool; all 3 treasury keys and 48 h to change the policy. The fixture's account, margin
/// contract (0x22…) and pool (0x33…) are placeholders: [`desk_example`] fills in real ones.
pub const DESK: &str = include_str!("policy/desk.toml");

/// [`DESK`] for `account` on `chain_id`, with the margin contract `margin`, the pool `pool`,
/// the circuit shape `shape`, and the members (identity commitments) of its three roles.
///
/// # Panics
/// Never: the fixture holds each placeholder it replaces.
#[must_use]
pub fn desk_example(
    chain_id: u64,
    [account, margin, pool]: [alloy_primitives::Address; 3],
    shape: veil_circuits::policy::PolicyShape,
    [treasury, trader, liquidator]: [&[veil_circuits::Fr]; 3],
) -> String {
    let address = |a: alloy_primitives::Address| format!("\"0x{}\"", hex::encode(a));
    let members = |m: &[veil_circuits::Fr]| {
        m.iter().map(|c| format!("\"{}\"", veil_circuits::field::to_decimal(c))).collect::<Vec<_>>().join(", ")
    };
    let roles = DESK.find("[roles]").expect("the desk has roles");
    DESK[..roles]
        .replace(&address(alloy_primitives::Address::repeat_byte(0x11)), &address(account))
        .replace(&address(alloy_primitives::Address::repeat_byte(0x22)), &address(margin))
        .replace(&address(alloy_primitives::Address::repeat_byte(0x33)), &address(pool))
        .replace("chain_id = 1\n", &format!("chain_id = {chain_id}\n"))
        .replace("depth = 20\n", &format!("depth = {}\n", shape.max_depth))
        .replace("k_max = 8\n", &format!("k_max = {}\n", shape.k_max))
        .replace("policy_depth = 6\n", &format!("policy_depth = {}\n", shape.policy_depth))
        + &format!(
            "[roles]\ntreasury = [{}]\ntrader = [{}]\nliquidator = [{}]\n",
            members(treasury),
            members(trader),
            members(liquidator)
        )
}
