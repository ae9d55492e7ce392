//! Writes an INSECURE prepared powers-of-tau file from τ, α, β derived from a seed, for
//! benchmarks at sizes `snarkjs powersoftau prepare phase2` takes hours to reach:
//!
//! ```text
//! cargo run --release -p veil-ceremony --example insecure_ptau -- POWER OUT.ptau [SEED]
//! ```
//!
//! Whoever knows the seed can forge proofs for every key made from the file.

use ark_bn254::Fr;
use ark_ff::UniformRand;
use rand::SeedableRng;
use rand_chacha::ChaCha20Rng;

fn main() {
    let args: Vec<String> = std::env::args().collect();
    if args.len() < 3 {
        eprintln!("usage: insecure_ptau POWER OUT.ptau [SEED]");
        std::process::exit(2);
    }
    let power: u32 = args[1].parse().expect("POWER: a number from 1 to 27");
    let seed: u64 = args.get(3).map_or(0, |s| s.parse().expect("SEED: a number"));
    let mut rng = ChaCha20Rng::seed_from_u64(seed);
    let (tau, alpha, beta) = (Fr::rand(&mut rng), Fr::rand(&mut rng), Fr::rand(&mut rng));
    let bytes = veil_ceremony::dev::insecure_ptau(power, tau, alpha, beta);
    veil_fs::write_atomic(std::path::Path::new(&args[2]), &bytes, false).expect("writing the ptau");
    eprintln!("wrote {} ({} bytes, power {power}, INSECURE: seed {seed})", args[2], bytes.len());
}
