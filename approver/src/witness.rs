//! Witnesses from what approvers hold: the one place where keys, sets, intents and signatures
//! become an [`ApprovalCircuit`](veil_circuits::approval::ApprovalCircuit) or a [`ThresholdCircuit`](veil_circuits::threshold::ThresholdCircuit) ([DESIGN §3][design]). `veil prove`,
//! `veil batch` and the on-chain scenarios all build their circuits here, so a refusal (a
//! non-member, another intent, the same signer twice) reads the same everywhere.
//!
//! The errors carry positions, not file names: callers know where each document came from
//! and name the file.
//!
//! [design]: https://github.com/veil-zk/veil/blob/main/DESIGN.md#3-statements

use ark_ff::Zero;
use thiserror::Error;
use veil_circuits::{
    approval::ApprovalCircuit,
    eddsa::{PrivateKey, SecretScalar},
    identity,
    threshold::{ThresholdCircuit, ThresholdError},
    CircuitError, Fr,
};

use crate::{
    intent::Intent,
    set::{ApproverSet, SetError},
    signature::SignedIntent,
};

/// Why the documents do not make a witness.
#[derive(Debug, Error)]
pub enum WitnessError {
    /// The approver's commitment is not a member of the set.
    #[error("the key's commitment is not a member of the set")]
    NotAMember,
    /// The key's secret scalar is 0: its public key is the identity, whose secret everybody
    /// knows, and the Approval circuit refuses it ([DESIGN §3.1 A7][design]).
    ///
    /// [design]: https://github.com/veil-zk/veil/blob/main/DESIGN.md#31-approval
    #[error("the key's secret scalar is 0, so its public key is the identity, which cannot approve")]
    ZeroSecret,
    /// The set has no members.
    #[error("the set is empty")]
    EmptySet,
    /// The set refused a Merkle proof.
    #[error(transparent)]
    Set(#[from] SetError),
    /// The set does not fit the circuit (deeper than its maximum depth).
    #[error("the set does not fit the key's depth {depth}: {source}")]
    Depth {
        /// The circuit's maximum depth.
        depth: usize,
        /// What the circuit refused.
        #[source]
        source: CircuitError,
    },
    /// A signature is on another intent.
    #[error("signature {index} signs another intent")]
    OtherIntent {
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
    /// A signer is not a member of the set.
    #[error("signature {index}: the signer is not a member of the set")]
    SignerNotAMember {
        /// The signature's position in the list given.
        index: usize,
    },
    /// The threshold asked for is 0 or more than the signatures given.
    #[error("threshold {k}: {signatures} valid signatures given")]
    Threshold {
        /// The threshold asked for.
        k: usize,
        /// The signatures given.
        signatures: usize,
    },
    /// The Threshold circuit refused the signers.
    #[error(transparent)]
    Circuit(#[from] ThresholdError),
}

/// The Approval witness ([DESIGN §3.1][design]) for the holder of `private`, a member of `set`,
/// approving `intent`; the nullifier's scope is `scope`, or the intent's field element (one
/// nullifier per member and intent, what `VeilAccount.approve` requires).
///
/// # Errors
/// [`WitnessError::ZeroSecret`] (whether or not the set contains the identity's commitment),
/// [`WitnessError::NotAMember`], [`WitnessError::Set`], [`WitnessError::Depth`].
///
/// [design]: https://github.com/veil-zk/veil/blob/main/DESIGN.md#31-approval
pub fn approval(
    private: &PrivateKey,
    set: &ApproverSet,
    intent: &Intent,
    scope: Option<Fr>,
    max_depth: usize,
) -> Result<ApprovalCircuit, WitnessError> {
    approval_for_secret(&private.secret_scalar(), set, intent, scope, max_depth)
}

/// [`approval`] from the secret scalar. A private key gives the secret 0 only if its hash
/// hits one value in 2²⁵¹, so the tests reach that refusal here.
fn approval_for_secret(
    secret: &SecretScalar,
    set: &ApproverSet,
    intent: &Intent,
    scope: Option<Fr>,
    max_depth: usize,
) -> Result<ApprovalCircuit, WitnessError> {
    if secret.expose().is_zero() {
        return Err(WitnessError::ZeroSecret);
    }
    let index = set.index_of(&identity::commitment(&secret.public_key())).ok_or(WitnessError::NotAMember)?;
    let proof = set.proof(index)?;
    let intent = intent.field_element();
    ApprovalCircuit::new(max_depth, secret, &proof, intent, scope.unwrap_or(intent))
        .map_err(|source| WitnessError::Depth { depth: max_depth, source })
}

/// The Threshold witness ([DESIGN §3.2][design]) that the signers of `signatures`, members of
/// `set`, signed the field element `intent` (of an intent, a user operation or a message:
/// [`Subject::field_element`](crate::signature::Subject::field_element)): refuses a signature on anything else, the same signer twice, a
/// non-member, and a threshold of 0 or above the signatures given. With more signatures
/// than `k` (default: all of them), the first k by commitment are used, so the same files
/// give the same witness in any order.
///
/// # Errors
/// [`WitnessError::EmptySet`], [`WitnessError::OtherIntent`], [`WitnessError::SameSigner`],
/// [`WitnessError::SignerNotAMember`], [`WitnessError::Threshold`], [`WitnessError::Set`],
/// [`WitnessError::Circuit`].
///
/// [design]: https://github.com/veil-zk/veil/blob/main/DESIGN.md#32-threshold
pub fn threshold(
    set: &ApproverSet,
    intent: Fr,
    signatures: &[SignedIntent],
    k: Option<usize>,
    max_depth: usize,
    k_max: usize,
) -> Result<ThresholdCircuit, WitnessError> {
    let intent_fe = intent;
    let root = set.root().ok_or(WitnessError::EmptySet)?;
    let mut signers = Vec::with_capacity(signatures.len());
    let mut seen = std::collections::HashMap::new();
    for (index, signed) in signatures.iter().enumerate() {
        if signed.subject.field_element() != intent_fe {
            return Err(WitnessError::OtherIntent { index });
        }
        let commitment = signed.commitment();
        if let Some(first) = seen.insert(commitment, index) {
            return Err(WitnessError::SameSigner { first, second: index });
        }
        let member = set.index_of(&commitment).ok_or(WitnessError::SignerNotAMember { index })?;
        signers.push((commitment, (signed.public_key, signed.signature, set.proof(member)?)));
    }
    let k = k.unwrap_or(signers.len());
    if k == 0 || k > signers.len() {
        return Err(WitnessError::Threshold { k, signatures: signers.len() });
    }
    signers.sort_by_key(|(c, _)| *c);
    let chosen: Vec<_> = signers.into_iter().take(k).map(|(_, s)| s).collect();
    Ok(ThresholdCircuit::new(max_depth, k_max, root, intent_fe, &chosen)?)
}

#[cfg(test)]
mod tests;
