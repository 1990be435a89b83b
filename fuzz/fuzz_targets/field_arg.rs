//! `--field` arguments: never a panic, every accepted argument reads back as written, and each
//! refusal is for its one reason. (Refusals carry no part of the argument, which may be a
//! secret pasted without `NAME=`: `FieldArgError` holds no data, so its messages are fixed.)
#![no_main]

use lanyard_api::{parse_field_arg, FieldArgError};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|arg: &str| {
    match parse_field_arg(arg) {
        Ok((name, source)) => {
            assert!(!name.is_empty() && !name.contains('='));
            assert_eq!(format!("{name}={}", source.written()), arg);
        }
        Err(FieldArgError::NoEquals) => assert!(!arg.contains('=')),
        Err(FieldArgError::EmptyName) => assert!(arg.starts_with('=')),
    }
});
