//! The header every veil document starts with (`"format"` and `"version"`), checked the same
//! way for intents, approver sets and signatures ([DESIGN §5.7][design]): a file of another
//! kind or a newer version is named as such instead of failing on its first unknown field.
//!
//! [design]: https://github.com/veil-zk/veil/blob/main/DESIGN.md#57-documents

use std::path::Path;

use serde::Deserialize;

/// A kind of document: its `format` string, the `version` this crate reads, and its noun.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Kind {
    /// The `format` field's value.
    pub format: &'static str,
    /// The only `version` read and written.
    pub version: u64,
    /// What the file is, for messages ("an intent file").
    pub noun: &'static str,
}

/// A refused header: the field at fault and why.
#[derive(Debug, PartialEq, Eq)]
pub(crate) struct HeaderError {
    /// `"format"` or `"version"`.
    pub field: &'static str,
    /// What is wrong, for the user.
    pub reason: String,
}

/// The first fields of a document, read before the rest.
#[derive(Deserialize)]
pub(crate) struct Header {
    format: Option<serde_json::Value>,
    version: Option<serde_json::Value>,
}

impl Header {
    /// Refuses a present but wrong `format` or `version`; leaves missing or mistyped ones to
    /// the full parse, whose message says what the field should be.
    pub(crate) fn check(&self, kind: &Kind) -> Result<(), HeaderError> {
        match (&self.format, &self.version) {
            (Some(serde_json::Value::String(format)), version) => {
                check(format, version.as_ref().and_then(serde_json::Value::as_u64).unwrap_or(kind.version), kind)
            }
            _ => Ok(()),
        }
    }
}

/// Refuses another `format` or an unsupported `version`.
pub(crate) fn check(format: &str, version: u64, kind: &Kind) -> Result<(), HeaderError> {
    if format != kind.format {
        return Err(HeaderError {
            field: "format",
            reason: format!("is {format:?}, not {:?}: this is not {}", kind.format, kind.noun),
        });
    }
    if version != kind.version {
        return Err(HeaderError {
            field: "version",
            reason: format!("{version} is not supported (this veil reads version {})", kind.version),
        });
    }
    Ok(())
}

/// Reads a document of `kind` from `path`: the header first (so another veil file is named
/// as such), then the whole shape `T`.
pub(crate) fn read<T: serde::de::DeserializeOwned>(path: &Path, kind: &Kind) -> Result<T, DocumentError> {
    let text = std::fs::read_to_string(path)
        .map_err(|source| DocumentError::Io { path: path.display().to_string(), source })?;
    let header: Header =
        serde_json::from_str(&text).map_err(|e| DocumentError::field(path, "(file)", format!("not JSON: {e}")))?;
    header.check(kind).map_err(|e| DocumentError::field(path, e.field, e.reason))?;
    serde_json::from_str(&text).map_err(|e| DocumentError::field(path, "(file)", format!("not {}: {e}", kind.noun)))
}

/// Writes a document as pretty JSON with a final newline, atomically.
pub(crate) fn write<T: serde::Serialize>(path: &Path, doc: &T) -> Result<(), DocumentError> {
    let text = serde_json::to_string_pretty(doc).expect("plain data") + "\n";
    veil_fs::write_atomic(path, text.as_bytes(), false)
        .map_err(|source| DocumentError::Io { path: path.display().to_string(), source })
}

/// Why a document (a user operation, a message) was refused or not written.
#[derive(Debug, thiserror::Error)]
pub enum DocumentError {
    /// The file could not be read or written.
    #[error("{path}: {source}")]
    Io {
        /// The file.
        path: String,
        /// The error.
        source: std::io::Error,
    },
    /// A field is malformed or inconsistent.
    #[error("{path}: field `{field}`: {reason}")]
    Field {
        /// The file.
        path: String,
        /// The JSON field (`(file)` for the whole file).
        field: &'static str,
        /// What is wrong.
        reason: String,
    },
}

impl DocumentError {
    /// A refused field of the file at `path`.
    pub(crate) fn field(path: &Path, field: &'static str, reason: impl Into<String>) -> Self {
        Self::Field { path: path.display().to_string(), field, reason: reason.into() }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn header(text: &str) -> Header {
        serde_json::from_str(text).unwrap()
    }

    const THING: Kind = Kind { format: "veil-thing", version: 2, noun: "a thing file" };

    #[test]
    fn refuses_another_format_or_version_and_leaves_the_rest_to_the_parser() {
        assert_eq!(header(r#"{"format": "veil-thing", "version": 2, "x": 1}"#).check(&THING), Ok(()));
        let other = header(r#"{"format": "veil-intent", "version": 2}"#).check(&THING).unwrap_err();
        assert_eq!(other.field, "format");
        assert!(other.reason.contains("not a thing file"), "{}", other.reason);
        let newer = header(r#"{"format": "veil-thing", "version": 3}"#).check(&THING).unwrap_err();
        assert_eq!(
            newer,
            HeaderError { field: "version", reason: "3 is not supported (this veil reads version 2)".into() }
        );
        // Missing or mistyped fields are the full parse's to report.
        for text in [r#"{"version": 9}"#, r#"{"format": 7, "version": 9}"#, r#"{"format": "veil-thing"}"#] {
            assert_eq!(header(text).check(&THING), Ok(()), "{text}");
        }
    }
}
