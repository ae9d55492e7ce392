//! Semaphore v4 identity exports: the text that `Identity.export()` of
//! `@semaphore-protocol/identity` writes, read strictly.
//!
//! A v4 identity is an EdDSA-Poseidon private key: bytes of any length (`new Identity()` draws
//! 32; a text key, `new Identity("…")`, is its UTF-8 bytes). `export()` is the standard base64
//! of those bytes ([RFC 4648 §4][rfc]: alphabet `A–Z a–z 0–9 + /`, `=` padding, unused bits
//! zero; Node's `Buffer.toString("base64")`), and `Identity.import(text)` builds the identity
//! on the decoded bytes. A veil private key is the same bytes fed to the same derivation
//! ([DESIGN §2.4, §2.5][design]), so an imported key has Semaphore's secret scalar, public key
//! and commitment (vectors in `tests/vectors/semaphore.json`).
//!
//! Matches @semaphore-protocol/identity 4.14.3 (`Identity.export`, `Identity.import`), as
//! pinned in `scripts/package-lock.json`:
//! <https://github.com/semaphore-protocol/semaphore/tree/main/packages/identity>.
//!
//! `Identity.import` is lenient (Node's decoder skips unknown characters and needs no
//! padding); veil takes only what `export()` writes, with surrounding whitespace, and refuses
//! the rest rather than guess what the text meant;
//! errors give positions and counts, never a character of the text. Decoding is base64ct's
//! (constant time, strict).
//!
//! [rfc]: https://www.rfc-editor.org/rfc/rfc4648#section-4
//! [design]: https://github.com/veil-zk/veil/blob/main/DESIGN.md

use zeroize::Zeroizing;

use super::{keystore::MAX_KEY_LEN, KeyError};

fn refused(reason: String) -> KeyError {
    KeyError::SemaphoreExport { reason }
}

/// The private key's bytes in an export's text: standard base64 with its padding, as
/// `Identity.export()` writes it, surrounded by any ASCII whitespace (a trailing newline).
///
/// # Errors
/// [`KeyError::SemaphoreExport`]: no text; a length that is not a multiple of 4 (padding left
/// out, or the text cut short); a character outside the alphabet (base64url's `-` and `_`,
/// whitespace inside, `=` before the end), named by position; unused bits set; a key longer
/// than a key file holds ([`MAX_KEY_LEN`] bytes).
pub(super) fn decode_export(text: &[u8]) -> Result<Zeroizing<Vec<u8>>, KeyError> {
    let t = text.trim_ascii();
    let lead = text.len() - text.trim_ascii_start().len();
    if t.is_empty() {
        return Err(refused("no text (expected the base64 text that Identity.export() writes)".into()));
    }
    if !t.len().is_multiple_of(4) {
        return Err(refused(format!(
            "{} characters, not a multiple of 4 (padding left out, or the text cut short)",
            t.len()
        )));
    }
    let pad = t.iter().rev().take_while(|&&c| c == b'=').count();
    if pad > 2 {
        return Err(refused(format!("{pad} '=' at the end (base64 pads with at most 2)")));
    }
    let body = &t[..t.len() - pad];
    let len = body.len() * 3 / 4;
    if len > MAX_KEY_LEN {
        return Err(refused(format!("a key of {len} bytes; a veil key file holds 1 to {MAX_KEY_LEN}")));
    }

    // Every character in the alphabet, named by position when one is not (the text is
    // not secret-dependent in where it fails: a refused text is not a key).
    if let Some(i) = body.iter().position(|c| !(c.is_ascii_alphanumeric() || *c == b'+' || *c == b'/')) {
        return Err(refused(format!(
            "character {} is not in base64's alphabet (A-Z, a-z, 0-9, '+', '/', and '=' only as padding at the end)",
            lead + i + 1
        )));
    }
    // base64ct decodes in constant time and refuses non-canonical text: the unused low
    // bits of the last character set (export() writes them as zeros; other values decode
    // to the same bytes, so they are not what export() wrote).
    let text = std::str::from_utf8(t).expect("checked ASCII above");
    let out = Zeroizing::new(<base64ct::Base64 as base64ct::Encoding>::decode_vec(text).map_err(|_| {
        refused(format!("character {} has unused bits set (Identity.export() writes them as zeros)", lead + body.len()))
    })?);
    debug_assert_eq!(out.len(), len);
    if out.is_empty() {
        return Err(refused("no key bytes".into()));
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use proptest::prelude::*;

    use super::*;

    const ALPHABET: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

    /// Standard padded base64, written plainly (checked against Semaphore's exports in
    /// `keys::tests`).
    fn encode(bytes: &[u8]) -> String {
        let mut out = String::new();
        for chunk in bytes.chunks(3) {
            let b = [chunk[0], *chunk.get(1).unwrap_or(&0), *chunk.get(2).unwrap_or(&0)];
            let n = (u32::from(b[0]) << 16) | (u32::from(b[1]) << 8) | u32::from(b[2]);
            for k in 0..4 {
                if k <= chunk.len() {
                    out.push(char::from(ALPHABET[((n >> (18 - 6 * k)) & 63) as usize]));
                } else {
                    out.push('=');
                }
            }
        }
        out
    }

    #[test]
    fn every_byte_outside_the_alphabet_is_refused() {
        for c in 0..=255u8 {
            let text = [b'Q', b'U', c, b'D'];
            let accepted = decode_export(&text).is_ok();
            assert_eq!(accepted, ALPHABET.contains(&c), "byte {c:#04x}");
        }
    }

    #[test]
    fn shapes_are_refused_by_reason() {
        let cases: [(&[u8], &str); 12] = [
            (b"", "no text"),
            (b" \r\n\t", "no text"),
            (b"QUJD\n=", "not a multiple of 4"),
            (b"QUJDRA", "not a multiple of 4"),
            (b"====", "4 '=' at the end"),
            (b"QU==", "unused bits set"),
            (b"QUJ=", "unused bits set"),
            (b"QUJ-", "character 4 is not"),
            (b"  QU_D", "character 5 is not"),
            (b"QU=D", "character 3 is not"),
            (b"QUJD\xffQUI", "character 5 is not"),
            (b"QU\0D", "character 3 is not"),
        ];
        for (text, reason) in cases {
            let err = decode_export(text).unwrap_err();
            assert!(matches!(err, KeyError::SemaphoreExport { .. }), "{err}");
            assert!(err.to_string().contains(reason), "{:?}: {err}", String::from_utf8_lossy(text));
        }
        // The longest key a key file holds is read; one byte more is not.
        assert_eq!(decode_export(encode(&[7; MAX_KEY_LEN]).as_bytes()).unwrap().len(), MAX_KEY_LEN);
        let err = decode_export(encode(&[7; MAX_KEY_LEN + 1]).as_bytes()).unwrap_err();
        assert!(err.to_string().contains("1025 bytes"), "{err}");
    }

    proptest! {
        #[test]
        fn what_export_writes_decodes_to_its_bytes(bytes in prop::collection::vec(any::<u8>(), 1..=64), ws in "[ \t\r\n]{0,3}") {
            let text = format!("{ws}{}{ws}", encode(&bytes));
            prop_assert_eq!(&decode_export(text.as_bytes()).unwrap()[..], &bytes[..]);
        }

        #[test]
        fn any_one_changed_character_gives_other_bytes_or_a_refusal(bytes in prop::collection::vec(any::<u8>(), 1..=40), at in any::<prop::sample::Index>(), c in any::<u8>()) {
            let mut text = encode(&bytes).into_bytes();
            let i = at.index(text.len());
            prop_assume!(text[i] != c);
            text[i] = c;
            if let Ok(other) = decode_export(&text) {
                prop_assert_ne!(&other[..], &bytes[..]);
            }
        }
    }
}
