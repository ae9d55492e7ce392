//! The approver set file: an accepted set saves and loads back as the same set.
#![no_main]

use libfuzzer_sys::fuzz_target;
use veil_approver::set::ApproverSet;

fuzz_target!(|data: &[u8]| {
    let path = veil_fuzz::scratch("set.json", data);
    let Ok(set) = ApproverSet::load(&path) else { return };
    let out = veil_fuzz::scratch_path("set.out.json");
    set.save(&out).expect("save");
    let back = ApproverSet::load(&out).expect("a saved set loads");
    assert_eq!(back.members(), set.members());
    assert_eq!(back.root(), set.root());
    assert_eq!(back.depth(), set.depth());
});
