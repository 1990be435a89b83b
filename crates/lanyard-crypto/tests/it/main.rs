//! Integration tests for lanyard-crypto, in one binary to keep link time down.

mod fixtures;
mod props;
mod redaction;
mod rotation;
mod vectors;
mod wire_format;
