//! veil's integration tests: the real binary, and full-size proofs.

mod cli;
mod end_to_end;
