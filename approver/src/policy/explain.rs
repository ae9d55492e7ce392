//! The dry run of an intent against a compiled policy: which rules admit its call (by name),
//! and for each rule that does not, why, in words. The verdicts are the circuit's native
//! twin ([`CallFacts::new`], [`Rule::check`](veil_circuits::policy::Rule::check)); signatures
//! are not looked at: a rule that admits the call still needs its k signers.

use std::fmt;

use alloy_primitives::{Address, U256};
use thiserror::Error;
use veil_circuits::policy::{arg_of, CallFacts, RuleViolation, CLAMP};

use super::{
    check::{op_symbol, ArgCondition, Function, RuleSpec, Target},
    compiled::CompiledPolicy,
    units::{format_duration, format_like},
};
use crate::intent::Intent;

/// An intent that is not for the policy's account.
#[derive(Debug, Error, PartialEq, Eq)]
pub enum ExplainError {
    /// Another account.
    #[error("the intent is for account {intent}, the policy for {policy}")]
    Account {
        /// The intent's.
        intent: Address,
        /// The policy's.
        policy: Address,
    },
    /// Another chain.
    #[error("the intent is for chain {intent}, the policy for chain {policy}")]
    Chain {
        /// The intent's.
        intent: u64,
        /// The policy's.
        policy: u64,
    },
}

/// One rule's verdict.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Verdict {
    /// The rule's index (file order).
    pub rule: usize,
    /// Its name.
    pub name: String,
    /// `Ok` when it admits the call; else the first clause that refuses it, and why in words.
    pub outcome: Result<(), (RuleViolation, String)>,
}

/// What a policy says of an intent.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Explanation {
    /// The call in one line.
    pub call: String,
    /// Why the account refuses the call before any rule (1–3 bytes of data, value ≥ 2^128).
    pub refused: Option<String>,
    /// Every rule's verdict, in file order (empty when `refused`).
    pub verdicts: Vec<Verdict>,
    /// A note on the time-lock, when the lead needs a later `validAfter`.
    pub note: Option<String>,
    /// Each admitting rule's signers, in words (`2 of treasury (3 members)`), by rule index.
    signers: Vec<(usize, String)>,
}

impl Explanation {
    /// The rules that admit the call, in file order.
    pub fn matching(&self) -> impl Iterator<Item = &Verdict> {
        self.verdicts.iter().filter(|v| v.outcome.is_ok())
    }

    /// Whether any rule admits the call.
    #[must_use]
    pub fn admitted(&self) -> bool {
        self.matching().next().is_some()
    }
}

impl fmt::Display for Explanation {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        writeln!(f, "call: {}", self.call)?;
        if let Some(r) = &self.refused {
            return writeln!(f, "the account refuses this call: {r}");
        }
        for v in &self.verdicts {
            match &v.outcome {
                Ok(()) => {
                    let signers = self.signers.iter().find(|(i, _)| *i == v.rule).map_or("", |(_, s)| s.as_str());
                    writeln!(f, "{}: admits the call ({signers})", v.name)?;
                }
                Err((_, why)) => writeln!(f, "{}: {why}", v.name)?,
            }
        }
        let matching: Vec<&str> = self.matching().map(|v| v.name.as_str()).collect();
        match matching.first() {
            None => writeln!(f, "no rule admits this call")?,
            Some(first) => {
                writeln!(f, "admitted by: {}", matching.join(", "))?;
                writeln!(f, "a proof uses the first of these in file order whose signers sign: {first}")?;
            }
        }
        if let Some(n) = &self.note {
            writeln!(f, "note: {n}")?;
        }
        Ok(())
    }
}

/// The call's facts as the words use them.
struct View {
    target: Address,
    to_self: bool,
    selector: Option<[u8; 4]>,
    value: U256,
    data: Vec<u8>,
    lead: u64,
}

/// Explains `intent` under `compiled` with the time-lock `lead` (seconds) the proof would
/// claim.
///
/// # Errors
/// [`ExplainError`] when the intent is for another account or chain.
pub fn explain(compiled: &CompiledPolicy, intent: &Intent, lead: u64) -> Result<Explanation, ExplainError> {
    let policy = compiled.policy();
    if intent.account != policy.account {
        return Err(ExplainError::Account { intent: intent.account, policy: policy.account });
    }
    if intent.chain_id != policy.chain_id {
        return Err(ExplainError::Chain { intent: intent.chain_id, policy: policy.chain_id });
    }
    let data = intent.data.to_vec();
    let view = View {
        target: intent.target,
        to_self: intent.target == policy.account,
        selector: data.get(..4).map(|s| [s[0], s[1], s[2], s[3]]),
        value: intent.value,
        data: data.clone(),
        lead,
    };
    let call = format!(
        "to {}, {}, value {}, lead {}",
        if view.to_self { format!("the account itself ({})", view.target) } else { view.target.to_string() },
        match (data.len(), view.selector) {
            (0, _) => "no data".to_owned(),
            (_, Some(s)) => format!("selector 0x{} ({} bytes of data)", hex::encode(s), data.len()),
            (n, None) => format!("{n} bytes of data"),
        },
        view.value,
        format_duration(lead)
    );
    let mut note = None;
    let refused = match u128::try_from(intent.value) {
        Err(_) => Some("the value is not below 2^128".to_owned()),
        Ok(value) => {
            match CallFacts::new(intent.target.into_array(), policy.account.into_array(), value, &data, lead) {
                None if (1..=3).contains(&data.len()) => {
                    Some(format!("{} bytes of data: a call has none, or at least a 4-byte selector", data.len()))
                }
                None => Some(format!("a lead of {lead} s is not below 2^40 seconds")),
                Some(facts) => {
                    if lead > 0 && intent.valid_after < lead {
                        note = Some(format!(
                        "with a lead of {}, the account queues the intent only if validAfter is at least the submission \
                         time plus the lead; this intent's validAfter is {}",
                        format_duration(lead),
                        intent.valid_after
                    ));
                    }
                    let verdicts = compiled
                        .rules()
                        .iter()
                        .zip(&policy.rules)
                        .enumerate()
                        .map(|(i, (rule, spec))| Verdict {
                            rule: i,
                            name: spec.name.clone(),
                            outcome: rule.check(&facts).map_err(|v| (v, why(spec, v, &view))),
                        })
                        .collect::<Vec<_>>();
                    let signers = verdicts
                        .iter()
                        .filter(|v| v.outcome.is_ok())
                        .map(|v| {
                            let spec = &policy.rules[v.rule];
                            let role = &policy.roles[spec.role];
                            (
                                v.rule,
                                format!("needs {} of {} ({} members)", spec.threshold, role.name, role.members.len()),
                            )
                        })
                        .collect();
                    return Ok(Explanation { call, refused: None, verdicts, note, signers });
                }
            }
        }
    };
    Ok(Explanation { call, refused, verdicts: Vec::new(), note, signers: Vec::new() })
}

/// A value in the scale of the amount it is compared with.
fn amount(value: U256, written: &str) -> String {
    if written.eq_ignore_ascii_case("unlimited") {
        value.to_string()
    } else {
        format_like(value, written)
    }
}

/// The argument word the condition reads, as the condition's type shows it.
fn show_arg(arg: &ArgCondition, word: U256) -> String {
    match arg.ty.as_deref() {
        Some("address") if word >> 160 == U256::ZERO => Address::from_word(word.to_be_bytes::<32>().into()).to_string(),
        Some("bool") if word <= U256::from(1u8) => (word == U256::from(1u8)).to_string(),
        Some(t) if t.starts_with("bytes") => format!("0x{}", hex::encode(word.to_be_bytes::<32>())),
        _ => format_like(word, &arg.written),
    }
}

/// Why `spec` refuses the call, in words.
fn why(spec: &RuleSpec, violation: RuleViolation, call: &View) -> String {
    let target = if call.to_self { "the account itself".to_owned() } else { call.target.to_string() };
    match violation {
        RuleViolation::Target => match spec.target {
            Target::Account => format!("target {target} is not the account itself (self)"),
            _ => format!("target {target} is not {}", spec.target),
        },
        RuleViolation::SelfTarget => {
            "target * never admits the account itself (only a rule with target = \"self\" does)".into()
        }
        RuleViolation::Selector => {
            let wanted = match &spec.function {
                Function::NoData => "a call with empty data".to_owned(),
                f => f.to_string(),
            };
            match call.selector {
                None => format!("the call has no data, the rule admits only {wanted}"),
                Some(s) => format!("selector 0x{} is not {wanted}", hex::encode(s)),
            }
        }
        RuleViolation::ValueOutOfRange => "the value is not below 2^128".into(),
        RuleViolation::ValueAboveMax => format!(
            "value {} > {}{}",
            amount(call.value, &spec.max_value_written),
            spec.max_value_written,
            if spec.max_value == 0 { " (the rule sends no value)" } else { "" }
        ),
        RuleViolation::ArgClamped
        | RuleViolation::ArgNotEqual
        | RuleViolation::ArgOutOfRange
        | RuleViolation::ArgAboveRef
        | RuleViolation::ArgBelowRef => {
            let Some(arg) = &spec.arg else { return violation.to_string() };
            let label = arg.label();
            let start = 4 + 32 * arg.word;
            let Some(bytes) = call.data.get(start..start + 32) else {
                return format!(
                    "{label}: the call has no argument word {} (its data is {} bytes)",
                    arg.word,
                    call.data.len()
                );
            };
            let word = U256::from_be_slice(bytes);
            let shown = show_arg(arg, word);
            match violation {
                RuleViolation::ArgClamped => {
                    debug_assert_eq!(arg_of(&call.data, arg.word), CLAMP);
                    format!("{label} {shown} is not below 2^253 − 1, so it reads as absent")
                }
                RuleViolation::ArgNotEqual => format!("{label} {shown} != {}", arg.written),
                RuleViolation::ArgOutOfRange => {
                    format!("{label} {shown} is not below 2^128 ({} compares 128-bit numbers)", op_symbol(arg.op))
                }
                RuleViolation::ArgAboveRef => format!("{label} {shown} > {}", arg.written),
                _ => format!("{label} {shown} < {}", arg.written),
            }
        }
        RuleViolation::LeadBelowDelay => format!(
            "delay {} > lead {} (prove with --lead {}: the account then queues the intent until its validAfter)",
            spec.delay_written,
            format_duration(call.lead),
            spec.delay_written
        ),
        other => other.to_string(),
    }
}
