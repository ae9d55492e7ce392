//! veil's integration tests: the real binary, and full-size proofs.

mod batch;
mod cli;
mod end_to_end;
mod evm;
mod keys;
mod threshold;
