//! The Policy witness from what an aggregator holds: the compiled policy, the intent, the
//! lead time it claims, and the signers' signature files. The rule is the first in file
//! order that admits the call and whose role these signatures reach in number; that choice
//! is the prover's alone (any admitting rule gives the same public inputs, and the proof
//! hides which one was used).

use std::{collections::HashMap, fmt};

use thiserror::Error;
use veil_circuits::policy::{CallFacts, GrantSigner, PolicyCircuit, PolicyError, PolicyShape};

use super::{
    compiled::CompiledPolicy,
    explain::{explain, ExplainError, Explanation},
};
use crate::{intent::Intent, signature::SignedIntent};

/// A Policy circuit ready to prove, and the rule it uses.
#[derive(Clone, Debug)]
pub struct PolicyWitness {
    /// The filled circuit.
    pub circuit: PolicyCircuit,
    /// The rule's index in file order.
    pub rule: usize,
    /// The rule's name.
    pub rule_name: String,
}

/// Why no rule admits the intent with these signatures: the explanation of the call, and
/// for each rule that admits the call, why its signers fall short.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct NoRule {
    /// The dry run's verdicts.
    pub explanation: Explanation,
    /// Per admitting rule (by name), the shortfall in words.
    pub shortfalls: Vec<(String, String)>,
}

impl fmt::Display for NoRule {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", self.explanation)?;
        for (name, why) in &self.shortfalls {
            writeln!(f, "{name}: {why}")?;
        }
        if self.explanation.refused.is_none() {
            writeln!(f, "no rule admits this call with these signatures")?;
        }
        Ok(())
    }
}

/// Why the documents do not make a Policy witness.
#[derive(Debug, Error)]
pub enum PolicyWitnessError {
    /// The compiled policy is for another shape than the proving key.
    #[error("the policy is compiled for {compiled}, the proving key is for {key}")]
    Shape {
        /// The compiled policy's.
        compiled: PolicyShape,
        /// The key's.
        key: PolicyShape,
    },
    /// The intent is for another account or chain than the policy.
    #[error(transparent)]
    Intent(#[from] ExplainError),
    /// A signature is on another intent.
    #[error("signature {index} signs another intent")]
    OtherIntent {
        /// The signature's position in the list given.
        index: usize,
    },
    /// A signature does not verify.
    #[error("signature {index} does not verify")]
    BadSignature {
        /// The signature's position in the list given.
        index: usize,
    },
    /// Two signatures are by the same key.
    #[error("signatures {first} and {second} are by the same signer")]
    SameSigner {
        /// The first one's position.
        first: usize,
        /// The second one's position.
        second: usize,
    },
    /// No rule admits the call with these signers (or the account refuses the call).
    #[error("no rule admits this call with these signatures")]
    NoRule(Box<NoRule>),
    /// The circuit refused the witness (a bug if the checks above passed).
    #[error(transparent)]
    Circuit(#[from] PolicyError),
}

/// The witness for `intent` under `compiled`, claiming the time-lock `lead` (seconds), from
/// `signatures`, for a key of `shape`.
///
/// Signatures by keys that hold no grant of a rule's role are passed over for that rule (a
/// treasury key's signature does not stop a trader rule); with more signers than the rule's
/// k, the k smallest commitments count, so the same files give the same witness in any order.
///
/// # Errors
/// [`PolicyWitnessError::Shape`], [`PolicyWitnessError::Intent`],
/// [`PolicyWitnessError::OtherIntent`], [`PolicyWitnessError::BadSignature`],
/// [`PolicyWitnessError::SameSigner`], [`PolicyWitnessError::NoRule`] (with the explanation).
pub fn witness(
    compiled: &CompiledPolicy,
    intent: &Intent,
    signatures: &[SignedIntent],
    lead: u64,
    shape: PolicyShape,
) -> Result<PolicyWitness, PolicyWitnessError> {
    if compiled.shape() != shape {
        return Err(PolicyWitnessError::Shape { compiled: compiled.shape(), key: shape });
    }
    let explanation = explain(compiled, intent, lead)?;
    let intent_fe = intent.field_element();
    let mut seen = HashMap::new();
    for (index, signed) in signatures.iter().enumerate() {
        if signed.subject.field_element() != intent_fe {
            return Err(PolicyWitnessError::OtherIntent { index });
        }
        if !signed.verifies() {
            return Err(PolicyWitnessError::BadSignature { index });
        }
        if let Some(first) = seen.insert(signed.commitment(), index) {
            return Err(PolicyWitnessError::SameSigner { first, second: index });
        }
    }
    let policy = compiled.policy();
    let mut shortfalls = Vec::new();
    if explanation.refused.is_none() {
        let value = u128::try_from(intent.value).expect("explain refuses values of 2^128 and above");
        let facts = CallFacts::new(intent.target.into_array(), policy.account.into_array(), value, &intent.data, lead)
            .expect("explain refuses calls without facts");
        for verdict in explanation.matching() {
            let spec = &policy.rules[verdict.rule];
            let signers: Vec<GrantSigner> = signatures
                .iter()
                .filter_map(|s| {
                    let (blind, proof) = compiled.grant(spec.role, s.commitment())?;
                    Some(GrantSigner { public_key: s.public_key, signature: s.signature, blind, proof })
                })
                .collect();
            if signers.len() < spec.threshold {
                let role = &policy.roles[spec.role];
                shortfalls.push((
                    verdict.name.clone(),
                    format!(
                        "admits the call but needs {} of {}; {} of the {} signatures given {} by its members",
                        spec.threshold,
                        role.name,
                        signers.len(),
                        signatures.len(),
                        if signers.len() == 1 { "is" } else { "are" }
                    ),
                ));
                continue;
            }
            let circuit = PolicyCircuit::new(
                shape,
                &compiled.rules()[verdict.rule],
                &compiled.rule_path(verdict.rule),
                compiled.grant_root(),
                intent_fe,
                &facts,
                &signers,
            )?;
            return Ok(PolicyWitness { circuit, rule: verdict.rule, rule_name: verdict.name.clone() });
        }
    }
    Err(PolicyWitnessError::NoRule(Box::new(NoRule { explanation, shortfalls })))
}
