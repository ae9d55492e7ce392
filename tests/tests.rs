//! veil's integration tests: the real binary, and full-size proofs.

mod batch;
mod ceremony;
mod chain;
mod cli;
mod common;
mod end_to_end;
mod errors;
mod evm;
mod invariants;
mod keys;
mod policy;
mod policy_evm;
mod policy_invariants;
mod safe;
mod threshold;
mod validator;
