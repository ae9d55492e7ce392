//! Writes the seed corpora (`fuzz/seeds/<target>/`) from files made by veil's own code, the
//! same code the CLI and the tests use: `cargo run --release --example seeds` in `fuzz/`.
//! Deterministic (fixed seeds; key files draw salts and IVs from the OS, so their bytes
//! differ run to run, not their form).

use std::{fs, path::Path};

use alloy_primitives::{Address, Bytes, U256};
use ark_relations::gr1cs::{ConstraintSynthesizer, ConstraintSystemRef, SynthesisError};
use rand::SeedableRng;
use rand_chacha::ChaCha20Rng;
use veil_approver::{
    intent::Intent,
    keys::{Kdf, Key},
    message::Message,
    set::ApproverSet,
    signature::SignedIntent,
    userop::UserOperation,
};
use veil_circuits::{eddsa::PrivateKey, Fr};
use veil_prover::{
    keyfile,
    snarkjs::{public_to_json, Calldata, ProofJson, VerificationKeyJson},
    tablefile,
};

fn write(target: &str, name: &str, bytes: &[u8]) {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("seeds").join(target);
    fs::create_dir_all(&dir).expect("seed directory");
    fs::write(dir.join(name), bytes).expect("seed file");
}

fn json(v: &impl serde::Serialize) -> Vec<u8> {
    serde_json::to_vec_pretty(v).expect("serialize")
}

/// A toy circuit for the ceremony seeds: `x·x = y`, `y·x = z`, z public.
struct Toy;

impl ConstraintSynthesizer<Fr> for Toy {
    fn generate_constraints(self, cs: ConstraintSystemRef<Fr>) -> Result<(), SynthesisError> {
        use ark_relations::lc;
        let z = cs.new_input_variable(|| Err(SynthesisError::AssignmentMissing))?;
        let x = cs.new_witness_variable(|| Err(SynthesisError::AssignmentMissing))?;
        let y = cs.new_witness_variable(|| Err(SynthesisError::AssignmentMissing))?;
        cs.enforce_r1cs_constraint(|| lc!() + x, || lc!() + x, || lc!() + y)?;
        cs.enforce_r1cs_constraint(|| lc!() + y, || lc!() + x, || lc!() + z)?;
        Ok(())
    }
}

fn main() {
    let rng = &mut ChaCha20Rng::seed_from_u64(1);
    let tmp = tempfile_dir();

    // Proving key (with the switch byte: 0 parses as is, 1 repairs the body hash) and tables.
    let mut key = veil_fuzz::SMALL_KEY.clone();
    let pk = keyfile::to_bytes(&key);
    write("proving_key", "approval-depth1-v3", &[&[0u8][..], &pk].concat());
    write("proving_key", "approval-depth1-v3-fixup", &[&[1u8][..], &pk].concat());
    key.build_tables(veil_fuzz::SMALL_TABLE_BUDGET);
    let tables = tmp.join("tables.bin");
    tablefile::save(&key, key.tables.as_ref().expect("built"), &tables).expect("tables");
    write("tables", "approval-depth1", &fs::read(&tables).expect("read"));

    // Keys, a set, an intent, a signature.
    let keys: Vec<Key> = (0..3u8).map(|i| Key::from_private(PrivateKey::from_bytes(&[i + 1; 32]))).collect();
    let set = ApproverSet::from_members(keys.iter().map(|k| k.commitment)).expect("set");
    set.save(tmp.join("set.json")).expect("save set");
    write("approver_set", "three", &fs::read(tmp.join("set.json")).expect("read"));
    ApproverSet::from_members([keys[0].commitment]).expect("set").save(tmp.join("one.json")).expect("save");
    write("approver_set", "one", &fs::read(tmp.join("one.json")).expect("read"));
    let intent = Intent {
        chain_id: 31337,
        account: Address::repeat_byte(0xaa),
        target: Address::repeat_byte(0xbb),
        value: U256::from(1_000_000_000_000_000u64),
        data: Bytes::from(vec![0xa9, 0x05, 0x9c, 0xbb, 0, 1, 2]),
        nonce: U256::from(7),
        valid_after: 10,
        valid_until: 1 << 40,
    };
    intent.save(tmp.join("intent.json")).expect("save intent");
    let intent_text = fs::read(tmp.join("intent.json")).expect("read");
    write("intent", "payment", &intent_text);
    let signed = SignedIntent::sign(&keys[1], &intent);
    signed.save(&tmp.join("sig.json")).expect("save signature");
    write("signature", "member1", &fs::read(tmp.join("sig.json")).expect("read"));

    // A user operation (with a paymaster, then proven), an ERC-1271 message of typed data,
    // and signatures over each.
    let op = UserOperation {
        chain_id: 31337,
        entry_point: Address::repeat_byte(0xe1),
        sender: Address::repeat_byte(0xaa),
        nonce: U256::from_be_slice(&[0xcc; 20]) << 96,
        factory: None,
        factory_data: Bytes::new(),
        call_data: Bytes::from(vec![0xe9, 0xae, 0x5c, 0x53, 0, 1]),
        call_gas_limit: 300_000,
        verification_gas_limit: 600_000,
        pre_verification_gas: U256::from(60_000),
        max_fee_per_gas: 2_000_000_000,
        max_priority_fee_per_gas: 1_000_000,
        paymaster: Some(Address::repeat_byte(0x99)),
        paymaster_verification_gas_limit: 50_000,
        paymaster_post_op_gas_limit: 10_000,
        paymaster_data: Bytes::from(vec![1, 2, 3]),
        valid_after: 10,
        valid_until: 1 << 40,
        signature: Some(Bytes::from(vec![7; 352])),
    };
    op.save(&tmp.join("userop.json")).expect("save user operation");
    write("userop", "paymaster-signed", &fs::read(tmp.join("userop.json")).expect("read"));
    let typed = serde_json::json!({
        "types": {
            "EIP712Domain": [{"name": "name", "type": "string"}, {"name": "chainId", "type": "uint256"}],
            "Order": [{"name": "maker", "type": "address"}, {"name": "amount", "type": "uint256"}]
        },
        "primaryType": "Order",
        "domain": {"name": "Exchange", "chainId": 31337},
        "message": {"maker": "0xaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa", "amount": "1000"}
    });
    let message =
        Message::typed(31337, Address::repeat_byte(0xaa), Some(Address::repeat_byte(0xcc)), typed).expect("typed data");
    message.save(&tmp.join("message.json")).expect("save message");
    write("message", "order", &fs::read(tmp.join("message.json")).expect("read"));
    SignedIntent::sign(&keys[1], &op).save(&tmp.join("op.sig")).expect("save signature");
    write("signature", "userop", &fs::read(tmp.join("op.sig")).expect("read"));
    SignedIntent::sign(&keys[2], &message).save(&tmp.join("msg.sig")).expect("save signature");
    write("signature", "message", &fs::read(tmp.join("msg.sig")).expect("read"));

    // Key files: encrypted (light KDF, passphrase "fuzz"), derived from a mnemonic, version 1.
    keys[0].save(&tmp.join("k.json"), b"fuzz", Kdf::Light, true).expect("save key");
    write("key_file", "random", &fs::read(tmp.join("k.json")).expect("read"));
    let phrase = "test test test test test test test test test test test junk";
    let derived = Key::from_mnemonic(phrase, "", veil_approver::keys::DEFAULT_PATH).expect("mnemonic");
    derived.save(&tmp.join("m.json"), b"fuzz", Kdf::Light, true).expect("save key");
    write("key_file", "mnemonic", &fs::read(tmp.join("m.json")).expect("read"));
    let v1 = serde_json::json!({
        "format": "veil-key", "version": 1, "encryption": "none",
        "private_key": "03".repeat(32),
        "public_key": [keys[2].public_key.x.to_string(), keys[2].public_key.y.to_string()],
        "commitment": keys[2].commitment.to_string(),
    });
    write("key_file", "version1", &json(&v1));

    // A proof, its public signals and calldata.
    let pair = ApproverSet::from_members(keys[..2].iter().map(|k| k.commitment)).expect("set");
    let circuit = veil_approver::witness::approval(&keys[0].private, &pair, &intent, None, 1).expect("witness");
    let inputs = circuit.public_inputs().expect("inputs").to_vec();
    let proof = veil_prover::prove_approval(&key, circuit, rng).expect("prove");
    assert!(veil_prover::verify(&veil_prover::prepare(key.verifying_key()), &inputs, &proof).expect("verify"));
    write("verification_key", "approval-depth1", &json(&VerificationKeyJson::from(key.verifying_key())));
    write("proof", "approval", &json(&ProofJson::from(&proof)));
    write("public", "approval", &json(&public_to_json(&inputs)));
    write("calldata", "approval", Calldata::new(&proof, &inputs).to_json().as_bytes());

    // Batch requests and results.
    let intent_value: serde_json::Value = serde_json::from_slice(&intent_text).expect("intent JSON");
    let lines = [
        serde_json::json!({"id": "a1", "circuit": "approval", "key": "alice.key", "set": "set.json", "intent": "intent.json"}),
        serde_json::json!({"id": "a2", "circuit": "approval", "key": "alice.key", "set": "set.json", "intent": intent_value, "scope": "5"}),
        serde_json::json!({"id": "t1", "circuit": "threshold", "set": "set.json", "intent": "intent.json", "signatures": ["a.sig", "b.sig"], "k": 2}),
    ];
    for (i, l) in lines.iter().enumerate() {
        write("batch_request", &format!("line{i}"), l.to_string().as_bytes());
    }
    let record = serde_json::json!({"id": "a1", "status": "ok", "proof": ProofJson::from(&proof), "public": public_to_json(&inputs)});
    let error = serde_json::json!({"id": "a2", "status": "error", "error": "line 2: no such file"});
    write("batch_results", "two", format!("{record}\n{error}\n").as_bytes());
    write("batch_results", "torn", format!("{record}\n{{\"id\":\"a3\",\"sta").as_bytes());

    // Semaphore exports: Identity.export() texts from the pinned reference's vectors.
    let vectors: serde_json::Value = serde_json::from_str(
        &fs::read_to_string(Path::new(env!("CARGO_MANIFEST_DIR")).join("../tests/vectors/semaphore.json"))
            .expect("vectors"),
    )
    .expect("JSON");
    let mut n = 0;
    collect_exports(&vectors, &mut |text| {
        write("semaphore_export", &format!("export{n}"), text.as_bytes());
        n += 1;
    });

    // Ceremony: a power-3 ptau (insecure, known τ) and the toy circuit's zkeys.
    let (tau, alpha, beta) = (Fr::from(5u64), Fr::from(7u64), Fr::from(11u64));
    let ptau = veil_ceremony::dev::insecure_ptau(3, tau, alpha, beta);
    write("ptau", "power3", &ptau);
    fs::write(tmp.join("p.ptau"), &ptau).expect("ptau");
    let r1cs = veil_prover::R1cs::from_blank(Toy).expect("toy");
    let cs = veil_ceremony::Constraints::from_r1cs(&r1cs);
    let mut p = veil_ceremony::Ptau::open(&tmp.join("p.ptau")).expect("open ptau");
    let z0 = veil_ceremony::init::init(&cs, &mut p).expect("init");
    let (z1, _) = veil_ceremony::contribute::contribute(&z0, Some("alice"), b"seed").expect("contribute");
    let (z2, _) = veil_ceremony::contribute::beacon(&z1, Some("beacon"), &[0xab; 32], 10).expect("beacon");
    use veil_ceremony::zkey::Layout;
    write("zkey", "init", &z0.to_bytes(Layout::Init));
    write("zkey", "contributed", &z1.to_bytes(Layout::Contributed));
    write("zkey", "beacon", &z2.to_bytes(Layout::Contributed));
    fs::remove_dir_all(&tmp).expect("clean up");
}

fn collect_exports(v: &serde_json::Value, f: &mut impl FnMut(&str)) {
    match v {
        serde_json::Value::Object(m) => {
            for (k, x) in m {
                match (k.as_str(), x) {
                    ("export", serde_json::Value::String(s)) => f(s),
                    _ => collect_exports(x, f),
                }
            }
        }
        serde_json::Value::Array(a) => a.iter().for_each(|x| collect_exports(x, f)),
        _ => {}
    }
}

fn tempfile_dir() -> std::path::PathBuf {
    let dir = std::env::temp_dir().join(format!("veil-fuzz-seeds-{}", std::process::id()));
    fs::create_dir_all(&dir).expect("temp dir");
    dir
}
