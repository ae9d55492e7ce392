//! The check of a policy file: every field resolved (addresses, signatures to selectors,
//! amounts, delays, argument conditions) and every rule the circuit could never open, or
//! that would not mean what it says, refused with its field; warnings for rules that are
//! valid but dangerous.

use std::{fmt, str::FromStr};

use alloy_json_abi::{Function as AbiFunction, Param};
use alloy_primitives::{keccak256, Address, U256};
use ark_ff::{PrimeField, Zero};
use veil_circuits::{
    approval, field,
    policy::{self as circuit, ArgOp, Flags, PolicyShape, Rule},
    threshold, Fr,
};

use super::{
    file::{PolicyFile, Quantity, RuleSource, VERSION},
    locate::{FieldPath, Position, SourceMap},
    units::{format_duration, parse_amount, parse_duration},
};

/// Whether a finding stops the policy.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Severity {
    /// The policy is refused.
    Error,
    /// The policy is valid, but probably not what was meant.
    Warning,
}

/// A finding of the check: its field, where it is written, and what is wrong.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Diagnostic {
    /// Error or warning.
    pub severity: Severity,
    /// The field (`rule[1].threshold`).
    pub field: FieldPath,
    /// The rule the field belongs to, by name, when there is one.
    pub rule: Option<String>,
    /// What is wrong.
    pub message: String,
    /// Where the field is written (none for a policy read back from a compiled file).
    pub position: Option<Position>,
}

impl Diagnostic {
    pub(crate) fn new(severity: Severity, field: FieldPath, message: String) -> Self {
        Self { severity, field, rule: None, message, position: None }
    }

    pub(crate) fn at(mut self, position: Option<Position>) -> Self {
        self.position = position;
        self
    }

    /// Whether it is an error.
    #[must_use]
    pub fn is_error(&self) -> bool {
        self.severity == Severity::Error
    }
}

impl fmt::Display for Diagnostic {
    /// `LINE:COLUMN: error: FIELD (rule "NAME"): MESSAGE`.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if let Some(p) = self.position {
            write!(f, "{}:{}: ", p.line, p.column)?;
        }
        f.write_str(match self.severity {
            Severity::Error => "error",
            Severity::Warning => "warning",
        })?;
        if !self.field.is_root() {
            write!(f, ": {}", self.field)?;
        }
        if let Some(rule) = &self.rule {
            write!(f, " (rule {rule:?})")?;
        }
        write!(f, ": {}", self.message)
    }
}

/// Why a deny rule is refused.
pub const DENY_EXPLANATION: &str = "rules are allow-only: a call is authorized when any rule admits it, and the proof \
     hides which rule it used, so no rule can forbid what another allows. Dropping this rule instead would widen \
     authority (\"block X, then allow everything\" would allow X); narrow the allow rules so that none admits what \
     you meant to block";

/// A role: its name and members (identity commitments), in file order.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Role {
    /// The name (never on-chain).
    pub name: String,
    /// The members' identity commitments.
    pub members: Vec<Fr>,
}

/// A rule's target.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Target {
    /// `*`: any contract except the account itself.
    Any,
    /// `self`: the account.
    Account,
    /// One address.
    Address(Address),
}

impl fmt::Display for Target {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Any => f.write_str("*"),
            Self::Account => f.write_str("self"),
            Self::Address(a) => write!(f, "{a}"),
        }
    }
}

/// A rule's function.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub enum Function {
    /// `*`: any call, empty data included.
    Any,
    /// `receive`: empty data only (a plain transfer).
    NoData,
    /// One selector, and the canonical signature when the file gave one.
    Selector {
        /// The 4-byte selector.
        selector: [u8; 4],
        /// `deposit(uint256)`, when written as a signature.
        signature: Option<String>,
    },
}

impl fmt::Display for Function {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Any => f.write_str("*"),
            Self::NoData => f.write_str("receive (empty data)"),
            Self::Selector { selector, signature: Some(s) } => write!(f, "{s} (0x{})", hex::encode(selector)),
            Self::Selector { selector, signature: None } => write!(f, "0x{}", hex::encode(selector)),
        }
    }
}

/// A rule's argument condition, resolved.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct ArgCondition {
    /// The static word of `data[4..]` it reads: 0 or 1.
    pub word: usize,
    /// The parameter's name, when the signature gives one.
    pub name: Option<String>,
    /// The parameter's Solidity type, when the signature gives it.
    pub ty: Option<String>,
    /// EQ, LE or GE.
    pub op: ArgOp,
    /// The constant, below CLAMP (EQ) or 2^128 (LE, GE).
    pub reference: U256,
    /// The constant as written (`50000e6`).
    pub written: String,
}

impl ArgCondition {
    /// The parameter's name, or `word N`.
    #[must_use]
    pub fn label(&self) -> String {
        self.name.clone().unwrap_or_else(|| format!("word {}", self.word))
    }
}

/// `==`, `<=` or `>=`.
#[must_use]
pub fn op_symbol(op: ArgOp) -> &'static str {
    match op {
        ArgOp::None => "",
        ArgOp::Eq => "==",
        ArgOp::Le => "<=",
        ArgOp::Ge => ">=",
    }
}

impl fmt::Display for ArgCondition {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} {} {}", self.label(), op_symbol(self.op), self.written)
    }
}

/// A rule, checked and resolved.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct RuleSpec {
    /// The rule's name.
    pub name: String,
    /// Its role, by position in [`Policy::roles`].
    pub role: usize,
    /// k: distinct members of the role who must sign.
    pub threshold: usize,
    /// The target.
    pub target: Target,
    /// The function.
    pub function: Function,
    /// The largest value, below 2^128.
    pub max_value: u128,
    /// The largest value as written (`"0"` by default, `unlimited`, `1.5 ether`).
    pub max_value_written: String,
    /// The argument condition.
    pub arg: Option<ArgCondition>,
    /// The least lead time in seconds, below 2^40.
    pub delay: u64,
    /// The delay as written (`48h`).
    pub delay_written: String,
}

impl RuleSpec {
    /// The rule's flags.
    #[must_use]
    pub fn flags(&self) -> Flags {
        Flags {
            any_target: self.target == Target::Any,
            any_selector: self.function == Function::Any,
            arg1: self.arg.as_ref().is_some_and(|a| a.word == 1),
            arg_op: self.arg.as_ref().map_or(ArgOp::None, |a| a.op),
        }
    }

    /// The rule leaf's fields under `role_id` and `salt`, against the policy's `account`.
    #[must_use]
    pub fn to_rule(&self, role_id: Fr, salt: Fr) -> Rule {
        Rule {
            target: match self.target {
                Target::Any => Fr::zero(),
                Target::Account => circuit::SELF,
                Target::Address(a) => Fr::from_be_bytes_mod_order(a.as_slice()),
            },
            selector: match &self.function {
                Function::Any => Fr::zero(),
                Function::NoData => circuit::NO_DATA,
                Function::Selector { selector, .. } => Fr::from(u32::from_be_bytes(*selector)),
            },
            max_value: Fr::from(self.max_value),
            arg_ref: self.arg.as_ref().map_or_else(Fr::zero, |a| u256_to_fr(a.reference)),
            delay: Fr::from(self.delay),
            role_id,
            k: Fr::from(self.threshold as u64),
            flags: self.flags().to_fr(),
            salt,
        }
    }

    /// One line: `2 of treasury, target *, function *, value ≤ unlimited, delay 48h`.
    #[must_use]
    pub fn describe(&self, policy: &Policy) -> String {
        let role = &policy.roles[self.role];
        let mut s = format!(
            "{} of {} ({}), target {}, function {}, value <= {}",
            self.threshold,
            role.name,
            role.members.len(),
            self.target,
            self.function,
            self.max_value_written
        );
        if let Some(a) = &self.arg {
            s.push_str(&format!(", {a}"));
        }
        s.push_str(&format!(", delay {}", self.delay_written));
        s
    }
}

/// A checked policy: every field resolved.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Policy {
    /// The account.
    pub account: Address,
    /// The chain id.
    pub chain_id: u64,
    /// The circuit's shape: D, K_MAX, D_P.
    pub shape: PolicyShape,
    /// The roles, in file order.
    pub roles: Vec<Role>,
    /// The rules, in file order.
    pub rules: Vec<RuleSpec>,
}

impl Policy {
    /// The role named `name`.
    #[must_use]
    pub fn role(&self, name: &str) -> Option<usize> {
        self.roles.iter().position(|r| r.name == name)
    }

    /// The number of grants: one per (member, role).
    #[must_use]
    pub fn grant_count(&self) -> usize {
        self.roles.iter().map(|r| r.members.len()).sum()
    }
}

/// `x` (below r) as a field element.
pub(crate) fn u256_to_fr(x: U256) -> Fr {
    Fr::from_be_bytes_mod_order(&x.to_be_bytes::<32>())
}

/// A field element as a U256.
pub(crate) fn fr_to_u256(x: &Fr) -> U256 {
    U256::from_be_slice(&ark_ff::BigInteger::to_bytes_be(&x.into_bigint()))
}

/// CLAMP = 2^253 − 1, as a U256.
fn clamp() -> U256 {
    fr_to_u256(&circuit::CLAMP)
}

/// The signatures of entry points that run calls the policy cannot see.
const BATCHING_SIGNATURES: [&str; 17] = [
    "multicall(bytes[])",
    "multicall(uint256,bytes[])",
    "multicall(bytes32,bytes[])",
    "multiSend(bytes)",
    "multiSendCallOnly(bytes)",
    "execTransaction(address,uint256,bytes,uint8,uint256,uint256,uint256,address,address,bytes)",
    "execTransactionFromModule(address,uint256,bytes,uint8)",
    "aggregate((address,bytes)[])",
    "aggregate3((address,bool,bytes)[])",
    "aggregate3Value((address,bool,uint256,bytes)[])",
    "tryAggregate(bool,(address,bytes)[])",
    "blockAndAggregate((address,bytes)[])",
    "tryBlockAndAggregate(bool,(address,bytes)[])",
    "execute(bytes,bytes[])",
    "execute(bytes,bytes[],uint256)",
    "execute(address,uint256,bytes)",
    "executeBatch(address[],uint256[],bytes[])",
];

/// Function names of batching entry points, whatever their parameters.
const BATCHING_NAMES: [&str; 15] = [
    "multicall",
    "multiSend",
    "multiSendCallOnly",
    "execTransaction",
    "execTransactionFromModule",
    "execTransactionFromModuleReturnData",
    "aggregate",
    "aggregate3",
    "aggregate3Value",
    "tryAggregate",
    "blockAndAggregate",
    "tryBlockAndAggregate",
    "execute",
    "executeBatch",
    "batch",
];

/// The selector of a canonical signature.
#[must_use]
pub fn selector(signature: &str) -> [u8; 4] {
    let h = keccak256(signature.as_bytes());
    [h[0], h[1], h[2], h[3]]
}

/// The signature of the account's function that installs a new auth root.
pub const SET_AUTH_ROOT: &str = "setAuthRoot(uint256)";

/// Collects findings for one policy file.
struct Checker<'a> {
    map: &'a SourceMap,
    found: Vec<Diagnostic>,
}

impl Checker<'_> {
    fn push(&mut self, severity: Severity, field: FieldPath, rule: Option<&str>, message: String) {
        let position = self.map.locate(&field);
        let mut d = Diagnostic::new(severity, field, message).at(position);
        d.rule = rule.map(str::to_owned);
        self.found.push(d);
    }

    fn error(&mut self, field: FieldPath, message: impl Into<String>) {
        self.push(Severity::Error, field, None, message.into());
    }

    fn rule_error(&mut self, field: FieldPath, rule: &str, message: impl Into<String>) {
        self.push(Severity::Error, field, Some(rule), message.into());
    }

    fn rule_warning(&mut self, field: FieldPath, rule: &str, message: impl Into<String>) {
        self.push(Severity::Warning, field, Some(rule), message.into());
    }
}

/// An address: `0x` and 40 hex digits; mixed case must be its EIP-55 checksum.
pub(crate) fn parse_address(s: &str) -> Result<Address, String> {
    let s = s.trim();
    let hex = s.strip_prefix("0x").ok_or_else(|| format!("{s:?} is not an address (0x and 40 hex digits)"))?;
    if hex.len() != 40 || !hex.bytes().all(|b| b.is_ascii_hexdigit()) {
        return Err(format!("{s:?} is not an address (0x and 40 hex digits)"));
    }
    let address = Address::from_str(s).map_err(|e| format!("{s:?}: {e}"))?;
    let mixed = hex.bytes().any(|b| b.is_ascii_lowercase()) && hex.bytes().any(|b| b.is_ascii_uppercase());
    if mixed && address.to_checksum(None) != s {
        return Err(format!("{s:?} fails its EIP-55 checksum (a typo? write it all lowercase to skip the check)"));
    }
    Ok(address)
}

/// Head words of a parameter, `None` for a dynamic one.
fn static_words(p: &Param) -> Option<usize> {
    type_words(&p.ty, &p.components)
}

fn type_words(ty: &str, components: &[Param]) -> Option<usize> {
    if let Some(inner) = ty.strip_suffix(']') {
        let open = inner.rfind('[')?;
        let n = &inner[open + 1..];
        if n.is_empty() {
            return None;
        }
        let n: usize = n.parse().ok()?;
        return type_words(&inner[..open], components).and_then(|w| w.checked_mul(n));
    }
    match ty {
        "string" | "bytes" => None,
        "tuple" => components.iter().map(static_words).try_fold(0usize, |acc, w| acc.checked_add(w?)),
        _ => Some(1),
    }
}

/// The largest value of `uintN`, or `None` when `ty` is not an unsigned integer type.
fn uint_bits(ty: &str) -> Option<usize> {
    let n = ty.strip_prefix("uint")?;
    if n.is_empty() {
        return Some(256);
    }
    n.parse().ok().filter(|n| (8..=256).contains(n) && n % 8 == 0)
}

/// Checks a parsed policy file; positions come from `map`.
pub(crate) fn check(file: &PolicyFile, map: &SourceMap) -> (Option<Policy>, Vec<Diagnostic>) {
    let mut c = Checker { map, found: Vec::new() };
    let root = FieldPath::root();
    if file.version != VERSION {
        c.error(root.key("version"), format!("{} is not supported (this veil reads version {VERSION})", file.version));
    }
    let account = match parse_address(&file.account) {
        Ok(a) if a == Address::ZERO => {
            c.error(root.key("account"), "the zero address cannot be an account");
            None
        }
        Ok(a) => Some(a),
        Err(e) => {
            c.error(root.key("account"), e);
            None
        }
    };
    if file.chain_id == 0 {
        c.error(root.key("chain_id"), "0 is not a chain id (EIP-155 chain ids start at 1)");
    }
    let mut shape_ok = true;
    for (key, value, max) in [
        ("depth", file.depth, approval::MAX_DEPTH),
        ("k_max", file.k_max, threshold::MAX_SLOTS),
        ("policy_depth", file.policy_depth, circuit::MAX_POLICY_DEPTH),
    ] {
        if !(1..=max).contains(&value) {
            c.error(root.key(key), format!("{value} is outside 1..={max}"));
            shape_ok = false;
        }
    }
    let shape = PolicyShape { max_depth: file.depth, k_max: file.k_max, policy_depth: file.policy_depth };

    // Roles.
    let mut roles: Vec<Role> = Vec::new();
    let roles_path = root.key("roles");
    if file.roles.0.is_empty() {
        c.error(roles_path.clone(), "no roles: a policy needs at least one role with members");
    }
    for (name, members) in &file.roles.0 {
        let path = roles_path.key(name);
        if name.trim().is_empty() {
            c.error(path.clone(), "a role needs a name");
        }
        if members.0.is_empty() {
            c.error(path.clone(), format!("role {name:?} is empty: list its members' identity commitments"));
        }
        let mut parsed: Vec<Fr> = Vec::new();
        for (i, m) in members.0.iter().enumerate() {
            match field::parse::<Fr>(m.trim()) {
                Ok(x) if x.is_zero() => c.error(path.index(i), "0 is not an identity commitment"),
                Ok(x) => {
                    if let Some(first) = parsed.iter().position(|p| *p == x) {
                        c.error(path.index(i), format!("{m} is listed twice in role {name:?} (first at [{first}])"));
                    }
                    parsed.push(x);
                }
                Err(e) => c.error(
                    path.index(i),
                    format!("{m:?} is not an identity commitment ({e}; use the decimal `veil key show` prints)"),
                ),
            }
        }
        roles.push(Role { name: name.clone(), members: parsed });
    }
    let grants: usize = roles.iter().map(|r| r.members.len()).sum();
    if shape_ok && grants > 1usize << file.depth.min(usize::BITS as usize - 1) {
        c.error(roles_path.clone(), format!("{grants} grants do not fit a grant tree of depth {}", file.depth));
    }

    // Rules.
    let rules_path = root.key("rule");
    if file.rule.is_empty() {
        c.error(rules_path.clone(), "no rules: this policy would authorize nothing, not even its own update");
    }
    if shape_ok && file.rule.len() > 1usize << file.policy_depth {
        c.error(
            rules_path.clone(),
            format!(
                "{} rules do not fit a policy tree of depth {} ({} leaves): raise policy_depth",
                file.rule.len(),
                file.policy_depth,
                1usize << file.policy_depth
            ),
        );
    }
    let mut rules = Vec::new();
    let mut used_roles = vec![false; roles.len()];
    for (i, source) in file.rule.iter().enumerate() {
        let path = rules_path.index(i);
        if let Some(first) = file.rule[..i].iter().position(|r| r.name == source.name) {
            c.rule_error(path.key("name"), &source.name, format!("the name is already rule[{first}]'s"));
        }
        if source.name.trim().is_empty() {
            c.error(path.key("name"), "a rule needs a name");
        }
        let role = roles.iter().position(|r| r.name == source.role);
        if let Some(r) = role {
            used_roles[r] = true;
        }
        if let Some(spec) = check_rule(&mut c, &path, source, role, &roles, account, shape.k_max) {
            rules.push(spec);
        }
    }
    for (r, used) in used_roles.iter().enumerate() {
        if !used && !roles[r].name.trim().is_empty() {
            c.push(
                Severity::Warning,
                roles_path.key(&roles[r].name),
                None,
                format!(
                    "role {:?} is used by no rule (its grants are in the tree, but authorize nothing)",
                    roles[r].name
                ),
            );
        }
    }
    let updatable = rules.iter().any(|r| {
        r.target == Target::Account
            && match &r.function {
                Function::Any => true,
                Function::Selector { selector: s, .. } => *s == selector(SET_AUTH_ROOT),
                Function::NoData => false,
            }
    });
    if !rules.is_empty() && !updatable {
        c.push(
            Severity::Warning,
            rules_path,
            None,
            format!(
                "no rule admits {SET_AUTH_ROOT} on the account (target = \"self\"): this policy can never be changed"
            ),
        );
    }
    let errors = c.found.iter().any(Diagnostic::is_error);
    let mut found = c.found;
    found.sort_by_key(|d| (d.position.map(|p| (p.line, p.column)), d.severity));
    let policy = match (errors, account) {
        (false, Some(account)) => Some(Policy { account, chain_id: file.chain_id, shape, roles, rules }),
        _ => None,
    };
    (policy, found)
}

/// Checks one rule; `None` when it has an error.
#[allow(clippy::too_many_lines)]
fn check_rule(
    c: &mut Checker<'_>,
    path: &FieldPath,
    s: &RuleSource,
    role: Option<usize>,
    roles: &[Role],
    account: Option<Address>,
    k_max: usize,
) -> Option<RuleSpec> {
    let before = c.found.iter().filter(|d| d.is_error()).count();
    let name = s.name.as_str();

    // Allow-only.
    for (key, value) in [("effect", &s.effect), ("action", &s.action)] {
        if let Some(v) = value {
            if !v.trim().eq_ignore_ascii_case("allow") {
                c.rule_error(path.key(key), name, format!("{key} = {v:?}: {DENY_EXPLANATION}"));
            }
        }
    }
    if s.allow == Some(false) {
        c.rule_error(path.key("allow"), name, format!("allow = false: {DENY_EXPLANATION}"));
    }
    if s.deny == Some(true) {
        c.rule_error(path.key("deny"), name, format!("deny = true: {DENY_EXPLANATION}"));
    }

    // Role and threshold.
    let threshold = usize::try_from(s.threshold).unwrap_or(usize::MAX);
    match role {
        None => c.rule_error(
            path.key("role"),
            name,
            format!(
                "unknown role {:?} (the roles are: {})",
                s.role,
                roles.iter().map(|r| r.name.as_str()).collect::<Vec<_>>().join(", ")
            ),
        ),
        Some(r) => {
            let size = roles[r].members.len();
            if threshold > size && size > 0 {
                c.rule_error(
                    path.key("threshold"),
                    name,
                    format!(
                        "{threshold} is above the size of role {:?} ({size} members): no proof could ever meet it",
                        s.role
                    ),
                );
            }
        }
    }
    if threshold == 0 {
        c.rule_error(
            path.key("threshold"),
            name,
            "0: a rule needs at least one signer (the circuit never opens k = 0)",
        );
    } else if threshold > k_max {
        c.rule_error(
            path.key("threshold"),
            name,
            format!(
                "{threshold} is above k_max ({k_max}), the circuit's signer slots: raise k_max or lower the threshold"
            ),
        );
    }

    // Target.
    let target = match s.target.trim() {
        "*" => Some(Target::Any),
        "self" => Some(Target::Account),
        t => {
            match parse_address(t) {
                Ok(a) if Some(a) == account => {
                    c.rule_error(
                    path.key("target"),
                    name,
                    format!("{t} is the account itself: write target = \"self\" (calls to the account are checked as self)"),
                );
                    None
                }
                Ok(a) => Some(Target::Address(a)),
                Err(e) => {
                    c.rule_error(
                        path.key("target"),
                        name,
                        format!("{e}; or \"*\" (any contract but the account), \"self\""),
                    );
                    None
                }
            }
        }
    };

    // Function.
    let mut params: Option<Vec<Param>> = None;
    let function = match s.function.trim() {
        "*" => Some(Function::Any),
        "receive" => Some(Function::NoData),
        f if f.starts_with("0x") => {
            let hex = &f[2..];
            match <[u8; 4]>::try_from(hex::decode(hex).unwrap_or_default().as_slice()) {
                Ok(sel) if hex.len() == 8 => Some(Function::Selector { selector: sel, signature: None }),
                _ => {
                    c.rule_error(path.key("function"), name, format!("{f:?} is not a selector (0x and 8 hex digits)"));
                    None
                }
            }
        }
        f => match AbiFunction::parse(f) {
            Ok(parsed) if matches!(parsed.name.as_str(), "receive" | "fallback") && parsed.inputs.is_empty() => {
                c.rule_error(
                    path.key("function"),
                    name,
                    format!(
                        "{f}: receive and fallback are not called by a selector; write function = \"receive\" for calls \
                         with empty data"
                    ),
                );
                None
            }
            Ok(parsed) => {
                let signature = parsed.signature();
                params = Some(parsed.inputs.clone());
                Some(Function::Selector { selector: parsed.selector().0, signature: Some(signature) })
            }
            Err(e) => {
                c.rule_error(
                    path.key("function"),
                    name,
                    format!(
                        "{f:?} is not a Solidity function signature ({e}); write e.g. \"transfer(address to, uint256 \
                         amount)\", a selector \"0xa9059cbb\", \"*\" or \"receive\""
                    ),
                );
                None
            }
        },
    };

    // Value.
    let max_value_written = s.max_value.as_ref().map_or_else(|| "0".to_owned(), ToString::to_string);
    let max_value = if max_value_written.eq_ignore_ascii_case("unlimited") {
        Some(u128::MAX)
    } else {
        let parsed = match &s.max_value {
            None => Ok(U256::ZERO),
            Some(Quantity::Integer(n)) => Ok(U256::from(*n)),
            Some(Quantity::Text(t)) => parse_amount(t),
        };
        match parsed {
            Ok(v) => match u128::try_from(v) {
                Ok(v) => Some(v),
                Err(_) => {
                    c.rule_error(
                        path.key("max_value"),
                        name,
                        format!("{max_value_written} is not below 2^128 (write \"unlimited\" for the largest value, 2^128 − 1)"),
                    );
                    None
                }
            },
            Err(e) => {
                c.rule_error(path.key("max_value"), name, format!("{e}; or \"unlimited\""));
                None
            }
        }
    };

    // Delay.
    let delay_written = s.delay.as_ref().map_or_else(|| "0".to_owned(), ToString::to_string);
    let delay = match &s.delay {
        None => Ok(0),
        Some(Quantity::Integer(n)) => Ok(*n),
        Some(Quantity::Text(t)) => parse_duration(t),
    };
    let delay = match delay {
        Ok(d) if d >> circuit::LEAD_BITS != 0 => {
            c.rule_error(
                path.key("delay"),
                name,
                format!("{delay_written} ({d} s) is not below 2^40 seconds (about 34,800 years)"),
            );
            None
        }
        Ok(d) => Some(d),
        Err(e) => {
            c.rule_error(path.key("delay"), name, e);
            None
        }
    };

    // Argument condition.
    let arg = check_args(c, path, s, function.as_ref(), params.as_deref());

    if c.found.iter().filter(|d| d.is_error()).count() > before {
        return None;
    }
    let (role, target, function, max_value, delay, arg) = (role?, target?, function?, max_value?, delay?, arg.ok()?);

    // Warnings.
    if target == Target::Any && function == Function::Any && delay == 0 {
        c.rule_warning(
            path.clone(),
            name,
            format!(
                "any call to any contract with no delay: {threshold} key(s) of {:?} can do at once anything the \
                 account can; a delay (delay = \"48h\") lets a stolen key's intent be seen and cancelled",
                s.role
            ),
        );
    }
    if target == Target::Account && function == Function::Any {
        c.rule_warning(
            path.key("function"),
            name,
            format!(
                "any call to the account itself, {SET_AUTH_ROOT} included: role {:?} can replace the policy",
                s.role
            ),
        );
    }
    if let Function::Selector { selector: sel, signature } = &function {
        let by_signature = BATCHING_SIGNATURES.iter().find(|b| selector(b) == *sel);
        let by_name = signature.as_deref().and_then(|sig| sig.split('(').next()).filter(|n| BATCHING_NAMES.contains(n));
        if let Some(what) = by_signature.copied().or(by_name) {
            c.rule_warning(
                path.key("function"),
                name,
                format!(
                    "{} is a batching entry point ({what}): it runs calls that the policy never sees (it checks only \
                     the batcher's target and selector), so this rule admits whatever the batcher can call",
                    signature.as_deref().unwrap_or("this selector")
                ),
            );
        }
    }
    Some(RuleSpec {
        name: s.name.clone(),
        role,
        threshold,
        target,
        function,
        max_value,
        max_value_written,
        arg,
        delay,
        delay_written: if matches!(s.delay, Some(Quantity::Text(_))) { delay_written } else { format_duration(delay) },
    })
}

/// Checks a rule's `args`: `Ok(None)` without a condition, `Err` after recording an error.
fn check_args(
    c: &mut Checker<'_>,
    path: &FieldPath,
    s: &RuleSource,
    function: Option<&Function>,
    params: Option<&[Param]>,
) -> Result<Option<ArgCondition>, ()> {
    let name = s.name.as_str();
    let args_path = path.key("args");
    let Some((key, condition)) = s.args.0.first() else {
        return Ok(None);
    };
    if s.args.0.len() > 1 {
        c.rule_error(
            args_path.key(&s.args.0[1].0),
            name,
            "a rule holds one argument condition (the circuit checks one word); two rules with one condition each \
             would admit a call that meets either, not both",
        );
        return Err(());
    }
    let field = args_path.key(key);
    let fail = |c: &mut Checker<'_>, message: String| {
        c.rule_error(field.clone(), name, message);
        Err(())
    };
    let Some(function) = function else {
        return Err(()); // the function's own error is reported
    };
    if *function == Function::NoData {
        return fail(c, "a call with empty data has no argument words: the condition could never pass".into());
    }
    // The word and, with a signature, the parameter's type.
    let (word, param_name, ty): (usize, Option<String>, Option<String>) = if key.bytes().all(|b| b.is_ascii_digit()) {
        let Ok(word) = key.parse::<usize>() else {
            return fail(c, format!("word {key} is beyond word 1: the circuit reads words 0 and 1 of the arguments"));
        };
        if word > 1 {
            return fail(c, format!("word {word} is beyond word 1: the circuit reads words 0 and 1 of the arguments"));
        }
        match params {
            None => (word, None, None),
            Some(params) => match param_at_word(params, word) {
                WordOf::Param(p) => (word, (!p.name.is_empty()).then(|| p.name.clone()), Some(p.ty.clone())),
                WordOf::Inside(ty) => (word, None, Some(format!("part of {ty}"))),
                WordOf::Dynamic(p) => {
                    return fail(c, format!("word {word} is the head of {} {}, a dynamic type: it holds an offset into the data, not the value", p.ty, p.name));
                }
                WordOf::Absent(words) => {
                    return fail(c, format!("the function has {words} static argument word(s): word {word} is absent, so the condition could never pass"));
                }
            },
        }
    } else {
        let Some(params) = params else {
            return fail(c, format!("{key:?} names a parameter, but the function is not a signature with names: key the condition by the word's index (0 or 1)"));
        };
        let mut offset = 0usize;
        let mut found = None;
        for p in params {
            let words = static_words(p);
            if p.name == *key {
                found = Some((offset, p, words));
                break;
            }
            offset = offset.saturating_add(words.unwrap_or(1));
        }
        let Some((word, p, words)) = found else {
            let names: Vec<&str> = params.iter().map(|p| p.name.as_str()).filter(|n| !n.is_empty()).collect();
            return fail(
                c,
                format!(
                    "no parameter is named {key:?} (the signature names: {}); or key by the word's index, 0 or 1",
                    if names.is_empty() { "none".to_owned() } else { names.join(", ") }
                ),
            );
        };
        match words {
            None => {
                return fail(c, format!("{key} is {}, a dynamic type: its head word is an offset into the data, not the value; conditions read static words", p.ty));
            }
            Some(w) if w != 1 => {
                return fail(
                    c,
                    format!(
                        "{key} is {}, which spans {w} words; a condition reads one word (key it by the word's index)",
                        p.ty
                    ),
                );
            }
            Some(_) => {}
        }
        if word > 1 {
            return fail(
                c,
                format!("{key} is word {word} of the arguments, beyond word 1: the circuit reads words 0 and 1"),
            );
        }
        (word, Some(key.clone()), Some(p.ty.clone()))
    };

    // The operator and the constant.
    let text = condition.trim();
    let (op, rest) = if let Some(r) = text.strip_prefix("==") {
        (ArgOp::Eq, r)
    } else if let Some(r) = text.strip_prefix("<=") {
        (ArgOp::Le, r)
    } else if let Some(r) = text.strip_prefix(">=") {
        (ArgOp::Ge, r)
    } else {
        let hint = if text.starts_with("!=") {
            "not-equal is not supported"
        } else if text.starts_with('<') || text.starts_with('>') {
            "strict comparisons are not supported: write <= N − 1 or >= N + 1"
        } else {
            "write ==, <= or >= and a value, as \"<= 50000e6\""
        };
        return fail(c, format!("{text:?}: {hint}"));
    };
    let written = rest.trim().to_owned();
    let elementary = ty.as_deref().filter(|t| !t.starts_with("part of"));
    let reference = match elementary {
        Some("address") => {
            if op != ArgOp::Eq {
                return fail(c, format!("{} is an address: only == applies", param_name.as_deref().unwrap_or(key)));
            }
            match parse_address(&written) {
                Ok(a) => U256::from_be_slice(a.as_slice()),
                Err(e) => return fail(c, e),
            }
        }
        Some("bool") => {
            if op != ArgOp::Eq {
                return fail(c, "a bool: only == applies".into());
            }
            match written.as_str() {
                "true" => U256::from(1u8),
                "false" => U256::ZERO,
                w => return fail(c, format!("{w:?} is not a bool (true or false)")),
            }
        }
        Some(t) if t.starts_with("bytes") => {
            let n: usize = t[5..].parse().unwrap_or(0);
            if op != ArgOp::Eq {
                return fail(
                    c,
                    format!("{t} is left-aligned in its word (so at least 2^128 unless zero): only == applies"),
                );
            }
            let hex = written.strip_prefix("0x").unwrap_or("");
            match hex::decode(hex) {
                Ok(bytes) if bytes.len() == n => {
                    let mut word = [0u8; 32];
                    word[..n].copy_from_slice(&bytes);
                    U256::from_be_bytes(word)
                }
                _ => return fail(c, format!("{written:?} is not a {t} (0x and {} hex digits)", 2 * n)),
            }
        }
        Some(t) if t.starts_with("int") => {
            return fail(c, format!("{t} is signed: a negative value's word is above 2^253, so no condition reads it as a number; conditions take uint, address, bool and bytesN"));
        }
        Some(t) if uint_bits(t).is_none() => {
            return fail(c, format!("{t} is not supported in a condition (uint, address, bool, bytesN)"));
        }
        _ => match parse_amount(&written) {
            Ok(v) => {
                if let Some(bits) = elementary.and_then(uint_bits) {
                    if op == ArgOp::Eq && bits < 256 && v >> bits != U256::ZERO {
                        return fail(
                            c,
                            format!(
                                "{written} does not fit {}: the condition could never pass",
                                elementary.unwrap_or_default()
                            ),
                        );
                    }
                }
                v
            }
            Err(e) => return fail(c, e),
        },
    };
    match op {
        ArgOp::Eq if reference >= clamp() => {
            return fail(c, format!("{written} is not below 2^253 − 1 (CLAMP, which marks an absent or oversized word): an == condition on it is refused"));
        }
        ArgOp::Le | ArgOp::Ge if reference >> 128 != U256::ZERO => {
            return fail(c, format!("{written} is not below 2^128: <= and >= compare 128-bit numbers"));
        }
        _ => {}
    }
    Ok(Some(ArgCondition { word, name: param_name, ty, op, reference, written }))
}

/// What occupies a head word of a signature's arguments.
enum WordOf<'a> {
    /// A one-word static parameter.
    Param(&'a Param),
    /// A word inside a multi-word static parameter of this type.
    Inside(String),
    /// The head (offset) of a dynamic parameter.
    Dynamic(&'a Param),
    /// Past the head: the head has this many words.
    Absent(usize),
}

fn param_at_word(params: &[Param], word: usize) -> WordOf<'_> {
    let mut offset = 0usize;
    for p in params {
        let words = static_words(p);
        let span = words.unwrap_or(1);
        if word < offset.saturating_add(span) {
            return match words {
                None => WordOf::Dynamic(p),
                Some(1) => WordOf::Param(p),
                Some(_) => WordOf::Inside(p.ty.clone()),
            };
        }
        offset = offset.saturating_add(span);
    }
    WordOf::Absent(offset)
}
