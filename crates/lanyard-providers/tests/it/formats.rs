//! `Format::check` never panics, whatever it is given.

use lanyard_providers::{catalog, Format};
use proptest::prelude::*;

/// Every format the catalog uses, plus the parameterized ones at their edges.
fn formats() -> Vec<Format> {
    let mut all: Vec<Format> = catalog()
        .iter()
        .flat_map(|p| p.fields.iter().map(|f| f.format))
        .collect();
    all.extend([
        Format::Any,
        Format::NonEmpty,
        Format::Token { min_len: 0 },
        Format::Token { min_len: u16::MAX },
        Format::Slug,
        Format::Bool,
        Format::Email,
        Format::Hostname,
        Format::Url,
        Format::HttpsUrl,
        Format::HostOrUrl,
        Format::Uuid,
        Format::Base64,
        Format::Pem,
        Format::Kubeconfig,
        Format::GcpServiceAccountJson,
    ]);
    all.dedup();
    all
}

/// Strings that look almost right: shapes the checkers parse further than random text.
fn near_misses() -> impl Strategy<Value = String> {
    prop_oneof![
        any::<String>(),
        "[-A-Za-z0-9:/.@_\\[\\]{}\"=+ \n]{0,64}",
        "(https?://)?[a-z0-9.:\\[\\]@-]{0,30}(/[a-z]{0,5})?",
        "-----BEGIN [A-Z ]{0,12}-----\n[A-Za-z0-9+/=\n:]{0,40}(-----END [A-Z ]{0,12}-----)?",
        "(arn:aws:iam::)?[0-9]{0,14}(:role/)?[a-z/]{0,10}",
        "\\{\"type\": ?\"[a-z_]{0,16}\"(, ?\"[a-z_]{0,12}\": ?(\"[^\"]{0,10}\"|[0-9]|null|\\[\\]))*\\}",
        "(clusters|contexts|users):( \\[\\]|\\n- [a-z]{0,8}: [a-z{}: ]{0,12}){0,3}\\n?",
        "@?[A-Za-z0-9._~-]{0,20}(/[A-Za-z0-9._-]{0,10}){0,2}",
    ]
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(512))]

    #[test]
    fn check_never_panics(value in near_misses()) {
        for format in formats() {
            let _ = format.check(&value);
        }
    }

    #[test]
    fn errors_never_echo_long_values(value in "[A-Za-z0-9]{24,40}") {
        for format in formats() {
            if let Err(message) = format.check(&value) {
                prop_assert!(!message.contains(&value), "{:?} echoed its input", format);
            }
        }
    }
}

#[test]
fn registry_addresses_are_hosts_or_http_urls() {
    use lanyard_providers::Format;
    for ok in [
        "registry.example.com",
        "quay.io",
        "https://harbor.example.com:8443",
        "http://localhost:5000",
        "http://127.0.0.1:5000",
        // Shape only: plain http to another machine needs the provider's insecure opt-in
        // (validation::plain_http_to_another_machine_needs_insecure).
        "http://10.0.0.5:5000",
    ] {
        assert!(Format::RegistryUrl.check(ok).is_ok(), "{ok}");
    }
    let err = Format::RegistryUrl.check("ftp://x").unwrap_err();
    assert!(err.contains("https"), "ftp://x: {err}");
}
