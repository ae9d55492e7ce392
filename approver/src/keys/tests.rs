//! The key module's tests: derivation against ethers and Semaphore vectors, keystores, key files.

use std::path::PathBuf;

use ark_ff::{BigInteger, PrimeField};
use rand::SeedableRng;
use rand_chacha::ChaCha20Rng;
use serde_json::{json, Value};

use super::*;

/// `tests/vectors/<name>.json`, written by `scripts/gen-vectors.mjs`.
fn reference(name: &str) -> Value {
    let path = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join(format!("../tests/vectors/{name}.json"));
    let text = std::fs::read_to_string(&path)
        .unwrap_or_else(|e| panic!("reading {}: {e} (run `node scripts/gen-vectors.mjs`)", path.display()));
    serde_json::from_str(&text).unwrap_or_else(|e| panic!("parsing {}: {e}", path.display()))
}

/// `tests/vectors/hd.json`: BIP-39, BIP-32 and keystores from ethers, identities from
/// @semaphore-protocol/identity.
fn hd() -> Value {
    reference("hd")
}

/// `tests/vectors/semaphore.json`: `Identity.export()` texts and their identities, from
/// @semaphore-protocol/identity.
fn semaphore() -> Value {
    reference("semaphore")
}

fn list<'a>(v: &'a Value, name: &str) -> &'a Vec<Value> {
    v[name].as_array().unwrap_or_else(|| panic!("a `{name}` array"))
}

fn s(v: &Value) -> &str {
    v.as_str().unwrap_or_else(|| panic!("expected a string, got {v}"))
}

const TEST_JUNK: &str = "test test test test test test test test test test test junk";

/// An RNG that replays fixed bytes (to feed ethers' entropy to `new_mnemonic`).
struct Replay(Vec<u8>);

impl RngCore for Replay {
    fn next_u32(&mut self) -> u32 {
        unimplemented!("only fill_bytes is used")
    }
    fn next_u64(&mut self) -> u64 {
        unimplemented!("only fill_bytes is used")
    }
    fn fill_bytes(&mut self, dest: &mut [u8]) {
        assert!(dest.len() <= self.0.len(), "asked for more bytes than recorded");
        dest.copy_from_slice(&self.0[..dest.len()]);
        self.0.drain(..dest.len());
    }
    fn try_fill_bytes(&mut self, dest: &mut [u8]) -> Result<(), rand::Error> {
        self.fill_bytes(dest);
        Ok(())
    }
}
impl CryptoRng for Replay {}

fn rng(seed: u64) -> ChaCha20Rng {
    ChaCha20Rng::seed_from_u64(seed)
}

fn save_light(key: &Key, path: &Path, passphrase: &[u8], seed: u64) {
    key.save_with_rng(path, passphrase, Kdf::Light, false, &mut rng(seed)).unwrap();
}

fn secp_hex(secret: &k256::SecretKey) -> String {
    hex::encode(secret.to_bytes())
}

fn field_of(e: &KeyError) -> &str {
    match e {
        KeyError::Corrupt { field, .. } | KeyError::Unsupported { field, .. } => field,
        KeyError::WrongPassphrase { .. } => "(mac)",
        KeyError::Exists { .. } => "(exists)",
        KeyError::Io { .. } => "(io)",
        KeyError::Mnemonic { .. } => "(mnemonic)",
        KeyError::Path { .. } => "(path)",
        KeyError::Source { .. } => "(source)",
        KeyError::SemaphoreExport { .. } => "(semaphore)",
    }
}

/// A big-endian integer in decimal.
fn decimal(be: &[u8]) -> String {
    let mut n = be.to_vec();
    let mut digits = Vec::new();
    while n.iter().any(|&b| b != 0) {
        let mut rem = 0u32;
        for b in &mut n {
            let cur = rem * 256 + u32::from(*b);
            *b = u8::try_from(cur / 10).unwrap();
            rem = cur % 10;
        }
        digits.push(b'0' + u8::try_from(rem).unwrap());
    }
    if digits.is_empty() {
        digits.push(b'0');
    }
    digits.reverse();
    String::from_utf8(digits).unwrap()
}

/// Every printable form of a key's secrets: the private key and the secret scalar in hex
/// (both byte orders, both cases) and decimal (both byte orders).
fn secret_forms(key: &Key) -> Vec<String> {
    let mut out = Vec::new();
    let mut add = |be: Vec<u8>| {
        let mut le = be.clone();
        le.reverse();
        for b in [be, le] {
            out.push(hex::encode(&b));
            out.push(hex::encode_upper(&b));
            out.push(decimal(&b));
        }
    };
    add(key.private.as_bytes().to_vec());
    let scalar = key.private.secret_scalar();
    add(scalar.expose().into_bigint().to_bytes_be());
    out.push(scalar.expose().to_string());
    out
}

/// Asserts that `text` holds no form of the secrets (and no run of 2 consecutive mnemonic
/// words, nor the phrase).
fn assert_no_secret(text: &str, forms: &[String], phrase: Option<&str>) {
    for f in forms {
        // A 64-digit hex string or a 70-odd-digit decimal: any 16-character window would
        // already be a leak, so look for the first 16 characters as well as the whole.
        assert!(!text.contains(f.as_str()), "leaks a secret: {text}");
        assert!(!text.contains(&f[..16]), "leaks part of a secret: {text}");
    }
    if let Some(phrase) = phrase {
        assert!(!text.contains(phrase), "leaks the mnemonic: {text}");
        let words: Vec<&str> = phrase.split(' ').collect();
        for pair in words.windows(2) {
            assert!(!text.contains(&pair.join(" ")), "leaks mnemonic words: {text}");
        }
    }
}

// -----------------------------------------------------------------------------------------
// Derivation: BIP-39, BIP-32, the identity mapping.
// -----------------------------------------------------------------------------------------

#[test]
fn bip39_seeds_and_phrases_match_ethers() {
    let reference = hd();
    let cases = list(&reference, "bip39");
    assert!(cases.len() >= 20);
    for v in cases {
        let (phrase, password) = (s(&v["phrase"]), s(&v["password"]));
        let seed = mnemonic_seed(phrase, password).unwrap();
        assert_eq!(hex::encode(&seed[..]), s(&v["seed"]), "seed of {phrase:?} / {password:?}");
        // new_mnemonic turns the same entropy into the same phrase.
        let entropy = hex::decode(s(&v["entropy"])).unwrap();
        let words = entropy.len() * 3 / 4;
        assert_eq!(new_mnemonic(&mut Replay(entropy), words).unwrap().as_str(), phrase);
    }
    // The passphrase is NFKD-normalised, as BIP-39 (and ethers) do: NFC and NFD agree.
    let v = cases.iter().find(|v| !s(&v["password"]).is_ascii()).expect("a non-ASCII passphrase");
    let nfd = s(&v["password"]).replace('\u{e4}', "a\u{308}").replace('\u{f6}', "o\u{308}");
    assert_ne!(nfd, s(&v["password"]));
    assert_eq!(hex::encode(&mnemonic_seed(s(&v["phrase"]), &nfd).unwrap()[..]), s(&v["seed"]));
}

#[test]
fn bip32_test_vectors_match_ethers() {
    let reference = hd();
    let cases = list(&reference, "bip32");
    assert_eq!(cases.len(), 12);
    for v in cases {
        let seed = hex::decode(s(&v["seed"])).unwrap();
        let secret = secp256k1_from_seed(&seed, &parse_path(s(&v["path"])).unwrap()).unwrap();
        assert_eq!(secp_hex(&secret), s(&v["private_key"]), "{}", s(&v["path"]));
        assert_eq!(eth_address(&secret).to_checksum(None), s(&v["address"]));
    }
}

#[test]
fn mnemonic_child_keys_and_veil_identities_match_ethers_and_semaphore() {
    let reference = hd();
    let cases = list(&reference, "vectors");
    assert_eq!(cases.len(), 12);
    for v in cases {
        let (phrase, password, path) = (s(&v["phrase"]), s(&v["password"]), s(&v["path"]));
        let label = s(&v["label"]);
        // The secp256k1 child key and its address (ethers' HDNodeWallet).
        let secret =
            secp256k1_from_seed(&mnemonic_seed(phrase, password).unwrap()[..], &parse_path(path).unwrap()).unwrap();
        assert_eq!(secp_hex(&secret), s(&v["private_key"]), "{label}");
        // The veil identity (@semaphore-protocol/identity over the mapped key).
        let key = Key::from_mnemonic(phrase, password, path).unwrap();
        let veil = &v["veil"];
        assert_eq!(hex::encode(key.private.as_bytes()), s(&veil["private_key"]), "{label}");
        assert_eq!(key.private.secret_scalar().expose().to_string(), s(&veil["secret_scalar"]), "{label}");
        assert_eq!(key.public_key.x.to_string(), s(&veil["public_key"][0]), "{label}");
        assert_eq!(key.public_key.y.to_string(), s(&veil["public_key"][1]), "{label}");
        assert_eq!(key.commitment.to_string(), s(&veil["commitment"]), "{label}");
        let source = key.source.as_ref().unwrap();
        assert_eq!(source.kind, SourceKind::Mnemonic);
        assert_eq!(source.path.as_deref(), Some(path));
        assert_eq!(source.address.unwrap().to_checksum(None), s(&v["address"]), "{label}");
    }
    assert_eq!(s(&reference["identity_domain"]), hex::encode(IDENTITY_DOMAIN));
}

/// The veil identity of the Hardhat/Foundry test mnemonic at the default path, pinned.
#[test]
fn the_test_mnemonic_identity_is_pinned() {
    let reference = hd();
    let v = list(&reference, "vectors")
        .iter()
        .find(|v| s(&v["label"]) == "hardhat m/44'/60'/0'/0/0")
        .expect("the pinned vector");
    let key = Key::from_mnemonic(TEST_JUNK, "", DEFAULT_PATH).unwrap();
    assert_eq!(key.commitment.to_string(), s(&v["veil"]["commitment"]));
    assert_eq!(hex::encode(key.private.as_bytes()), s(&v["veil"]["private_key"]));
    let source = key.source.unwrap();
    assert_eq!(source.address.unwrap().to_checksum(None), s(&v["address"]));
    assert_eq!(source.path.as_deref(), Some(DEFAULT_PATH));
    // The mapping, applied directly to the published child key.
    let secret = k256::SecretKey::from_slice(&hex::decode(s(&v["private_key"])).unwrap()).unwrap();
    assert_eq!(hex::encode(identity_private_key(&secret).as_bytes()), s(&v["veil"]["private_key"]));
}

#[test]
fn derivation_is_repeatable_and_paths_are_unlinkable() {
    let a = Key::from_mnemonic(TEST_JUNK, "", DEFAULT_PATH).unwrap();
    let again = Key::from_mnemonic(TEST_JUNK, "", DEFAULT_PATH).unwrap();
    assert_eq!(a.private.as_bytes(), again.private.as_bytes());
    // Spelling variants of the same phrase and path give the same key; the path is
    // recorded in canonical form.
    let loose =
        Key::from_mnemonic("  Test TEST test test test test test test test test\ttest junk\n", "", "m/44h/60h/0h/0/0")
            .unwrap();
    assert_eq!(loose.private.as_bytes(), a.private.as_bytes());
    assert_eq!(loose.source.unwrap().path.as_deref(), Some(DEFAULT_PATH));
    // Other paths and passphrases give other identities and other addresses.
    let others = [
        Key::from_mnemonic(TEST_JUNK, "", "m/44'/60'/0'/0/1").unwrap(),
        Key::from_mnemonic(TEST_JUNK, "", "m/44'/60'/1'/0/0").unwrap(),
        Key::from_mnemonic(TEST_JUNK, "x", DEFAULT_PATH).unwrap(),
    ];
    for o in &others {
        assert_ne!(o.commitment, a.commitment);
        assert_ne!(o.source.as_ref().unwrap().address, a.source.as_ref().unwrap().address);
    }
}

#[test]
fn new_mnemonics_have_the_asked_length_and_derive() {
    let mut r = rng(7);
    for words in [12, 15, 18, 21, DEFAULT_WORDS] {
        let phrase = new_mnemonic(&mut r, words).unwrap();
        assert_eq!(phrase.split(' ').count(), words);
        Key::from_mnemonic(&phrase, "", DEFAULT_PATH).unwrap();
    }
    assert_ne!(*new_mnemonic(&mut r, 24).unwrap(), *new_mnemonic(&mut r, 24).unwrap());
    for words in [0, 11, 13, 25] {
        assert!(matches!(new_mnemonic(&mut r, words), Err(KeyError::Mnemonic { .. })), "{words}");
    }
}

#[test]
fn bad_mnemonics_and_paths_are_refused_without_echoing_words() {
    let phrase = new_mnemonic(&mut rng(8), 24).unwrap();
    let words: Vec<&str> = phrase.split(' ').collect();
    let mut swapped = words.clone();
    swapped.swap(0, 23);
    let mut unknown = words.clone();
    unknown[5] = "veilsecretword";
    let cases = [
        (words[..23].join(" "), "23 words"),
        (unknown.join(" "), "word 6 is not in the English BIP-39 word list"),
        (["abandon"; 12].join(" "), "checksum"),
        (String::new(), "0 words"),
    ];
    for (bad, expected) in &cases {
        let err = Key::from_mnemonic(bad, "", DEFAULT_PATH).unwrap_err();
        assert!(matches!(err, KeyError::Mnemonic { .. }), "{err}");
        let msg = err.to_string();
        assert!(msg.contains(expected), "{msg}");
        assert!(!msg.contains("veilsecretword") && !msg.contains("abandon"), "{msg}");
        assert_no_secret(&msg, &[], Some(&phrase));
    }
    // A swapped pair either fails the checksum or (1 in 256) gives another key: never ours.
    if let Ok(k) = Key::from_mnemonic(&swapped.join(" "), "", DEFAULT_PATH) {
        assert_ne!(k.commitment, Key::from_mnemonic(&phrase, "", DEFAULT_PATH).unwrap().commitment);
    }
    for bad in ["", "44'/60'", "m/", "m/2147483648", "m/x'", "m/44'/60'/0'/0/0/", "M/44'"] {
        let err = Key::from_mnemonic(TEST_JUNK, "", bad).unwrap_err();
        assert!(matches!(&err, KeyError::Path { path_str, .. } if path_str == bad), "{bad}: {err}");
    }
}

// -----------------------------------------------------------------------------------------
// Ethereum keystores.
// -----------------------------------------------------------------------------------------

#[test]
fn ethers_keystores_import_with_their_address() {
    let reference = hd();
    let dir = tempfile::tempdir().unwrap();
    let cases = list(&reference, "keystores");
    assert_eq!(cases.len(), 2, "scrypt (ethers) and pbkdf2");
    for (i, v) in cases.iter().enumerate() {
        let path = dir.path().join(format!("eth-{i}.json"));
        std::fs::write(&path, s(&v["json"])).unwrap();
        let pass = s(&v["passphrase"]).as_bytes();
        let key = Key::from_eth_keystore(&path, pass).unwrap();
        assert_eq!(hex::encode(key.private.as_bytes()), s(&v["veil"]["private_key"]), "{}", s(&v["label"]));
        assert_eq!(key.commitment.to_string(), s(&v["veil"]["commitment"]));
        assert_eq!(
            key.source,
            Some(KeySource {
                kind: SourceKind::EthKeystore,
                path: None,
                address: Some(Address::parse_checksummed(s(&v["address"]), None).unwrap())
            })
        );
        let secret = k256::SecretKey::from_slice(&hex::decode(s(&v["private_key"])).unwrap()).unwrap();
        assert_eq!(key.private.as_bytes(), identity_private_key(&secret).as_bytes());

        let err = Key::from_eth_keystore(&path, b"not the passphrase").unwrap_err();
        assert!(matches!(err, KeyError::WrongPassphrase { .. }), "{err}");
        assert!(err.to_string().contains(&format!("eth-{i}.json")), "{err}");

        // A recorded address that disagrees with the key is refused.
        let mut json: Value = serde_json::from_str(s(&v["json"])).unwrap();
        json["address"] = json!("0000000000000000000000000000000000000001");
        std::fs::write(&path, json.to_string()).unwrap();
        let err = Key::from_eth_keystore(&path, pass).unwrap_err();
        assert_eq!(field_of(&err), "address", "{err}");
    }
}

#[test]
fn eth_keystore_crate_reads_our_files_and_we_read_its_files() {
    let dir = tempfile::tempdir().unwrap();
    // Ours -> eth-keystore: the plaintext is the veil private key.
    let key = Key::from_mnemonic(TEST_JUNK, "", DEFAULT_PATH).unwrap();
    let ours = dir.path().join("veil.key");
    save_light(&key, &ours, b"pass phrase", 1);
    assert_eq!(eth_keystore::decrypt_key(&ours, b"pass phrase").unwrap(), key.private.as_bytes());
    assert!(matches!(eth_keystore::decrypt_key(&ours, b"wrong"), Err(eth_keystore::KeystoreError::MacMismatch)));

    // eth-keystore -> ours: its secp256k1 key, mapped.
    let secret = k256::SecretKey::random(&mut rng(2));
    let id =
        eth_keystore::encrypt_key(dir.path(), &mut rng(3), secret.to_bytes(), "hunter2", Some("theirs.json")).unwrap();
    assert!(!id.is_empty());
    let imported = Key::from_eth_keystore(&dir.path().join("theirs.json"), b"hunter2").unwrap();
    let expected = Key::from_secp256k1(&secret, SourceKind::EthKeystore, None);
    assert_eq!(imported.private.as_bytes(), expected.private.as_bytes());
    assert_eq!(imported.source, expected.source);
}

#[test]
fn keystores_and_key_files_are_not_confused() {
    let reference = hd();
    let dir = tempfile::tempdir().unwrap();
    let eth = dir.path().join("eth.json");
    let v = &list(&reference, "keystores")[0];
    std::fs::write(&eth, s(&v["json"])).unwrap();
    let err = Key::load(&eth, s(&v["passphrase"]).as_bytes()).unwrap_err();
    assert_eq!(field_of(&err), "veil", "{err}");
    assert!(err.to_string().contains("Ethereum keystore"), "{err}");
    assert_eq!(field_of(&read_public(&eth).unwrap_err()), "veil");

    let ours = dir.path().join("veil.key");
    save_light(&Key::generate(&mut rng(4)), &ours, b"p", 5);
    let err = Key::from_eth_keystore(&ours, b"p").unwrap_err();
    assert_eq!(field_of(&err), "veil", "{err}");
}

// -----------------------------------------------------------------------------------------
// Semaphore v4 identity exports.
// -----------------------------------------------------------------------------------------

const SEMAPHORE_SOURCE: KeySource = KeySource { kind: SourceKind::Semaphore, path: None, address: None };

#[test]
fn semaphore_exports_import_as_their_identity() {
    let reference = semaphore();
    let cases = list(&reference, "vectors");
    assert!(cases.len() >= 12, "32-byte keys, other lengths, text keys");
    for v in cases {
        let (label, export) = (s(&v["label"]), s(&v["export"]));
        for text in [export.to_owned(), format!("{export}\n"), format!(" \t{export}\r\n\n")] {
            let key = Key::from_semaphore_export(text.as_bytes()).unwrap_or_else(|e| panic!("{label}: {e}"));
            assert_eq!(hex::encode(key.private.as_bytes()), s(&v["private_key"]), "{label}");
            assert_eq!(key.private.secret_scalar().expose().to_string(), s(&v["secret_scalar"]), "{label}");
            assert_eq!(key.public_key.x.to_string(), s(&v["public_key"][0]), "{label}");
            assert_eq!(key.public_key.y.to_string(), s(&v["public_key"][1]), "{label}");
            assert_eq!(key.commitment.to_string(), s(&v["commitment"]), "{label}");
            assert_eq!(key.source, Some(SEMAPHORE_SOURCE), "{label}");
        }
        // A text key is imported as its UTF-8 bytes, as Semaphore hashes it.
        if let Some(text) = v["private_key_utf8"].as_str() {
            assert_eq!(hex::encode(text.as_bytes()), s(&v["private_key"]), "{label}");
        }
    }
    // The longest key a key file holds is among them.
    assert!(cases.iter().any(|v| s(&v["private_key"]).len() == 2 * 1024));
}

#[test]
fn semaphore_imports_round_trip_through_key_files() {
    let reference = semaphore();
    let dir = tempfile::tempdir().unwrap();
    let cases = list(&reference, "vectors");
    for (i, v) in [&cases[0], cases.last().unwrap()].into_iter().enumerate() {
        let key = Key::from_semaphore_export(s(&v["export"]).as_bytes()).unwrap();
        let path = dir.path().join(format!("semaphore-{i}.key"));
        save_light(&key, &path, b"pass", 10 + u64::try_from(i).unwrap());
        let back = Key::load(&path, b"pass").unwrap();
        assert_eq!(back.private.as_bytes(), key.private.as_bytes());
        assert_eq!(back.commitment.to_string(), s(&v["commitment"]));
        assert_eq!(back.source, Some(SEMAPHORE_SOURCE));
        assert_eq!(read_public(&path).unwrap().source, Some(SEMAPHORE_SOURCE));
        let text = std::fs::read_to_string(&path).unwrap();
        assert_no_secret(&text, &secret_forms(&key), None);
        assert!(!text.contains(s(&v["export"])), "the export is in the file in clear");
        let json: Value = serde_json::from_str(&text).unwrap();
        assert_eq!(json["veil"]["source"], json!({"kind": "semaphore", "path": null, "address": null}));
    }

    // The source's form is checked without the passphrase; its MAC binds the kind.
    let path = dir.path().join("semaphore-0.key");
    let json: Value = serde_json::from_str(&std::fs::read_to_string(&path).unwrap()).unwrap();
    let address = Key::from_mnemonic(TEST_JUNK, "", DEFAULT_PATH).unwrap().source.unwrap().address.unwrap();
    let with = |pointer: &str, value: Value| {
        let mut j = json.clone();
        *j.pointer_mut(pointer).unwrap() = value;
        j
    };
    for (bad, field) in [
        (with("/veil/source/address", json!(address.to_checksum(None))), "veil.source.address"),
        (with("/veil/source/path", json!(DEFAULT_PATH)), "veil.source.path"),
        (with("/veil/source/kind", json!("eth-keystore")), "veil.source.address"),
        (with("/veil/source/kind", json!("semaphore-v3")), "veil.source.kind"),
    ] {
        std::fs::write(&path, bad.to_string()).unwrap();
        assert_eq!(field_of(&read_public(&path).unwrap_err()), field, "{bad}");
        assert_eq!(field_of(&Key::load(&path, b"pass").unwrap_err()), field, "{bad}");
    }
    std::fs::write(&path, with("/veil/source", Value::Null).to_string()).unwrap();
    assert_eq!(read_public(&path).unwrap().source, None);
    assert_eq!(field_of(&Key::load(&path, b"pass").unwrap_err()), "veil.source");
    // A wallet key relabelled as a Semaphore import is refused after decryption.
    let wallet = dir.path().join("wallet.key");
    save_light(&Key::from_mnemonic(TEST_JUNK, "", DEFAULT_PATH).unwrap(), &wallet, b"pass", 12);
    let mut j: Value = serde_json::from_str(&std::fs::read_to_string(&wallet).unwrap()).unwrap();
    j["veil"]["source"] = json!({"kind": "semaphore", "path": null, "address": null});
    std::fs::write(&wallet, j.to_string()).unwrap();
    assert_eq!(read_public(&wallet).unwrap().source, Some(SEMAPHORE_SOURCE));
    assert_eq!(field_of(&Key::load(&wallet, b"pass").unwrap_err()), "veil.source");
}

#[test]
fn texts_that_export_does_not_write_are_refused_without_echoing_them() {
    let reference = semaphore();
    let cases = list(&reference, "refused");
    let expected = |label: &str| match label {
        "empty" | "whitespace only" => "no text",
        "base64url alphabet" => "character 24 is not in base64's alphabet",
        "text after the padding" => "character 44 is not in base64's alphabet",
        "padding left out" | "a line break inside" | "a space inside" | "hex private key" => "not a multiple of 4",
        "unused bits set" => "character 43 has unused bits set",
        "1025 bytes" => "a key of 1025 bytes; a veil key file holds 1 to 1024",
        other => panic!("a refused vector this test does not know: {other:?}"),
    };
    let mut texts: Vec<(String, String)> =
        cases.iter().map(|v| (s(&v["export"]).to_owned(), expected(s(&v["label"])).to_owned())).collect();
    assert_eq!(texts.len(), 10);
    // And what else a file might hold by mistake: a Semaphore v3 identity's JSON, bytes that
    // are not text.
    texts.push((r#"["0x1f2e3d4c5b6a", "0x0a1b2c3d4e5f"]"#.into(), "character 1 is not".into()));
    texts.push((r#"["0x1f2e3d4c5b6a","0x0a1b2c3d4e"]"#.into(), "not a multiple of 4".into()));
    let mut raw: Vec<(Vec<u8>, String)> = texts.into_iter().map(|(t, e)| (t.into_bytes(), e)).collect();
    raw.push((b"QUJD\xff\xfeQU".to_vec(), "character 5 is not".into()));
    for (text, reason) in &raw {
        let err = Key::from_semaphore_export(text).unwrap_err();
        assert!(matches!(err, KeyError::SemaphoreExport { .. }), "{err}");
        let shown = [err.to_string(), format!("{err:?}")];
        assert!(shown[0].contains(reason), "{:?}: {}", String::from_utf8_lossy(text), shown[0]);
        let trimmed = String::from_utf8_lossy(text.trim_ascii()).into_owned();
        for t in &shown {
            for w in trimmed.as_bytes().windows(8) {
                assert!(!t.contains(&*String::from_utf8_lossy(w)), "echoes the text: {t}");
            }
        }
    }
    // A private key in hex (64 characters) is valid base64 of 48 other bytes, which Semaphore's
    // import reads as another identity too: it cannot be told apart, and the commitment
    // printed by `veil key new` is the check.
    let v = &list(&reference, "vectors")[0];
    let other = Key::from_semaphore_export(s(&v["private_key"]).as_bytes()).unwrap();
    assert_eq!(other.private.as_bytes().len(), 48);
    assert_ne!(other.commitment.to_string(), s(&v["commitment"]));

    // An imported key's Debug shows no form of the secret, nor the export.
    let key = Key::from_semaphore_export(s(&v["export"]).as_bytes()).unwrap();
    for t in [format!("{key:?}"), format!("{:?}", key.private), format!("{:?}", key.source)] {
        assert_no_secret(&t, &secret_forms(&key), None);
        assert!(!t.contains(&s(&v["export"])[..16]), "{t}");
    }
}

// -----------------------------------------------------------------------------------------
// Key files.
// -----------------------------------------------------------------------------------------

#[test]
fn round_trip_is_exact_encrypted_and_0600() {
    let dir = tempfile::tempdir().unwrap();
    for (name, key) in [
        ("random.key", Key::generate(&mut rng(91))),
        ("derived.key", Key::from_mnemonic(TEST_JUNK, "", "m/44'/60'/0'/0/7").unwrap()),
    ] {
        let path = dir.path().join(name);
        save_light(&key, &path, "pässphrase".as_bytes(), 92);
        let back = Key::load(&path, "pässphrase".as_bytes()).unwrap();
        assert_eq!(back.private.as_bytes(), key.private.as_bytes());
        assert_eq!(back.public_key, key.public_key);
        assert_eq!(back.commitment, key.commitment);
        assert_eq!(back.source, key.source);
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            assert_eq!(std::fs::metadata(&path).unwrap().permissions().mode() & 0o777, 0o600);
        }
        let text = std::fs::read_to_string(&path).unwrap();
        assert_no_secret(&text, &secret_forms(&key), None);
        let json: Value = serde_json::from_str(&text).unwrap();
        assert_eq!(json["version"], 3);
        assert_eq!(json["crypto"]["kdfparams"]["n"], 4096);
        assert_eq!(json["veil"]["commitment"], key.commitment.to_string());
        let info = read_public(&path).unwrap();
        assert_eq!(
            info,
            PublicInfo {
                public_key: key.public_key,
                commitment: key.commitment,
                source: key.source.clone(),
                encrypted: true
            }
        );
    }
    assert_eq!(std::fs::read_dir(dir.path()).unwrap().count(), 2, "no temporary file left behind");
    // The same key saved twice is encrypted under a fresh salt and IV.
    let key = Key::generate(&mut rng(93));
    let (a, b) = (dir.path().join("a"), dir.path().join("b"));
    key.save(&a, b"p", Kdf::Light, false).unwrap();
    key.save(&b, b"p", Kdf::Light, false).unwrap();
    let ct = |p: &Path| serde_json::from_str::<Value>(&std::fs::read_to_string(p).unwrap()).unwrap()["crypto"].clone();
    assert_ne!(ct(&a)["ciphertext"], ct(&b)["ciphertext"]);
    assert_ne!(ct(&a)["kdfparams"]["salt"], ct(&b)["kdfparams"]["salt"]);
}

#[test]
fn standard_kdf_round_trip() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("standard.key");
    let key = Key::generate(&mut rng(94));
    let start = std::time::Instant::now();
    key.save(&path, b"correct horse battery staple", Kdf::Standard, false).unwrap();
    let back = Key::load(&path, b"correct horse battery staple").unwrap();
    eprintln!("Kdf::Standard save + load: {:?}", start.elapsed());
    assert_eq!(back.private.as_bytes(), key.private.as_bytes());
    let json: Value = serde_json::from_str(&std::fs::read_to_string(&path).unwrap()).unwrap();
    assert_eq!(
        json["crypto"]["kdfparams"],
        json!({"dklen": 32, "n": 262144, "r": 8, "p": 1, "salt": json["crypto"]["kdfparams"]["salt"]})
    );
}

#[test]
fn an_existing_file_is_replaced_only_when_asked() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("k.key");
    let first = Key::generate(&mut rng(95));
    save_light(&first, &path, b"one", 1);
    let before = std::fs::read(&path).unwrap();
    let second = Key::generate(&mut rng(96));
    let err = second.save_with_rng(&path, b"two", Kdf::Light, false, &mut rng(2)).unwrap_err();
    assert!(matches!(err, KeyError::Exists { .. }), "{err}");
    assert!(err.to_string().contains("k.key"), "{err}");
    assert_eq!(std::fs::read(&path).unwrap(), before, "the file is untouched");
    // The no-clobber rename refuses too, should the file appear after the early check.
    let err = veil_fs::write_new_atomic(&path, b"x", true).unwrap_err();
    assert_eq!(err.kind(), io::ErrorKind::AlreadyExists);
    assert_eq!(std::fs::read(&path).unwrap(), before);

    second.save_with_rng(&path, b"two", Kdf::Light, true, &mut rng(3)).unwrap();
    assert_eq!(Key::load(&path, b"two").unwrap().commitment, second.commitment);
    assert_eq!(std::fs::read_dir(dir.path()).unwrap().count(), 1, "no temporary file left behind");
}

#[test]
fn a_source_that_would_not_read_back_is_not_saved() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("k.key");
    let key = Key::from_mnemonic(TEST_JUNK, "", DEFAULT_PATH).unwrap();
    let address = key.source.as_ref().unwrap().address;
    let good = Some(DEFAULT_PATH);
    for (kind, bad, address, refusal) in [
        (SourceKind::Mnemonic, None, address, "(path)"),
        (SourceKind::Mnemonic, Some("m/44h/60h/0h/0/0"), address, "(path)"),
        (SourceKind::Mnemonic, Some("m/44'/\u{1b}[31m"), address, "(path)"),
        (SourceKind::EthKeystore, Some(DEFAULT_PATH), address, "(path)"),
        (SourceKind::Semaphore, Some(DEFAULT_PATH), None, "(path)"),
        (SourceKind::Mnemonic, good, None, "(source)"),
        (SourceKind::EthKeystore, None, None, "(source)"),
        (SourceKind::Semaphore, None, address, "(source)"),
    ] {
        let mut k = key.clone();
        k.source = Some(KeySource { kind, path: bad.map(String::from), address });
        let err = k.save_with_rng(&path, b"p", Kdf::Light, false, &mut rng(1)).unwrap_err();
        assert_eq!(field_of(&err), refusal, "{err}");
        assert!(!path.exists());
    }
}

#[test]
fn a_wrong_passphrase_is_a_clear_error() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("alice.key");
    let key = Key::generate(&mut rng(97));
    save_light(&key, &path, b"right", 1);
    for wrong in [&b"wrong"[..], b"", b"right ", b"Right"] {
        let err = Key::load(&path, wrong).unwrap_err();
        assert!(matches!(err, KeyError::WrongPassphrase { .. }), "{err}");
        let msg = err.to_string();
        assert!(msg.contains("alice.key") && msg.contains("wrong passphrase"), "{msg}");
    }
}

/// Damaged versions of a saved key file, each with the field its error must name.
fn corruptions(text: &str) -> Vec<(String, &'static str)> {
    let json: Value = serde_json::from_str(text).unwrap();
    let with = |pointer: &str, value: Value| {
        let mut j = json.clone();
        *j.pointer_mut(pointer).unwrap_or_else(|| panic!("{pointer}")) = value;
        serde_json::to_string_pretty(&j).unwrap()
    };
    let without = |parent: &str, key: &str| {
        let mut j = json.clone();
        j.pointer_mut(parent).unwrap().as_object_mut().unwrap().remove(key);
        serde_json::to_string_pretty(&j).unwrap()
    };
    let adding = |parent: &str, key: &str, value: Value| {
        let mut j = json.clone();
        j.pointer_mut(parent).unwrap().as_object_mut().unwrap().insert(key.into(), value);
        serde_json::to_string_pretty(&j).unwrap()
    };
    let ciphertext = json["crypto"]["ciphertext"].as_str().unwrap();
    vec![
        (text[..text.len() / 2].to_string(), "(file)"),
        (text[..text.len() - 3].to_string(), "(file)"),
        (String::new(), "(file)"),
        ("not json at all".into(), "(file)"),
        ("[1, 2]".into(), "(file)"),
        (without("", "crypto"), "(file)"),
        (without("/crypto", "mac"), "(file)"),
        (adding("/veil", "extra", json!(1)), "(file)"),
        (with("/version", json!(4)), "version"),
        (with("/crypto/cipher", json!("aes-256-gcm")), "crypto.cipher"),
        (with("/crypto/cipherparams/iv", json!("00112233")), "crypto.cipherparams.iv"),
        (with("/crypto/ciphertext", json!("zz")), "crypto.ciphertext"),
        (with("/crypto/ciphertext", json!("")), "crypto.ciphertext"),
        (with("/crypto/mac", json!(&ciphertext[..40])), "crypto.mac"),
        (with("/crypto/kdf", json!("argon2id")), "crypto.kdf"),
        (with("/crypto/kdfparams/n", json!(1000)), "crypto.kdfparams.n"),
        (with("/crypto/kdfparams/n", json!(1u64 << 30)), "crypto.kdfparams.n"),
        (with("/crypto/kdfparams/n", json!(-1)), "(file)"),
        (with("/crypto/kdfparams/p", json!(1000)), "crypto.kdfparams.p"),
        (with("/crypto/kdfparams/dklen", json!(16)), "crypto.kdfparams.dklen"),
        (with("/crypto/kdfparams/salt", json!("")), "crypto.kdfparams.salt"),
        (without("/crypto/kdfparams", "r"), "crypto.kdfparams.r"),
        (with("/veil/format", json!("other")), "veil.format"),
        (with("/veil/version", json!(3)), "veil.version"),
        (with("/veil/commitment", json!("12x")), "veil.commitment"),
        (
            with("/veil/commitment", json!(format!("0{}", json["veil"]["commitment"].as_str().unwrap()))),
            "veil.commitment",
        ),
        (with("/veil/public_key", json!(["1", "2"])), "veil.public_key"),
        (with("/veil/source_mac", json!("00")), "veil.source_mac"),
        (with("/veil/source/kind", json!("ledger")), "veil.source.kind"),
        (with("/veil/source/path", json!("m/44'/x")), "veil.source.path"),
        (with("/veil/source/path", json!("m/44h/60h/0h/0/0")), "veil.source.path"),
        (with("/veil/source/path", Value::Null), "veil.source.path"),
        (with("/veil/source/address", Value::Null), "veil.source.address"),
        (
            with("/veil/source/address", json!(json["veil"]["source"]["address"].as_str().unwrap().to_lowercase())),
            "veil.source.address",
        ),
        // A changed ciphertext or salt fails the MAC: Web3 Secret Storage cannot tell
        // that from a wrong passphrase, and the message says so.
        (with("/crypto/ciphertext", json!(format!("ff{}", &ciphertext[2..]))), "(mac)"),
        (with("/crypto/kdfparams/salt", json!("00")), "(mac)"),
    ]
}

#[test]
fn corrupted_and_truncated_files_are_refused_by_field() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("damaged.key");
    let key = Key::from_mnemonic(TEST_JUNK, "", DEFAULT_PATH).unwrap();
    save_light(&key, &path, b"pass", 1);
    let text = std::fs::read_to_string(&path).unwrap();
    let forms = secret_forms(&key);
    for (bad, field) in corruptions(&text) {
        std::fs::write(&path, &bad).unwrap();
        let err = Key::load(&path, b"pass").unwrap_err();
        assert_eq!(field_of(&err), field, "{err}\n{bad}");
        let msg = err.to_string();
        assert!(msg.contains("damaged.key"), "{msg}");
        assert_no_secret(&msg, &forms, Some(TEST_JUNK));
    }
    let err = Key::load(&dir.path().join("missing.key"), b"pass").unwrap_err();
    assert!(matches!(err, KeyError::Io { .. }) && err.to_string().contains("missing.key"), "{err}");
}

#[test]
fn altered_metadata_is_refused_after_decryption() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("k.key");
    let key = Key::from_mnemonic(TEST_JUNK, "", DEFAULT_PATH).unwrap();
    let other = Key::from_mnemonic(TEST_JUNK, "", "m/44'/60'/0'/0/1").unwrap();
    save_light(&key, &path, b"pass", 1);
    let json: Value = serde_json::from_str(&std::fs::read_to_string(&path).unwrap()).unwrap();
    let other_address = other.source.as_ref().unwrap().address.unwrap().to_checksum(None);
    let with = |pointer: &str, value: Value| {
        let mut j = json.clone();
        *j.pointer_mut(pointer).unwrap() = value;
        j
    };
    let cases = [
        (with("/veil/commitment", json!(other.commitment.to_string())), "veil.commitment"),
        (
            with("/veil/public_key", json!([other.public_key.x.to_string(), other.public_key.y.to_string()])),
            "veil.public_key",
        ),
        (with("/veil/source/address", json!(other_address)), "veil.source"),
        (with("/veil/source/path", json!("m/44'/60'/0'/0/1")), "veil.source"),
        (
            with(
                "/veil/source",
                json!({"kind": "eth-keystore", "path": null, "address": json["veil"]["source"]["address"]}),
            ),
            "veil.source",
        ),
        (with("/veil/source", Value::Null), "veil.source"),
    ];
    for (bad, field) in cases {
        std::fs::write(&path, serde_json::to_string_pretty(&bad).unwrap()).unwrap();
        // Without the passphrase the record is shown as it is ...
        read_public(&path).unwrap();
        // ... and loading refuses it.
        let err = Key::load(&path, b"pass").unwrap_err();
        assert_eq!(field_of(&err), field, "{err}");
    }
    // A source added to a key that had none is refused too.
    let plain = Key::generate(&mut rng(98));
    save_light(&plain, &path.with_extension("plain"), b"pass", 2);
    let mut j: Value = serde_json::from_str(&std::fs::read_to_string(path.with_extension("plain")).unwrap()).unwrap();
    j["veil"]["source"] = json["veil"]["source"].clone();
    std::fs::write(&path, j.to_string()).unwrap();
    assert_eq!(field_of(&Key::load(&path, b"pass").unwrap_err()), "veil.source");
}

/// A version 1 file, as `veil key new` wrote before encryption.
fn v1_text(key: &Key) -> String {
    serde_json::to_string_pretty(&json!({
        "format": "veil-key",
        "version": 1,
        "encryption": "none",
        "private_key": hex::encode(key.private.as_bytes()),
        "public_key": [key.public_key.x.to_string(), key.public_key.y.to_string()],
        "commitment": key.commitment.to_string(),
    }))
    .unwrap()
}

#[test]
fn version_1_files_still_load() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("old.key");
    let key = Key::generate(&mut rng(99));
    std::fs::write(&path, v1_text(&key)).unwrap();
    for passphrase in [&b""[..], b"ignored"] {
        let back = Key::load(&path, passphrase).unwrap();
        assert_eq!(back.private.as_bytes(), key.private.as_bytes());
        assert_eq!(back.source, None);
    }
    let info = read_public(&path).unwrap();
    assert_eq!((info.commitment, info.public_key, info.encrypted), (key.commitment, key.public_key, false));
    // Re-saving encrypts.
    let new = dir.path().join("new.key");
    Key::load(&path, b"").unwrap().save_with_rng(&new, b"now encrypted", Kdf::Light, false, &mut rng(1)).unwrap();
    assert!(read_public(&new).unwrap().encrypted);
    assert_eq!(Key::load(&new, b"now encrypted").unwrap().commitment, key.commitment);
}

/// Damaged version 1 files: the key is in clear there, so these errors are the likeliest
/// to leak it.
fn v1_corruptions(key: &Key) -> Vec<(String, &'static str)> {
    let text = v1_text(key);
    let secret = hex::encode(key.private.as_bytes());
    vec![
        (text.replace(&key.commitment.to_string(), "12345"), "commitment"),
        (text.replace("\"veil-key\"", "\"other\""), "format"),
        (text.replace("\"none\"", "\"scrypt\""), "encryption"),
        (text.replace("\"version\": 1", "\"version\": 7"), "version"),
        (text.replace(&secret, &secret[..60]), "private_key"),
        (text.replace(&secret, &"zz".repeat(32)), "private_key"),
        (text.replace(&format!("\"{secret}\""), &format!("[\"{secret}\"]")), "(file)"),
        (text.replace(&format!("\"{secret}\""), &format!("\"{secret}\" \"{secret}\"")), "(file)"),
        (text.replace("\"encryption\"", "\"encryption_\""), "(file)"),
        (text[..text.len() - 20].to_string(), "(file)"),
    ]
}

#[test]
fn damaged_version_1_files_are_refused_by_field() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("old.key");
    let key = Key::generate(&mut rng(100));
    for (bad, field) in v1_corruptions(&key) {
        std::fs::write(&path, &bad).unwrap();
        let err = Key::load(&path, b"").unwrap_err();
        assert_eq!(field_of(&err), field, "{err}\n{bad}");
        assert!(err.to_string().contains("old.key"), "{err}");
    }
}

#[test]
fn errors_and_debug_output_never_show_secrets() {
    let dir = tempfile::tempdir().unwrap();
    let phrase = new_mnemonic(&mut rng(101), 24).unwrap();
    let key = Key::from_mnemonic(&phrase, "bip39 pass", DEFAULT_PATH).unwrap();
    let secp =
        secp256k1_from_seed(&mnemonic_seed(&phrase, "bip39 pass").unwrap()[..], &parse_path(DEFAULT_PATH).unwrap())
            .unwrap();
    let mut forms = secret_forms(&key);
    let secp_be = secp.to_bytes().to_vec();
    forms.extend([hex::encode(&secp_be), hex::encode_upper(&secp_be), decimal(&secp_be)]);
    let mut texts = vec![
        format!("{key:?}"),
        format!("{:#?}", key.clone()),
        format!("{:?}", key.source),
        format!("{:?}", key.private),
    ];

    let path = dir.path().join("k.key");
    save_light(&key, &path, b"file pass", 1);
    texts.push(format!("{:?}", read_public(&path).unwrap()));
    texts.push(format!("{:?}", Key::load(&path, b"file pass").unwrap()));
    let wrong = Key::load(&path, b"bad").unwrap_err();
    texts.push(wrong.to_string());
    texts.push(format!("{wrong:?}"));
    let text = std::fs::read_to_string(&path).unwrap();
    for (bad, _) in corruptions(&text) {
        std::fs::write(&path, &bad).unwrap();
        let err = Key::load(&path, b"file pass").unwrap_err();
        texts.push(err.to_string());
        texts.push(format!("{err:?}"));
    }
    for (bad, _) in v1_corruptions(&key) {
        std::fs::write(&path, &bad).unwrap();
        let errors = [Key::load(&path, b"").err(), read_public(&path).err()];
        for err in errors.into_iter().flatten() {
            texts.push(err.to_string());
            texts.push(format!("{err:?}"));
        }
    }
    let words: Vec<&str> = phrase.split(' ').collect();
    for bad in [
        words[..23].join(" "),
        format!("{} zzz", words[..23].join(" ")),
        words.iter().rev().copied().collect::<Vec<_>>().join(" "),
    ] {
        if let Err(err) = Key::from_mnemonic(&bad, "", DEFAULT_PATH) {
            texts.push(err.to_string());
            texts.push(format!("{err:?}"));
        }
    }
    assert!(texts.len() > 80);
    for t in &texts {
        assert_no_secret(t, &forms, Some(&phrase));
    }
}
