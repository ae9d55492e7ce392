//! The user-operation file (`veil userop new`, `veil userop prove`): an accepted operation
//! saves and loads back as the same operation, with the same userOpHash and field element,
//! and its RPC form carries the same fields.
#![no_main]

use libfuzzer_sys::fuzz_target;
use veil_approver::userop::UserOperation;

fuzz_target!(|data: &[u8]| {
    let path = veil_fuzz::scratch("userop.json", data);
    let Ok(op) = UserOperation::load(&path) else { return };
    assert!(op.check().is_ok(), "an accepted operation passes its own check");
    let out = veil_fuzz::scratch_path("userop.out.json");
    op.save(&out).expect("an accepted operation saves");
    let back = UserOperation::load(&out).expect("a saved operation loads");
    assert_eq!(back, op);
    assert_eq!(back.user_op_hash(), op.user_op_hash());
    assert_eq!(back.field_element(), op.field_element());
    let rpc = op.to_rpc();
    assert_eq!(rpc["sender"], op.sender.to_checksum(None));
});
