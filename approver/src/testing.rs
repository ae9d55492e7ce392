//! Fixtures shared by the crate's tests.

use alloy_primitives::{Address, Bytes, U256};

use crate::intent::Intent;

/// A payment intent on chain 1 with one byte of data; `nonce` tells two apart.
pub(crate) fn intent(nonce: u64) -> Intent {
    Intent {
        chain_id: 1,
        account: Address::repeat_byte(0x11),
        target: Address::repeat_byte(0x22),
        value: U256::from(5u64),
        data: Bytes::from_static(b"\x01"),
        nonce: U256::from(nonce),
        valid_after: 0,
        valid_until: 0,
    }
}
