//! The approver set ([DESIGN §2.6 Approver set][design]): a Lean IMT of identity commitments, with
//! the nouns of Semaphore's `Group` (`@semaphore-protocol/group`), and its file (`set.json`).
//!
//! A Semaphore v4 group with the same members in the same order has the same root (checked
//! against `tests/vectors/lean_imt.json`), so an existing group is a valid approver set.
//!
//! [design]: https://github.com/veil-zk/veil/blob/main/DESIGN.md

use std::{
    collections::HashMap,
    io,
    path::{Path, PathBuf},
};

use ark_ff::Zero;
use serde::{Deserialize, Serialize};
use thiserror::Error;
use veil_circuits::{
    field,
    lean_imt::{LeanImt, MerkleProof},
    Fr,
};

use crate::{document, intent::fr_to_decimal};

/// The `format` of an approver set file.
pub const FORMAT: &str = "veil-approver-set";
/// The `version` of the approver set file format this crate reads and writes.
pub const VERSION: u64 = 1;

/// A set of approvers: the Lean IMT of their identity commitments, as a Semaphore v4 group.
///
/// Members keep their index for life. Removing a member sets its leaf to 0, as Semaphore's
/// `removeMember`, so the indices of the others and the tree's size do not change; a removed
/// commitment may be added again, at a new index.
///
/// Like Semaphore's `Group`, the set refuses 0 as a member (it marks a removed one), and
/// like Semaphore's contract (`LeafAlreadyExists`) it refuses a commitment already present.
/// Duplicates would not make the circuits unsound (the Approval nullifier depends on the
/// secret alone, and the Threshold statement requires its enabled members to be pairwise
/// distinct keys), but they would make [`ApproverSet::index_of`] and
/// [`ApproverSet::remove_member`] ambiguous.
///
/// [design]: https://github.com/veil-zk/veil/blob/main/DESIGN.md
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct ApproverSet {
    tree: LeanImt,
}

/// Why a member operation or an approver set file was refused.
#[derive(Debug, Error)]
pub enum SetError {
    /// 0 cannot be a member: it is the leaf of a removed member.
    #[error("0 cannot be a member (a 0 leaf marks a removed member)")]
    ZeroMember,
    /// The commitment is already a member.
    #[error("{commitment} is already a member, at index {index}")]
    Duplicate {
        /// The commitment, decimal.
        commitment: String,
        /// Its index in the set.
        index: usize,
    },
    /// The commitment is not a member: never added, or removed.
    #[error("{commitment} is not a member (never added, or removed)")]
    NotMember {
        /// The commitment, decimal.
        commitment: String,
    },
    /// The member at this index has been removed.
    #[error("the member at index {index} has been removed")]
    Removed {
        /// The index.
        index: usize,
    },
    /// An index past the last member.
    #[error("index {index} is out of range for a set of {size} members")]
    IndexOutOfRange {
        /// The index asked for.
        index: usize,
        /// The set's size (removed members included).
        size: usize,
    },
    /// A field of a set file (`format`, `version`, `root`, `depth`) is wrong.
    #[error("{field}: {reason}")]
    Field {
        /// The JSON field.
        field: &'static str,
        /// What is wrong with it.
        reason: String,
    },
    /// A member of a set file is malformed, not below r, or a duplicate.
    #[error("members[{index}]: {reason}")]
    Member {
        /// Its position in `members`.
        index: usize,
        /// What is wrong with it.
        reason: String,
    },
    /// The file's root is not the root of its members.
    #[error("the file's root {recorded} does not match its members, whose root is {computed}")]
    RootMismatch {
        /// The recorded root, decimal or `null`.
        recorded: String,
        /// The root of the members, decimal or `null`.
        computed: String,
    },
    /// The set file could not be read.
    #[error("reading approver set file {}", path.display())]
    Read {
        /// The file.
        path: PathBuf,
        /// The I/O error.
        source: io::Error,
    },
    /// The set file is not JSON of the set file's shape.
    #[error("parsing approver set file {}", path.display())]
    Json {
        /// The file.
        path: PathBuf,
        /// `serde_json`'s error (with line and column).
        source: serde_json::Error,
    },
    /// The set file parsed but was refused.
    #[error("invalid approver set file {}", path.display())]
    Invalid {
        /// The file.
        path: PathBuf,
        /// Why: [`SetError::Field`], [`SetError::Member`] or [`SetError::RootMismatch`].
        source: Box<SetError>,
    },
    /// The set file could not be written.
    #[error("writing approver set file {}", path.display())]
    Write {
        /// The file.
        path: PathBuf,
        /// The I/O error.
        source: io::Error,
    },
}

impl ApproverSet {
    /// An empty set (no root).
    #[must_use]
    pub fn new() -> Self {
        Self { tree: LeanImt::new() }
    }

    /// A set of `members`, in order (Semaphore's `new Group(members)`, with `addMembers`' checks).
    ///
    /// # Errors
    /// [`SetError::ZeroMember`] or [`SetError::Duplicate`].
    pub fn from_members(members: impl IntoIterator<Item = Fr>) -> Result<Self, SetError> {
        let members: Vec<Fr> = members.into_iter().collect();
        let mut seen = HashMap::with_capacity(members.len());
        for (index, member) in members.iter().enumerate() {
            if member.is_zero() {
                return Err(SetError::ZeroMember);
            }
            if let Some(&first) = seen.get(member) {
                return Err(SetError::Duplicate { commitment: fr_to_decimal(member), index: first });
            }
            seen.insert(*member, index);
        }
        Ok(Self { tree: LeanImt::from_leaves(members) })
    }

    /// Adds a member at the end and returns its index (Semaphore's `addMember`).
    ///
    /// # Errors
    /// [`SetError::ZeroMember`] or [`SetError::Duplicate`]; the set is then unchanged.
    pub fn add_member(&mut self, commitment: Fr) -> Result<usize, SetError> {
        self.check_new(&commitment)?;
        self.tree.insert(commitment);
        Ok(self.size() - 1)
    }

    /// Replaces the member at `index` and returns the old commitment (Semaphore's `updateMember`).
    ///
    /// # Errors
    /// [`SetError::IndexOutOfRange`], [`SetError::Removed`], [`SetError::ZeroMember`] (remove
    /// members with [`ApproverSet::remove_member_at`]) or [`SetError::Duplicate`].
    pub fn update_member(&mut self, index: usize, commitment: Fr) -> Result<Fr, SetError> {
        let old = self.live_member(index)?;
        if old != commitment {
            self.check_new(&commitment)?;
        }
        self.tree.update(index, commitment).map_err(|_| self.out_of_range(index))?;
        Ok(old)
    }

    /// Removes a member by its commitment, setting its leaf to 0 (Semaphore's `removeMember`),
    /// and returns its index.
    ///
    /// # Errors
    /// [`SetError::ZeroMember`] for 0; [`SetError::NotMember`] for a commitment never added or
    /// already removed.
    pub fn remove_member(&mut self, commitment: Fr) -> Result<usize, SetError> {
        if commitment.is_zero() {
            return Err(SetError::ZeroMember);
        }
        let index =
            self.index_of(&commitment).ok_or_else(|| SetError::NotMember { commitment: fr_to_decimal(&commitment) })?;
        self.tree.remove(index).map_err(|_| self.out_of_range(index))?;
        Ok(index)
    }

    /// Removes the member at `index`, setting its leaf to 0 (Semaphore's `removeMember(index)`),
    /// and returns its commitment.
    ///
    /// # Errors
    /// [`SetError::IndexOutOfRange`] or [`SetError::Removed`].
    pub fn remove_member_at(&mut self, index: usize) -> Result<Fr, SetError> {
        let commitment = self.live_member(index)?;
        self.tree.remove(index).map_err(|_| self.out_of_range(index))?;
        Ok(commitment)
    }

    /// The index of a member, or `None` if it is not one. Unlike Semaphore's `indexOf`, 0 (a
    /// removed member's leaf) is never found.
    #[must_use]
    pub fn index_of(&self, commitment: &Fr) -> Option<usize> {
        if commitment.is_zero() {
            return None;
        }
        self.tree.index_of(commitment)
    }

    /// The root, or `None` for an empty set (Semaphore's `Group.root` gives 0 there).
    #[must_use]
    pub fn root(&self) -> Option<Fr> {
        self.tree.root()
    }

    /// The membership proof of the member at `index` (Semaphore's `generateMerkleProof`).
    ///
    /// # Errors
    /// [`SetError::IndexOutOfRange`], or [`SetError::Removed`]: a removed member has nothing to prove.
    pub fn proof(&self, index: usize) -> Result<MerkleProof, SetError> {
        self.live_member(index)?;
        self.tree.proof(index).map_err(|_| self.out_of_range(index))
    }

    /// The members in index order, removed ones as 0 (Semaphore's `members`).
    #[must_use]
    pub fn members(&self) -> &[Fr] {
        self.tree.leaves()
    }

    /// The number of leaves, removed members included (Semaphore's `size`).
    #[must_use]
    pub fn size(&self) -> usize {
        self.tree.size()
    }

    /// The tree's depth, `⌈log2(size)⌉` (Semaphore's `depth`). A proof needs a circuit whose
    /// maximum depth is at least this.
    #[must_use]
    pub fn depth(&self) -> usize {
        self.tree.depth()
    }

    /// The underlying Lean IMT.
    #[must_use]
    pub fn tree(&self) -> &LeanImt {
        &self.tree
    }

    /// Reads and validates an approver set file ([`SetFile`]): its format and version, every
    /// member, its depth, and its root against the root recomputed from the members.
    ///
    /// # Errors
    /// [`SetError::Read`], [`SetError::Json`], or [`SetError::Invalid`] (naming the file, with
    /// the refused field as its source).
    pub fn load(path: impl AsRef<Path>) -> Result<Self, SetError> {
        let path = path.as_ref();
        let text =
            std::fs::read_to_string(path).map_err(|source| SetError::Read { path: path.to_path_buf(), source })?;
        let invalid = |e: SetError| SetError::Invalid { path: path.to_path_buf(), source: Box::new(e) };
        // Check the header first, so another veil file is refused as such and not for its fields.
        let header: document::Header =
            serde_json::from_str(&text).map_err(|source| SetError::Json { path: path.to_path_buf(), source })?;
        header.check(&KIND).map_err(|e| invalid(SetError::Field { field: e.field, reason: e.reason }))?;
        let file: SetFile =
            serde_json::from_str(&text).map_err(|source| SetError::Json { path: path.to_path_buf(), source })?;
        Self::try_from(file).map_err(invalid)
    }

    /// Writes the approver set file ([`SetFile`]) atomically.
    ///
    /// # Errors
    /// [`SetError::Write`] naming the file.
    pub fn save(&self, path: impl AsRef<Path>) -> Result<(), SetError> {
        let path = path.as_ref();
        let write_error = |source: io::Error| SetError::Write { path: path.to_path_buf(), source };
        let mut bytes = serde_json::to_vec_pretty(&SetFile::from(self)).map_err(|e| write_error(e.into()))?;
        bytes.push(b'\n');
        veil_fs::write_atomic(path, &bytes, false).map_err(write_error)
    }

    /// Refuses 0 and a commitment already present.
    fn check_new(&self, commitment: &Fr) -> Result<(), SetError> {
        if commitment.is_zero() {
            return Err(SetError::ZeroMember);
        }
        match self.index_of(commitment) {
            Some(index) => Err(SetError::Duplicate { commitment: fr_to_decimal(commitment), index }),
            None => Ok(()),
        }
    }

    fn out_of_range(&self, index: usize) -> SetError {
        SetError::IndexOutOfRange { index, size: self.size() }
    }

    /// The member at `index`, refusing an index out of range or a removed member.
    fn live_member(&self, index: usize) -> Result<Fr, SetError> {
        let member = *self.members().get(index).ok_or_else(|| self.out_of_range(index))?;
        if member.is_zero() {
            return Err(SetError::Removed { index });
        }
        Ok(member)
    }
}

/// The approver set file, `set.json` (the wire form of [`ApproverSet`]).
///
/// ```json
/// {
///   "format": "veil-approver-set",
///   "version": 1,
///   "members": [
///     "16132384157991369308517580475464315526109419534405580666726355279518458992423",
///     "0",
///     "14042462785687855020849221673037240263277684598352520224076439364910050723619"
///   ],
///   "root": "15856488566237594513346579957954762974351753715758501091913557052031768943263",
///   "depth": 2
/// }
/// ```
///
/// `members` are the leaves in index order as canonical decimal strings below r (no sign, no
/// leading zero), removed members as `"0"`; no other member may repeat. `root` is the Lean
/// IMT root in decimal, `null` (required, not omitted) for an empty set; `depth` is
/// `⌈log2(members)⌉`. Both are redundant and checked on reading, so a file edited by hand
/// cannot silently change the root. Unknown fields are refused.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SetFile {
    /// Always [`FORMAT`] (`"veil-approver-set"`).
    pub format: String,
    /// Always [`VERSION`] (1).
    pub version: u64,
    /// The members (identity commitments) in index order, decimal; `"0"` for a removed one.
    pub members: Vec<String>,
    /// The root, decimal; `None` (`null`) for an empty set.
    #[serde(deserialize_with = "Option::deserialize")]
    pub root: Option<String>,
    /// The tree's depth.
    pub depth: usize,
}

impl From<&ApproverSet> for SetFile {
    fn from(set: &ApproverSet) -> Self {
        Self {
            format: FORMAT.to_owned(),
            version: VERSION,
            members: set.members().iter().map(fr_to_decimal).collect(),
            root: set.root().as_ref().map(fr_to_decimal),
            depth: set.depth(),
        }
    }
}

impl TryFrom<SetFile> for ApproverSet {
    type Error = SetError;

    /// Checks format and version, parses every member (refusing duplicates other than removed
    /// members' `"0"`), rebuilds the tree, and refuses a depth or root that differs from the
    /// rebuilt tree's.
    fn try_from(file: SetFile) -> Result<Self, SetError> {
        check_header(&file.format, file.version)?;
        let mut members = Vec::with_capacity(file.members.len());
        let mut seen = HashMap::with_capacity(file.members.len());
        for (index, s) in file.members.iter().enumerate() {
            let member = parse_fr(s).map_err(|reason| SetError::Member { index, reason })?;
            if !member.is_zero() {
                if let Some(first) = seen.insert(member, index) {
                    return Err(SetError::Member { index, reason: format!("duplicates members[{first}]") });
                }
            }
            members.push(member);
        }
        let recorded_root = match &file.root {
            Some(s) => Some(parse_fr(s).map_err(|reason| SetError::Field { field: "root", reason })?),
            None => None,
        };
        let set = Self { tree: LeanImt::from_leaves(members) };
        if file.depth != set.depth() {
            return Err(SetError::Field {
                field: "depth",
                reason: format!("is {} but {} members make a tree of depth {}", file.depth, set.size(), set.depth()),
            });
        }
        if recorded_root != set.root() {
            let show = |root: Option<Fr>| root.as_ref().map_or_else(|| "null".to_owned(), fr_to_decimal);
            return Err(SetError::RootMismatch { recorded: show(recorded_root), computed: show(set.root()) });
        }
        Ok(set)
    }
}

/// This file kind's header ([`document`]).
const KIND: document::Kind = document::Kind { format: FORMAT, version: VERSION, noun: "an approver set file" };

fn check_header(format: &str, version: u64) -> Result<(), SetError> {
    document::check(format, version, &KIND).map_err(|e| SetError::Field { field: e.field, reason: e.reason })
}

/// A canonical decimal field element below r ([`field::parse`]).
fn parse_fr(s: &str) -> Result<Fr, String> {
    field::parse::<Fr>(s).map_err(|e| e.to_string())
}

#[cfg(test)]
mod tests {
    use std::path::PathBuf;

    use serde_json::{json, Value};

    use super::*;

    /// `tests/vectors/lean_imt.json`, written by `scripts/gen-vectors.mjs` with @zk-kit/lean-imt
    /// and @semaphore-protocol/group.
    fn reference() -> Value {
        let path = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../tests/vectors/lean_imt.json");
        let text = std::fs::read_to_string(&path)
            .unwrap_or_else(|e| panic!("reading {}: {e} (run `node scripts/gen-vectors.mjs`)", path.display()));
        serde_json::from_str(&text).unwrap_or_else(|e| panic!("parsing {}: {e}", path.display()))
    }

    fn int(v: &Value) -> usize {
        v.as_u64().and_then(|n| usize::try_from(n).ok()).unwrap_or_else(|| panic!("expected an index, got {v}"))
    }

    fn fr(v: &Value) -> Fr {
        let s = v.as_str().unwrap_or_else(|| panic!("expected a decimal string, got {v}"));
        parse_fr(s).unwrap_or_else(|e| panic!("{e}"))
    }

    fn leaves(reference: &Value) -> Vec<Fr> {
        reference["leaves"].as_array().expect("leaves").iter().map(fr).collect()
    }

    fn sample() -> ApproverSet {
        let mut set = ApproverSet::from_members((1..=5u64).map(Fr::from)).unwrap();
        set.remove_member(Fr::from(2u64)).unwrap();
        set
    }

    /// The error `TryFrom<SetFile>` gives for the sample's file changed by `mutate`.
    fn refusal(mutate: impl FnOnce(&mut Value)) -> SetError {
        let mut json = serde_json::to_value(SetFile::from(&sample())).unwrap();
        mutate(&mut json);
        let file: SetFile = serde_json::from_value(json).expect("still the file's shape");
        ApproverSet::try_from(file).expect_err("the changed file must be refused")
    }

    #[test]
    fn roots_match_lean_imt_and_semaphore_group() {
        let reference = reference();
        let leaves = leaves(&reference);
        let mut one_by_one = ApproverSet::new();
        assert_eq!(one_by_one.root(), None);
        for (n, v) in reference["vectors"].as_array().unwrap().iter().enumerate() {
            let n = n + 1;
            assert_eq!(v["size"], n);
            assert_eq!(one_by_one.add_member(leaves[n - 1]).unwrap(), n - 1);
            let at_once = ApproverSet::from_members(leaves[..n].iter().copied()).unwrap();
            for set in [&one_by_one, &at_once] {
                assert_eq!(set.root(), Some(fr(&v["root"])), "size {n}");
                assert_eq!(set.root(), Some(fr(&v["group_root"])), "size {n}");
                assert_eq!(set.depth(), int(&v["depth"]), "size {n}");
                assert_eq!(set.size(), n);
            }
            for (i, p) in v["proofs"].as_array().unwrap().iter().enumerate() {
                let proof = at_once.proof(i).unwrap();
                assert_eq!(proof.siblings, p["siblings"].as_array().unwrap().iter().map(fr).collect::<Vec<_>>());
                assert_eq!(proof.index, p["index"].as_u64().unwrap());
                assert!(proof.verify());
            }
        }
    }

    #[test]
    fn member_operations_match_semaphore_group() {
        let reference = reference();
        let mut set = ApproverSet::from_members(leaves(&reference)).unwrap();
        for (k, op) in reference["ops"].as_array().unwrap().iter().enumerate() {
            let index = (!op["index"].is_null()).then(|| int(&op["index"]));
            match op["op"].as_str().unwrap() {
                "insert" => {
                    set.add_member(fr(&op["value"])).unwrap();
                }
                "update" => {
                    set.update_member(index.unwrap(), fr(&op["value"])).unwrap();
                }
                "remove" => {
                    // Half by commitment, half by index: the same leaf becomes 0.
                    let index = index.unwrap();
                    if k % 2 == 0 {
                        assert_eq!(set.remove_member(set.members()[index]).unwrap(), index);
                    } else {
                        set.remove_member_at(index).unwrap();
                    }
                }
                other => panic!("unknown op {other}"),
            }
            assert_eq!(set.root(), Some(fr(&op["root"])), "op {k}");
            assert_eq!(set.size(), int(&op["size"]), "op {k}");
            assert_eq!(set.depth(), int(&op["depth"]), "op {k}");
            let proof = set.proof(int(&op["proof_of"])).unwrap();
            assert_eq!(proof.siblings, op["proof"]["siblings"].as_array().unwrap().iter().map(fr).collect::<Vec<_>>());
        }
    }

    #[test]
    fn refuses_zero_duplicates_and_unknown_members() {
        let mut set = sample();
        let before = set.clone();
        assert!(matches!(set.add_member(Fr::zero()), Err(SetError::ZeroMember)));
        assert!(matches!(set.add_member(Fr::from(3u64)), Err(SetError::Duplicate { index: 2, .. })));
        assert!(matches!(set.remove_member(Fr::zero()), Err(SetError::ZeroMember)));
        assert!(matches!(set.remove_member(Fr::from(9u64)), Err(SetError::NotMember { .. })));
        // Already removed: not a member any more, by commitment; removed, by index.
        assert!(matches!(set.remove_member(Fr::from(2u64)), Err(SetError::NotMember { .. })));
        assert!(matches!(set.remove_member_at(1), Err(SetError::Removed { index: 1 })));
        assert!(matches!(set.remove_member_at(5), Err(SetError::IndexOutOfRange { index: 5, size: 5 })));
        assert!(matches!(set.update_member(1, Fr::from(9u64)), Err(SetError::Removed { index: 1 })));
        assert!(matches!(set.update_member(0, Fr::zero()), Err(SetError::ZeroMember)));
        assert!(matches!(set.update_member(0, Fr::from(4u64)), Err(SetError::Duplicate { index: 3, .. })));
        assert!(matches!(set.proof(1), Err(SetError::Removed { index: 1 })));
        assert!(matches!(set.proof(5), Err(SetError::IndexOutOfRange { index: 5, size: 5 })));
        assert_eq!(set, before, "refused operations change nothing");

        assert!(matches!(ApproverSet::from_members([Fr::from(1u64), Fr::zero()]), Err(SetError::ZeroMember)));
        let e = ApproverSet::from_members([7u64, 8, 7].map(Fr::from)).unwrap_err();
        assert!(matches!(&e, SetError::Duplicate { index: 0, commitment } if commitment == "7"), "{e:?}");
        assert_eq!(e.to_string(), "7 is already a member, at index 0");
    }

    #[test]
    fn removal_keeps_indices_and_allows_re_adding() {
        let mut set = sample();
        assert_eq!(set.members(), [1u64, 0, 3, 4, 5].map(Fr::from));
        assert_eq!(set.index_of(&Fr::from(2u64)), None);
        assert_eq!(set.index_of(&Fr::zero()), None, "0 is never a member");
        assert_eq!(set.index_of(&Fr::from(5u64)), Some(4));
        assert_eq!(set.size(), 5);
        let root = set.root().unwrap();
        for i in [0, 2, 3, 4] {
            let proof = set.proof(i).unwrap();
            assert!(proof.verify());
            assert_eq!(proof.root, root);
        }
        assert_eq!(set.add_member(Fr::from(2u64)).unwrap(), 5);
        assert_eq!(set.update_member(5, Fr::from(2u64)).unwrap(), Fr::from(2u64), "updating to itself is allowed");
        assert_eq!(set.update_member(5, Fr::from(6u64)).unwrap(), Fr::from(2u64));
        assert_eq!(set.remove_member_at(5).unwrap(), Fr::from(6u64));
        assert_eq!(set.members(), [1u64, 0, 3, 4, 5, 0].map(Fr::from));
        let rebuilt = LeanImt::from_leaves([1u64, 0, 3, 4, 5, 0].map(Fr::from));
        assert_eq!(set.root(), rebuilt.root());
    }

    #[test]
    fn file_round_trip() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("set.json");
        let reference = reference();
        for set in [
            ApproverSet::new(),
            ApproverSet::from_members([Fr::from(7u64)]).unwrap(),
            sample(),
            ApproverSet::from_members(leaves(&reference)).unwrap(),
        ] {
            set.save(&path).unwrap();
            assert_eq!(ApproverSet::load(&path).unwrap(), set);
        }
        assert_eq!(std::fs::read_dir(dir.path()).unwrap().count(), 1, "no temporary file left behind");

        let written: Value = serde_json::from_str(&std::fs::read_to_string(&path).unwrap()).unwrap();
        assert_eq!(written["root"], reference["vectors"][39]["root"]);
        assert_eq!(written["members"], reference["leaves"]);

        sample().save(&path).unwrap();
        let written: Value = serde_json::from_str(&std::fs::read_to_string(&path).unwrap()).unwrap();
        assert_eq!(
            written,
            json!({
                "format": "veil-approver-set",
                "version": 1,
                "members": ["1", "0", "3", "4", "5"],
                "root": fr_to_decimal(&sample().root().unwrap()),
                "depth": 3
            })
        );
        ApproverSet::new().save(&path).unwrap();
        let written: Value = serde_json::from_str(&std::fs::read_to_string(&path).unwrap()).unwrap();
        assert_eq!(
            written,
            json!({"format": "veil-approver-set", "version": 1, "members": [], "root": null, "depth": 0})
        );
    }

    #[test]
    fn refuses_malformed_members() {
        let r = "21888242871839275222246405745257275088548364400416034343698204186575808495617";
        for bad in ["01", "-1", "+1", "", " 1", "1_0", "0x1", "1e3", "1.0", r] {
            let e = refusal(|j| j["members"][3] = json!(bad));
            assert!(matches!(&e, SetError::Member { index: 3, .. }), "{bad:?}: {e:?}");
            assert!(e.to_string().starts_with("members[3]: "), "{e}");
        }
        let e = refusal(|j| j["members"][3] = json!(r));
        assert!(e.to_string().contains("not below the field modulus"), "{e}");
        let e = refusal(|j| j["members"][4] = json!("3"));
        assert_eq!(e.to_string(), "members[4]: duplicates members[2]");
    }

    #[test]
    fn refuses_a_root_or_depth_that_does_not_match_the_members() {
        let e = refusal(|j| j["members"][0] = json!("6"));
        assert!(matches!(e, SetError::RootMismatch { .. }), "{e:?}");
        assert!(e.to_string().starts_with("the file's root "), "{e}");
        assert!(e.to_string().contains("does not match its members"), "{e}");
        let e = refusal(|j| j["root"] = json!("1"));
        assert!(matches!(&e, SetError::RootMismatch { recorded, .. } if recorded == "1"), "{e:?}");
        let e = refusal(|j| j["root"] = Value::Null);
        assert!(matches!(&e, SetError::RootMismatch { recorded, .. } if recorded == "null"), "{e:?}");
        let e = refusal(|j| {
            j["members"] = json!([]);
            j["depth"] = json!(0);
        });
        assert!(matches!(&e, SetError::RootMismatch { computed, .. } if computed == "null"), "{e:?}");
        let e = refusal(|j| j["root"] = json!("01"));
        assert!(matches!(e, SetError::Field { field: "root", .. }), "{e:?}");
        let e = refusal(|j| j["depth"] = json!(2));
        assert!(matches!(e, SetError::Field { field: "depth", .. }), "{e:?}");
        // Removing a member changes the root: a file that hides a removal is refused.
        let e = refusal(|j| j["members"][1] = json!("2"));
        assert!(matches!(e, SetError::RootMismatch { .. }), "{e:?}");
    }

    #[test]
    fn refuses_another_format_or_version() {
        let e = refusal(|j| j["format"] = json!("veil-intent"));
        assert!(matches!(e, SetError::Field { field: "format", .. }), "{e:?}");
        let e = refusal(|j| j["version"] = json!(2));
        assert!(matches!(e, SetError::Field { field: "version", .. }), "{e:?}");
    }

    #[test]
    fn load_names_the_file() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("set.json");
        let invalid_source = |e: SetError| match e {
            SetError::Invalid { path: p, source } => {
                assert_eq!(p, path);
                *source
            }
            other => panic!("expected an invalid file, got {other:?}"),
        };

        let e = ApproverSet::load(&path).unwrap_err();
        assert!(matches!(&e, SetError::Read { path: p, .. } if *p == path), "{e:?}");
        assert_eq!(e.to_string(), format!("reading approver set file {}", path.display()));

        let write = |json: &Value| std::fs::write(&path, json.to_string()).unwrap();
        let good = serde_json::to_value(SetFile::from(&sample())).unwrap();
        std::fs::write(&path, "[1, 2").unwrap();
        assert!(matches!(ApproverSet::load(&path), Err(SetError::Json { .. })));
        let mut json = good.clone();
        json["members"][2] = json!(3);
        write(&json);
        assert!(matches!(ApproverSet::load(&path), Err(SetError::Json { .. })), "members are strings");
        let mut json = good.clone();
        json["threshold"] = json!(2);
        write(&json);
        let e = ApproverSet::load(&path).unwrap_err();
        assert!(
            matches!(&e, SetError::Json { source, .. } if source.to_string().contains("unknown field `threshold`"))
        );
        let mut json = good.clone();
        json.as_object_mut().unwrap().remove("root");
        write(&json);
        let e = ApproverSet::load(&path).unwrap_err();
        assert!(
            matches!(&e, SetError::Json { source, .. } if source.to_string().contains("missing field `root`")),
            "{e:?}"
        );

        let mut json = good.clone();
        json["members"][3] = json!("04");
        write(&json);
        let e = ApproverSet::load(&path).unwrap_err();
        assert_eq!(e.to_string(), format!("invalid approver set file {}", path.display()));
        assert!(matches!(invalid_source(e), SetError::Member { index: 3, .. }));

        let mut json = good.clone();
        json["root"] = json!("1");
        write(&json);
        assert!(matches!(invalid_source(ApproverSet::load(&path).unwrap_err()), SetError::RootMismatch { .. }));

        // Another veil file is refused for its format, before its fields.
        write(&json!({"format": "veil-intent", "version": 1, "chainId": 1}));
        let source = invalid_source(ApproverSet::load(&path).unwrap_err());
        assert!(matches!(source, SetError::Field { field: "format", .. }), "{source:?}");
        write(&json!({"format": "veil-approver-set", "version": 7}));
        let source = invalid_source(ApproverSet::load(&path).unwrap_err());
        assert!(matches!(source, SetError::Field { field: "version", .. }), "{source:?}");
    }

    #[test]
    fn save_names_the_file() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("missing").join("set.json");
        let e = sample().save(&path).unwrap_err();
        assert!(matches!(&e, SetError::Write { path: p, .. } if *p == path), "{e:?}");
    }
}
