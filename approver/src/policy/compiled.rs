//! A compiled policy: the secret material a Policy proof needs (role ids, grant blinds, rule
//! salts, the policy tree's padding), the trees built from it, and the public auth root;
//! its secret file `policy.compiled.json` and its public file `auth.json`.

use std::{
    fmt, io,
    path::{Path, PathBuf},
};

use alloy_primitives::Address;
use ark_ff::{BigInteger, PrimeField, UniformRand, Zero};
use rand::{rngs::OsRng, CryptoRng, RngCore, SeedableRng};
use rand_chacha::ChaCha20Rng;
use serde::{Deserialize, Serialize};
use thiserror::Error;
use veil_circuits::{
    field,
    lean_imt::{LeanImt, MerkleProof},
    policy::{auth_root, grant_leaf, PolicyShape, PolicyTree, Rule, RulePath},
    Fr,
};

use super::{check_file, Diagnostic, Policy, PolicyFile};
use crate::{document, intent::fr_to_decimal};

/// The `format` of a compiled policy file.
pub const FORMAT: &str = "veil-policy-compiled";
/// The `format` of an auth file.
pub const AUTH_FORMAT: &str = "veil-policy-auth";
/// The `version` of both.
pub const VERSION: u64 = 1;
/// The compiled file's name in an output directory.
pub const COMPILED_FILE: &str = "policy.compiled.json";
/// The auth file's name in an output directory.
pub const AUTH_FILE: &str = "auth.json";

const KIND: document::Kind = document::Kind { format: FORMAT, version: VERSION, noun: "a compiled policy file" };
const AUTH_KIND: document::Kind = document::Kind { format: AUTH_FORMAT, version: VERSION, noun: "a policy auth file" };

/// Where the secrets come from.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Entropy {
    /// The operating system's generator.
    Os,
    /// ChaCha20 seeded with this number: reproducible, so **not secret**; for tests only
    /// (the files written say so).
    InsecureSeed(u64),
}

/// One grant: a member of a role, with its blind.
#[derive(Clone, PartialEq, Eq)]
pub struct Grant {
    /// The role, by position in [`Policy::roles`].
    pub role: usize,
    /// The member's identity commitment.
    pub member: Fr,
    /// The grant's blind.
    pub blind: Fr,
}

impl fmt::Debug for Grant {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Grant").field("role", &self.role).field("member", &self.member).finish_non_exhaustive()
    }
}

/// A policy with its secrets and trees. `Debug` prints no secret.
#[derive(Clone)]
pub struct CompiledPolicy {
    policy: Policy,
    source: PolicyFile,
    insecure_seed: bool,
    role_ids: Vec<Fr>,
    grants: Vec<Grant>,
    grant_tree: LeanImt,
    rules: Vec<Rule>,
    tree: PolicyTree,
}

impl fmt::Debug for CompiledPolicy {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("CompiledPolicy")
            .field("account", &self.policy.account)
            .field("chain_id", &self.policy.chain_id)
            .field("shape", &self.policy.shape)
            .field("auth_root", &self.auth_root())
            .finish_non_exhaustive()
    }
}

/// Why a policy could not be compiled, or a compiled or auth file was refused.
#[derive(Debug, Error)]
pub enum CompileError {
    /// The policy has errors.
    #[error("the policy has {} error(s): {}", .0.len(), .0.iter().map(ToString::to_string).collect::<Vec<_>>().join("; "))]
    Policy(Vec<Diagnostic>),
    /// A field of a compiled or auth file is wrong.
    #[error("{field}: {reason}")]
    Field {
        /// The JSON field.
        field: String,
        /// What is wrong.
        reason: String,
    },
    /// A file exists and `force` was not given.
    #[error("{} exists (pass --force to replace it)", .0.display())]
    Exists(PathBuf),
    /// Reading a file failed.
    #[error("reading {}", path.display())]
    Read {
        /// The file.
        path: PathBuf,
        /// The I/O error.
        source: io::Error,
    },
    /// A file is not JSON of its shape.
    #[error("parsing {}", path.display())]
    Json {
        /// The file.
        path: PathBuf,
        /// serde_json's error (with line and column).
        source: serde_json::Error,
    },
    /// A file parsed but was refused.
    #[error("invalid {}", path.display())]
    Invalid {
        /// The file.
        path: PathBuf,
        /// Why.
        source: Box<CompileError>,
    },
    /// Writing a file failed.
    #[error("writing {}", path.display())]
    Write {
        /// The file.
        path: PathBuf,
        /// The I/O error.
        source: io::Error,
    },
}

impl CompileError {
    /// Whether the error is the input's (a refused policy or file, an existing output),
    /// rather than the machine's (I/O).
    #[must_use]
    pub fn is_bad_input(&self) -> bool {
        !matches!(self, Self::Read { .. } | Self::Write { .. })
    }
}

fn field_error(field: impl Into<String>, reason: impl Into<String>) -> CompileError {
    CompileError::Field { field: field.into(), reason: reason.into() }
}

/// Draws a 128-bit role id (never 0).
fn role_id<R: RngCore>(rng: &mut R) -> Fr {
    loop {
        let id = (u128::from(rng.next_u64()) << 64) | u128::from(rng.next_u64());
        if id != 0 {
            return Fr::from(id);
        }
    }
}

impl CompiledPolicy {
    /// Compiles a checked policy file: draws the role ids (128 bits each, in role order),
    /// the grant blinds (in grant order: role by role, members in order), the rule salts
    /// (in rule order) and the padding leaves from `entropy`; builds the grant tree (a
    /// Lean IMT of `Poseidon(idc, roleId, blind)`), the policy tree (the rules' leaves in
    /// file order, then the padding) and `authRoot = Poseidon(grantRoot, policyRoot)`.
    ///
    /// # Errors
    /// [`CompileError::Policy`] with the file's errors.
    pub fn compile(source: &PolicyFile, entropy: Entropy) -> Result<Self, CompileError> {
        match entropy {
            Entropy::Os => Self::compile_with(source, &mut OsRng, false),
            Entropy::InsecureSeed(seed) => Self::compile_with(source, &mut ChaCha20Rng::seed_from_u64(seed), true),
        }
    }

    fn compile_with<R: RngCore + CryptoRng>(
        source: &PolicyFile,
        rng: &mut R,
        insecure_seed: bool,
    ) -> Result<Self, CompileError> {
        let checked = check_file(source);
        let Some(policy) = checked.policy else {
            return Err(CompileError::Policy(checked.errors().cloned().collect()));
        };
        let mut role_ids: Vec<Fr> = Vec::with_capacity(policy.roles.len());
        while role_ids.len() < policy.roles.len() {
            let id = role_id(rng);
            if !role_ids.contains(&id) {
                role_ids.push(id);
            }
        }
        let grants: Vec<Grant> = policy
            .roles
            .iter()
            .enumerate()
            .flat_map(|(role, r)| r.members.iter().map(move |m| (role, *m)))
            .map(|(role, member)| Grant { role, member, blind: Fr::rand(rng) })
            .collect();
        let rules: Vec<Rule> =
            policy.rules.iter().map(|spec| spec.to_rule(role_ids[spec.role], Fr::rand(rng))).collect();
        let leaves: Vec<Fr> = rules.iter().map(Rule::leaf).collect();
        let tree = PolicyTree::padded(policy.shape.policy_depth, &leaves, rng)
            .map_err(|e| field_error("rule", e.to_string()))?;
        Self::assemble(policy, source.clone(), insecure_seed, role_ids, grants, rules, tree)
    }

    fn assemble(
        policy: Policy,
        source: PolicyFile,
        insecure_seed: bool,
        role_ids: Vec<Fr>,
        grants: Vec<Grant>,
        rules: Vec<Rule>,
        tree: PolicyTree,
    ) -> Result<Self, CompileError> {
        let grant_tree = LeanImt::from_leaves(grants.iter().map(|g| grant_leaf(g.member, role_ids[g.role], g.blind)));
        if grant_tree.depth() > policy.shape.max_depth {
            return Err(field_error(
                "grants",
                format!(
                    "{} grants make a tree of depth {}, above {}",
                    grants.len(),
                    grant_tree.depth(),
                    policy.shape.max_depth
                ),
            ));
        }
        Ok(Self { policy, source, insecure_seed, role_ids, grants, grant_tree, rules, tree })
    }

    /// The checked policy.
    #[must_use]
    pub fn policy(&self) -> &Policy {
        &self.policy
    }

    /// The policy file it was compiled from (as parsed).
    #[must_use]
    pub fn source(&self) -> &PolicyFile {
        &self.source
    }

    /// Whether its secrets came from [`Entropy::InsecureSeed`].
    #[must_use]
    pub fn is_insecure(&self) -> bool {
        self.insecure_seed
    }

    /// The account.
    #[must_use]
    pub fn account(&self) -> Address {
        self.policy.account
    }

    /// The chain id.
    #[must_use]
    pub fn chain_id(&self) -> u64 {
        self.policy.chain_id
    }

    /// The circuit's shape.
    #[must_use]
    pub fn shape(&self) -> PolicyShape {
        self.policy.shape
    }

    /// The grant tree's root (grants are never empty in a checked policy).
    #[must_use]
    pub fn grant_root(&self) -> Fr {
        self.grant_tree.root().expect("a checked policy has grants")
    }

    /// The policy tree's root.
    #[must_use]
    pub fn policy_root(&self) -> Fr {
        self.tree.root()
    }

    /// `authRoot = Poseidon(grantRoot, policyRoot)`: the root the account holds.
    #[must_use]
    pub fn auth_root(&self) -> Fr {
        auth_root(self.grant_root(), self.policy_root())
    }

    /// The role ids, by role.
    #[must_use]
    pub fn role_ids(&self) -> &[Fr] {
        &self.role_ids
    }

    /// The grants, in the grant tree's order.
    #[must_use]
    pub fn grants(&self) -> &[Grant] {
        &self.grants
    }

    /// The grant tree.
    #[must_use]
    pub fn grant_tree(&self) -> &LeanImt {
        &self.grant_tree
    }

    /// The rules' leaf fields, in file order (the rule at index i is leaf i of the policy tree).
    #[must_use]
    pub fn rules(&self) -> &[Rule] {
        &self.rules
    }

    /// The policy tree.
    #[must_use]
    pub fn policy_tree(&self) -> &PolicyTree {
        &self.tree
    }

    /// The path of rule `index` in the policy tree.
    ///
    /// # Panics
    /// When `index` is not a rule's.
    #[must_use]
    pub fn rule_path(&self, index: usize) -> RulePath {
        assert!(index < self.rules.len(), "rule {index} of {}", self.rules.len());
        self.tree.path(index).expect("a rule's leaf is in the tree")
    }

    /// The grant of `member` in `role`: its blind and membership proof in the grant tree.
    #[must_use]
    pub fn grant(&self, role: usize, member: Fr) -> Option<(Fr, MerkleProof)> {
        let index = self.grants.iter().position(|g| g.role == role && g.member == member)?;
        let proof = self.grant_tree.proof(index).ok()?;
        Some((self.grants[index].blind, proof))
    }

    /// The public auth file.
    #[must_use]
    pub fn auth_file(&self) -> AuthFile {
        AuthFile {
            format: AUTH_FORMAT.to_owned(),
            version: VERSION,
            insecure_seed: self.insecure_seed,
            chain_id: self.policy.chain_id,
            account: self.policy.account.to_checksum(None),
            auth_root: fr_to_decimal(&self.auth_root()),
            depth: self.policy.shape.max_depth,
            k_max: self.policy.shape.k_max,
            policy_depth: self.policy.shape.policy_depth,
        }
    }

    /// The compiled file (secret).
    #[must_use]
    pub fn to_file(&self) -> CompiledFile {
        let d = fr_to_decimal;
        let n = self.rules.len();
        CompiledFile {
            format: FORMAT.to_owned(),
            version: VERSION,
            insecure_seed: self.insecure_seed,
            policy: self.source.clone(),
            auth_root: d(&self.auth_root()),
            grant_root: d(&self.grant_root()),
            policy_root: d(&self.policy_root()),
            roles: self
                .policy
                .roles
                .iter()
                .zip(&self.role_ids)
                .map(|(r, id)| CompiledRole { name: r.name.clone(), id: d(id) })
                .collect(),
            grants: self
                .grants
                .iter()
                .enumerate()
                .map(|(index, g)| CompiledGrant {
                    index,
                    role: self.policy.roles[g.role].name.clone(),
                    member: d(&g.member),
                    blind: d(&g.blind),
                    leaf: d(&self.grant_tree.leaves()[index]),
                })
                .collect(),
            rules: self
                .rules
                .iter()
                .zip(&self.policy.rules)
                .enumerate()
                .map(|(index, (rule, spec))| CompiledRule {
                    index,
                    name: spec.name.clone(),
                    fields: RuleFields::from(rule),
                    leaf: d(&rule.leaf()),
                })
                .collect(),
            padding: self.tree.leaves()[n..].iter().map(d).collect(),
        }
    }

    /// Reads a compiled file back, recomputing and checking everything: the embedded policy
    /// (it must have no error), each role id (below 2^128, distinct), each grant and its
    /// leaf, each rule's fields against the policy's rule under its role id and salt, the
    /// padding's count, the three roots.
    ///
    /// # Errors
    /// [`CompileError::Field`] or [`CompileError::Policy`] naming what is wrong.
    pub fn from_file(file: &CompiledFile) -> Result<Self, CompileError> {
        document::check(&file.format, file.version, &KIND).map_err(|e| field_error(e.field, e.reason))?;
        let checked = check_file(&file.policy);
        let Some(policy) = checked.policy else {
            return Err(CompileError::Policy(checked.errors().cloned().collect()));
        };
        let parse = |what: String, s: &str| field::parse::<Fr>(s).map_err(|e| field_error(what, e.to_string()));
        if file.roles.len() != policy.roles.len() {
            return Err(field_error(
                "roles",
                format!("{} roles, the policy has {}", file.roles.len(), policy.roles.len()),
            ));
        }
        let mut role_ids = Vec::with_capacity(file.roles.len());
        for (i, (r, role)) in file.roles.iter().zip(&policy.roles).enumerate() {
            if r.name != role.name {
                return Err(field_error(
                    format!("roles[{i}].name"),
                    format!("{:?}, the policy's role {i} is {:?}", r.name, role.name),
                ));
            }
            let id = parse(format!("roles[{i}].id"), &r.id)?;
            if id.is_zero() || id.into_bigint().num_bits() > 128 || role_ids.contains(&id) {
                return Err(field_error(format!("roles[{i}].id"), "not a distinct nonzero 128-bit role id"));
            }
            role_ids.push(id);
        }
        let expected: Vec<(usize, Fr)> =
            policy.roles.iter().enumerate().flat_map(|(role, r)| r.members.iter().map(move |m| (role, *m))).collect();
        if file.grants.len() != expected.len() {
            return Err(field_error(
                "grants",
                format!("{} grants, the policy's roles give {}", file.grants.len(), expected.len()),
            ));
        }
        let mut grants = Vec::with_capacity(expected.len());
        for (i, (g, (role, member))) in file.grants.iter().zip(&expected).enumerate() {
            let at = |f: &str| format!("grants[{i}].{f}");
            if g.index != i || g.role != policy.roles[*role].name || parse(at("member"), &g.member)? != *member {
                return Err(field_error(
                    format!("grants[{i}]"),
                    "not the policy's grant at this index (roles in order, members in order)",
                ));
            }
            let blind = parse(at("blind"), &g.blind)?;
            if parse(at("leaf"), &g.leaf)? != grant_leaf(*member, role_ids[*role], blind) {
                return Err(field_error(at("leaf"), "is not Poseidon(member, role id, blind)"));
            }
            grants.push(Grant { role: *role, member: *member, blind });
        }
        if file.rules.len() != policy.rules.len() {
            return Err(field_error(
                "rules",
                format!("{} rules, the policy has {}", file.rules.len(), policy.rules.len()),
            ));
        }
        let mut rules = Vec::with_capacity(file.rules.len());
        for (i, (r, spec)) in file.rules.iter().zip(&policy.rules).enumerate() {
            let at = |f: &str| format!("rules[{i}].{f}");
            if r.index != i || r.name != spec.name {
                return Err(field_error(format!("rules[{i}]"), format!("not the policy's rule {i} ({:?})", spec.name)));
            }
            let salt = parse(at("fields.salt"), &r.fields.salt)?;
            let rule = spec.to_rule(role_ids[spec.role], salt);
            if RuleFields::from(&rule) != r.fields {
                return Err(field_error(
                    at("fields"),
                    format!("do not match rule {:?} of the policy under its role id and salt", spec.name),
                ));
            }
            if parse(at("leaf"), &r.leaf)? != rule.leaf() {
                return Err(field_error(at("leaf"), "is not the Poseidon hash of the fields"));
            }
            rules.push(rule);
        }
        let slots = 1usize << policy.shape.policy_depth;
        if file.padding.len() != slots - rules.len() {
            return Err(field_error(
                "padding",
                format!(
                    "{} leaves; {} rules in a tree of {slots} need {}",
                    file.padding.len(),
                    rules.len(),
                    slots - rules.len()
                ),
            ));
        }
        let mut leaves: Vec<Fr> = rules.iter().map(Rule::leaf).collect();
        for (i, p) in file.padding.iter().enumerate() {
            leaves.push(parse(format!("padding[{i}]"), p)?);
        }
        let tree = PolicyTree::from_leaves(policy.shape.policy_depth, leaves)
            .map_err(|e| field_error("padding", e.to_string()))?;
        let compiled = Self::assemble(policy, file.policy.clone(), file.insecure_seed, role_ids, grants, rules, tree)?;
        for (name, recorded, computed) in [
            ("grant_root", &file.grant_root, compiled.grant_root()),
            ("policy_root", &file.policy_root, compiled.policy_root()),
            ("auth_root", &file.auth_root, compiled.auth_root()),
        ] {
            if parse(name.to_owned(), recorded)? != computed {
                return Err(field_error(
                    name,
                    format!("{recorded} is not the root of the file's contents ({})", fr_to_decimal(&computed)),
                ));
            }
        }
        Ok(compiled)
    }

    /// Reads and checks a compiled file.
    ///
    /// # Errors
    /// [`CompileError::Read`], [`CompileError::Json`] or [`CompileError::Invalid`].
    pub fn load(path: &Path) -> Result<Self, CompileError> {
        let file: CompiledFile = read_document(path, &KIND)?;
        Self::from_file(&file).map_err(|e| invalid(path, e))
    }

    /// Writes `DIR/policy.compiled.json` (mode 0600) and `DIR/auth.json`, each atomically,
    /// creating `dir`; refuses to replace either unless `force`. Returns both paths.
    ///
    /// # Errors
    /// [`CompileError::Exists`] (nothing written), [`CompileError::Write`].
    pub fn save(&self, dir: &Path, force: bool) -> Result<(PathBuf, PathBuf), CompileError> {
        let compiled = dir.join(COMPILED_FILE);
        let auth = dir.join(AUTH_FILE);
        if !force {
            for p in [&compiled, &auth] {
                if p.exists() {
                    return Err(CompileError::Exists(p.clone()));
                }
            }
        }
        std::fs::create_dir_all(dir).map_err(|source| CompileError::Write { path: dir.to_path_buf(), source })?;
        write_json(&compiled, &self.to_file(), true, force)?;
        write_json(&auth, &self.auth_file(), false, force)?;
        Ok((compiled, auth))
    }
}

fn write_json<T: Serialize>(path: &Path, value: &T, private: bool, force: bool) -> Result<(), CompileError> {
    let write_error = |source: io::Error| CompileError::Write { path: path.to_path_buf(), source };
    let mut bytes = serde_json::to_vec_pretty(value).map_err(|e| write_error(e.into()))?;
    bytes.push(b'\n');
    let written = if force {
        veil_fs::write_atomic(path, &bytes, private)
    } else {
        veil_fs::write_new_atomic(path, &bytes, private)
    };
    written.map_err(|e| {
        if e.kind() == io::ErrorKind::AlreadyExists {
            CompileError::Exists(path.to_path_buf())
        } else {
            write_error(e)
        }
    })
}

fn is_false(b: &bool) -> bool {
    !*b
}

/// The compiled policy file, `policy.compiled.json`: **secret** (mode 0600), for the
/// aggregator that proves and the admins who update.
///
/// `policy` is the policy file as parsed (the same schema, in JSON); `roles` the role ids in
/// role order; `grants` one per (member, role) in the grant tree's order (roles in file
/// order, members in order) with its blind and leaf `Poseidon(member, roleId, blind)`;
/// `rules` each rule's nine leaf fields (`salt` among them) and leaf in file order (the
/// rule at index i is leaf i of the policy tree); `padding` the random leaves after them.
/// Every field element is a decimal string. Reading it recomputes and checks everything
/// ([`CompiledPolicy::from_file`]); unknown fields are refused.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CompiledFile {
    /// Always [`FORMAT`].
    pub format: String,
    /// Always [`VERSION`].
    pub version: u64,
    /// Present and true when the secrets came from `--seed` (tests only).
    #[serde(default, skip_serializing_if = "is_false")]
    pub insecure_seed: bool,
    /// The policy file.
    pub policy: PolicyFile,
    /// `Poseidon(grant_root, policy_root)`.
    pub auth_root: String,
    /// The grant tree's root.
    pub grant_root: String,
    /// The policy tree's root.
    pub policy_root: String,
    /// Role ids.
    pub roles: Vec<CompiledRole>,
    /// Grants.
    pub grants: Vec<CompiledGrant>,
    /// Rules.
    pub rules: Vec<CompiledRule>,
    /// The policy tree's padding leaves.
    pub padding: Vec<String>,
}

/// A role's id.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CompiledRole {
    /// The role's name.
    pub name: String,
    /// Its 128-bit id, decimal.
    pub id: String,
}

/// A grant.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CompiledGrant {
    /// Its index in the grant tree.
    pub index: usize,
    /// The role's name.
    pub role: String,
    /// The member's identity commitment.
    pub member: String,
    /// The blind.
    pub blind: String,
    /// `Poseidon(member, roleId, blind)`.
    pub leaf: String,
}

/// A rule's leaf.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CompiledRule {
    /// Its index in the policy tree.
    pub index: usize,
    /// The rule's name.
    pub name: String,
    /// The nine hashed fields.
    pub fields: RuleFields,
    /// `Poseidon(fields)`.
    pub leaf: String,
}

/// A rule leaf's nine fields, decimal, in the leaf's order.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RuleFields {
    /// `tgt`.
    pub target: String,
    /// `sel`.
    pub selector: String,
    /// `maxValue`.
    pub max_value: String,
    /// `argRef`.
    pub arg_ref: String,
    /// `delay`.
    pub delay: String,
    /// `roleId`.
    pub role_id: String,
    /// `k`.
    pub k: String,
    /// `flags`.
    pub flags: String,
    /// `salt`.
    pub salt: String,
}

impl From<&Rule> for RuleFields {
    fn from(r: &Rule) -> Self {
        let d = fr_to_decimal;
        Self {
            target: d(&r.target),
            selector: d(&r.selector),
            max_value: d(&r.max_value),
            arg_ref: d(&r.arg_ref),
            delay: d(&r.delay),
            role_id: d(&r.role_id),
            k: d(&r.k),
            flags: d(&r.flags),
            salt: d(&r.salt),
        }
    }
}

/// The public auth file, `auth.json`: what the account is deployed or updated with.
///
/// ```json
/// {
///   "format": "veil-policy-auth",
///   "version": 1,
///   "chain_id": 1,
///   "account": "0x1111111111111111111111111111111111111111",
///   "auth_root": "…",
///   "depth": 20,
///   "k_max": 8,
///   "policy_depth": 6
/// }
/// ```
///
/// Only `authRoot` is published, not the grant and policy roots under it: nothing public
/// takes them, and any later reuse of either tree would make it an identifier linking two
/// policies.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct AuthFile {
    /// Always [`AUTH_FORMAT`].
    pub format: String,
    /// Always [`VERSION`].
    pub version: u64,
    /// Present and true when the secrets came from `--seed` (tests only).
    #[serde(default, skip_serializing_if = "is_false")]
    pub insecure_seed: bool,
    /// The chain id.
    pub chain_id: u64,
    /// The account, EIP-55.
    pub account: String,
    /// `authRoot`, decimal.
    pub auth_root: String,
    /// D.
    pub depth: usize,
    /// K_MAX.
    pub k_max: usize,
    /// D_P.
    pub policy_depth: usize,
}

impl AuthFile {
    /// Reads an auth file.
    ///
    /// # Errors
    /// [`CompileError::Read`], [`CompileError::Json`] or [`CompileError::Invalid`].
    pub fn load(path: &Path) -> Result<Self, CompileError> {
        let file: Self = read_document(path, &AUTH_KIND)?;
        field::parse::<Fr>(&file.auth_root).map_err(|e| invalid(path, field_error("auth_root", e.to_string())))?;
        Ok(file)
    }

    /// The shape.
    #[must_use]
    pub fn shape(&self) -> PolicyShape {
        PolicyShape { max_depth: self.depth, k_max: self.k_max, policy_depth: self.policy_depth }
    }
}

/// `e`, refused in the file at `path`.
fn invalid(path: &Path, e: CompileError) -> CompileError {
    CompileError::Invalid { path: path.to_path_buf(), source: Box::new(e) }
}

/// Reads the JSON document at `path`, checking its `format` and `version` against `kind`
/// first (so that another veil file is refused as such, not for its fields), then parses it.
fn read_document<T: serde::de::DeserializeOwned>(path: &Path, kind: &document::Kind) -> Result<T, CompileError> {
    let text =
        std::fs::read_to_string(path).map_err(|source| CompileError::Read { path: path.to_path_buf(), source })?;
    let json = |source| CompileError::Json { path: path.to_path_buf(), source };
    let header: document::Header = serde_json::from_str(&text).map_err(json)?;
    header.check(kind).map_err(|e| invalid(path, field_error(e.field, e.reason)))?;
    serde_json::from_str(&text).map_err(json)
}
