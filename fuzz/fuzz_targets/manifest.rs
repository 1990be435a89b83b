//! Any text given to `apply -f`: parsing never panics, and what parses prints back to YAML
//! that parses to the same documents.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|text: &str| {
    let Ok(documents) = lanyard_manifest::parse("fuzz.yaml", text) else {
        return;
    };
    let printed = lanyard_manifest::to_yaml(&documents).expect("parsed documents print");
    let again = lanyard_manifest::parse("printed.yaml", &printed)
        .unwrap_or_else(|e| panic!("printed YAML does not parse: {e}\n{printed}"));
    assert_eq!(documents.len(), again.len(), "{printed}");
    for (one, other) in documents.iter().zip(&again) {
        assert_eq!(one.key(), other.key(), "{printed}");
    }
});
