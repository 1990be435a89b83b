//! Uploaded archives (`lanyard run --dir`): any bytes are unpacked or refused without a panic,
//! and nothing is ever written outside the destination.
#![no_main]

use lanyard_bundle::{inspect, unpack, Limits};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|bytes: &[u8]| {
    let limits = Limits {
        max_bytes: 1 << 20,
        max_files: 64,
    };
    let inspected = inspect(bytes, &limits);
    let outer = tempfile::tempdir().expect("a temp dir");
    let dest = outer.path().join("dest");
    std::fs::create_dir(&dest).expect("the destination");
    let unpacked = unpack(bytes, &dest, &limits);
    // The server's check and the runner's unpacking agree on what is acceptable.
    assert_eq!(inspected.is_ok(), unpacked.is_ok());
    let beside: Vec<_> = std::fs::read_dir(outer.path())
        .expect("list")
        .map(|e| e.expect("entry").file_name())
        .collect();
    assert_eq!(
        beside,
        vec![std::ffi::OsString::from("dest")],
        "written outside"
    );
});
