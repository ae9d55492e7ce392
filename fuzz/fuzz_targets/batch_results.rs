//! A `veil batch` results file read on resume: a torn last line is cut, complete lines are
//! records or a named error, and what is left ends with a newline.
#![no_main]

use libfuzzer_sys::fuzz_target;
use veil_approver::batch::done_ids;

fuzz_target!(|data: &[u8]| {
    let path = veil_fuzz::scratch("results.jsonl", data);
    let result = done_ids(&path);
    let left = std::fs::read(&path).expect("read back");
    let complete = data.iter().rposition(|&b| b == b'\n').map_or(0, |i| i + 1);
    match result {
        Ok(ids) => {
            assert_eq!(left, &data[..complete], "resume must cut exactly the torn last line");
            assert!(ids.len() <= data[..complete].iter().filter(|&&b| b == b'\n').count());
        }
        Err(e) => assert!(e.to_string().contains("results.jsonl"), "an error must name the file: {e}"),
    }
});
