//! The policy file's schema: TOML, or the same schema in JSON (unknown fields refused).

use std::{fmt, path::Path};

use serde::{
    de::{self, MapAccess, SeqAccess, Visitor},
    ser::{SerializeMap, SerializeSeq},
    Deserialize, Deserializer, Serialize, Serializer,
};

use super::{
    check::{Diagnostic, Severity},
    locate::{FieldPath, SourceMap},
};

/// The only `version` of the policy file.
pub const VERSION: u64 = 1;

/// A policy file as written ([module docs](super) for the meaning of each field).
///
/// ```toml
/// version = 1
/// account = "0x1111111111111111111111111111111111111111"
/// chain_id = 1
///
/// [[rule]]
/// name = "margin-deposit"
/// role = "trader"
/// threshold = 1
/// target = "0x2222222222222222222222222222222222222222"
/// function = "deposit(uint256 amount)"
/// args = { amount = "<= 50000e6" }
///
/// [roles]
/// trader = ["8024792476078200829626380743952877279897852447491043335503166454885971110314"]
/// ```
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PolicyFile {
    /// Always [`VERSION`] (1).
    pub version: u64,
    /// The account (the intent's `verifyingContract`), `0x` and 40 hex digits.
    pub account: String,
    /// The chain id (EIP-155).
    pub chain_id: u64,
    /// D, the grant tree's maximum depth (default 20).
    #[serde(default = "default_depth")]
    pub depth: usize,
    /// K_MAX, the signer slots of the circuit (default 8).
    #[serde(default = "default_k_max")]
    pub k_max: usize,
    /// D_P, the policy tree's depth (default 6: 64 rule slots).
    #[serde(default = "default_policy_depth")]
    pub policy_depth: usize,
    /// The rules, in file order (`[[rule]]` tables, or `rule = [ {…}, … ]`).
    pub rule: Vec<RuleSource>,
    /// The roles: a name and its members' identity commitments (decimal), in file order.
    pub roles: Roles,
}

/// The default D (20, as the approver set).
#[must_use]
pub fn default_depth() -> usize {
    veil_circuits::approval::DEFAULT_DEPTH
}

/// The default K_MAX (8).
#[must_use]
pub fn default_k_max() -> usize {
    veil_circuits::policy::PolicyShape::default().k_max
}

/// The default D_P (6).
#[must_use]
pub fn default_policy_depth() -> usize {
    veil_circuits::policy::DEFAULT_POLICY_DEPTH
}

/// One rule as written.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RuleSource {
    /// A unique name, for messages and diffs (never on-chain).
    pub name: String,
    /// The role whose members sign.
    pub role: String,
    /// How many distinct members of the role must sign (1 ..= the role's size, ≤ K_MAX).
    pub threshold: u64,
    /// An address, `*` (any contract except the account itself) or `self` (the account).
    pub target: String,
    /// A Solidity signature (`deposit(uint256 amount)`), a selector (`0xb6b55f25`), `*`
    /// (any call, empty data included) or `receive` (empty data only).
    pub function: String,
    /// The largest value (wei) the call may send: an amount or `unlimited` (2^128 − 1);
    /// default 0.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub max_value: Option<Quantity>,
    /// At most one condition on a static argument word: `{ amount = "<= 50000e6" }`, keyed by
    /// the parameter's name or by the word's index (0 or 1).
    #[serde(default, skip_serializing_if = "Args::is_empty")]
    pub args: Args,
    /// The least time-lock: `48h`, `30m`, `2d` or seconds; default 0.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub delay: Option<Quantity>,
    /// Only `"allow"`: rules are allow-only (a deny rule is refused, never dropped).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub effect: Option<String>,
    /// Only `"allow"`, as `effect`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub action: Option<String>,
    /// Only `true`, as `effect`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub allow: Option<bool>,
    /// Only `false`, as `effect`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub deny: Option<bool>,
}

/// A number as written: a non-negative integer or a string (`"50000e6"`, `"48h"`).
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Quantity {
    /// An integer.
    Integer(u64),
    /// A string.
    Text(String),
}

impl fmt::Display for Quantity {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Integer(n) => write!(f, "{n}"),
            Self::Text(s) => f.write_str(s.trim()),
        }
    }
}

impl Serialize for Quantity {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        match self {
            Self::Integer(n) => s.serialize_u64(*n),
            Self::Text(t) => s.serialize_str(t),
        }
    }
}

impl<'de> Deserialize<'de> for Quantity {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V;
        impl Visitor<'_> for V {
            type Value = Quantity;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("a non-negative integer or a string such as \"50000e6\", \"1.5 ether\" or \"48h\"")
            }
            fn visit_u64<E: de::Error>(self, v: u64) -> Result<Quantity, E> {
                Ok(Quantity::Integer(v))
            }
            fn visit_i64<E: de::Error>(self, v: i64) -> Result<Quantity, E> {
                u64::try_from(v).map(Quantity::Integer).map_err(|_| E::custom(format!("{v} is negative")))
            }
            fn visit_f64<E: de::Error>(self, v: f64) -> Result<Quantity, E> {
                Err(E::custom(format!(
                    "{v} is a floating-point number, which loses precision: write it as a string (\"1.5 ether\", \"50000e6\")"
                )))
            }
            fn visit_str<E: de::Error>(self, v: &str) -> Result<Quantity, E> {
                Ok(Quantity::Text(v.to_owned()))
            }
        }
        d.deserialize_any(V)
    }
}

/// An ordered map of strings whose keys must be unique.
fn ordered_map<'de, D: Deserializer<'de>, T: Deserialize<'de>>(
    d: D,
    noun: &'static str,
) -> Result<Vec<(String, T)>, D::Error> {
    struct V<T>(&'static str, std::marker::PhantomData<T>);
    impl<'de, T: Deserialize<'de>> Visitor<'de> for V<T> {
        type Value = Vec<(String, T)>;
        fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
            write!(f, "a table of {}s", self.0)
        }
        fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Self::Value, A::Error> {
            let mut out: Vec<(String, T)> = Vec::new();
            while let Some(key) = map.next_key::<String>()? {
                if out.iter().any(|(k, _)| *k == key) {
                    return Err(de::Error::custom(format!("{} {key:?} is given twice", self.0)));
                }
                let value = map.next_value()?;
                out.push((key, value));
            }
            Ok(out)
        }
    }
    d.deserialize_map(V(noun, std::marker::PhantomData))
}

fn serialize_map<S: Serializer, T: Serialize>(entries: &[(String, T)], s: S) -> Result<S::Ok, S::Error> {
    let mut map = s.serialize_map(Some(entries.len()))?;
    for (k, v) in entries {
        map.serialize_entry(k, v)?;
    }
    map.end()
}

/// The roles in file order: a name and its members (identity commitments, decimal).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Roles(pub Vec<(String, Members)>);

impl Serialize for Roles {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        serialize_map(&self.0, s)
    }
}

impl<'de> Deserialize<'de> for Roles {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        ordered_map(d, "role").map(Self)
    }
}

/// A role's members: identity commitments as decimal strings.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Members(pub Vec<String>);

impl Serialize for Members {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let mut seq = s.serialize_seq(Some(self.0.len()))?;
        for m in &self.0 {
            seq.serialize_element(m)?;
        }
        seq.end()
    }
}

impl<'de> Deserialize<'de> for Members {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V;
        impl<'de> Visitor<'de> for V {
            type Value = Members;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("a list of identity commitments as decimal strings (as `veil key show` prints them)")
            }
            fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Members, A::Error> {
                let mut out = Vec::new();
                while let Some(m) = seq.next_element::<MemberString>()? {
                    out.push(m.0);
                }
                Ok(Members(out))
            }
        }
        d.deserialize_seq(V)
    }
}

/// A member: a string (a commitment is too large for a TOML or JSON integer).
struct MemberString(String);

impl<'de> Deserialize<'de> for MemberString {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V;
        impl Visitor<'_> for V {
            type Value = MemberString;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("an identity commitment as a decimal string (quoted: it is too large for an integer)")
            }
            fn visit_str<E: de::Error>(self, v: &str) -> Result<MemberString, E> {
                Ok(MemberString(v.to_owned()))
            }
        }
        d.deserialize_str(V)
    }
}

/// A rule's argument conditions: a parameter name or word index, and `op value`.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Args(pub Vec<(String, String)>);

impl Args {
    /// No condition.
    #[must_use]
    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }
}

impl Serialize for Args {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        serialize_map(&self.0, s)
    }
}

impl<'de> Deserialize<'de> for Args {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        ordered_map(d, "argument").map(Self)
    }
}

/// A policy file's syntax.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Format {
    /// TOML.
    Toml,
    /// JSON.
    Json,
}

impl Format {
    /// By extension (`.toml`, `.json`), else by content (JSON starts with `{`).
    #[must_use]
    pub fn detect(path: &Path, text: &str) -> Self {
        match path.extension().and_then(|e| e.to_str()).map(str::to_ascii_lowercase).as_deref() {
            Some("json") => Self::Json,
            Some("toml") => Self::Toml,
            _ if text.trim_start().starts_with('{') => Self::Json,
            _ => Self::Toml,
        }
    }
}

/// Parses a policy file: the file and the map of its fields' positions, or the syntax or
/// schema error at its line and field.
pub(crate) fn parse(text: &str, format: Format) -> (Result<PolicyFile, Diagnostic>, SourceMap) {
    match format {
        Format::Toml => {
            let map = SourceMap::toml(text);
            let result = toml::from_str::<PolicyFile>(text).map_err(|e| {
                let offset = e.span().map(|s| s.start);
                let position = offset.and_then(|o| map.position(o));
                let mut path = offset.map_or_else(FieldPath::root, |o| map.path_at(o));
                // A duplicate key is not in the map (the first one is): name it from its span.
                if e.message().contains("duplicate key") {
                    if let Some(span) = e.span() {
                        let key = map.text(span.clone()).unwrap_or_default().trim().trim_matches('"');
                        path = map.key_before(key, span.start).unwrap_or_else(|| path.key(key));
                    }
                }
                Diagnostic::new(Severity::Error, path, e.message().trim_end().to_owned()).at(position)
            });
            (result, map)
        }
        Format::Json => {
            let map = SourceMap::json(text);
            let result = serde_json::from_str::<PolicyFile>(text).map_err(|e| {
                let offset = map.offset(e.line(), e.column());
                let path = offset.map_or_else(FieldPath::root, |o| map.path_at(o));
                let message = strip_json_position(&e.to_string());
                let position = (e.line() > 0).then_some(super::locate::Position { line: e.line(), column: e.column() });
                Diagnostic::new(Severity::Error, path, message).at(position)
            });
            (result, map)
        }
    }
}

/// serde_json's message without its " at line L column C" (the diagnostic carries them).
fn strip_json_position(message: &str) -> String {
    match message.rfind(" at line ") {
        Some(i) => message[..i].to_owned(),
        None => message.to_owned(),
    }
}
