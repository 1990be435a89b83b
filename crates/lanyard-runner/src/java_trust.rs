//! A Java truststore for a connection's private CA: Java reads no PEM file, so a `ca_bundle`
//! for a Maven repository (Nexus, Artifactory behind a private CA) reaches Maven, Gradle and
//! every other JVM tool as a keystore of the machine's public roots plus that CA, named in
//! `JAVA_TOOL_OPTIONS`.
//!
//! The store is written in the JKS format (`sun.security.provider.JavaKeyStore`), which every
//! JDK since 1.2 reads and which is simple enough to write without a PKCS#12 stack: a header,
//! one "trusted certificate" entry per DER certificate, and a SHA-1 over the store keyed with
//! its password (an integrity check, not secrecy: nothing in it is secret).

use std::path::{Path, PathBuf};

use base64::Engine as _;
use sha1::Digest as _;

/// The store's password: Java's conventional one; it guards integrity only.
pub(crate) const PASSWORD: &str = "changeit";

/// The runner's variable naming the PEM file a connection wants Java to trust.
pub(crate) const CA_VARIABLE: &str = "LANYARD_JAVA_CA_BUNDLE";

/// Where distributions keep their PEM bundle of public roots, first found wins; `SSL_CERT_FILE`
/// (the runner's own setting) comes before them.
const SYSTEM_BUNDLES: &[&str] = &[
    "/etc/ssl/certs/ca-certificates.crt",
    "/etc/pki/tls/certs/ca-bundle.crt",
    "/etc/ssl/ca-bundle.pem",
    "/etc/ssl/cert.pem",
];

/// The machine's public roots as PEM, if it has a bundle.
pub(crate) fn system_roots() -> Option<String> {
    std::env::var_os("SSL_CERT_FILE")
        .map(PathBuf::from)
        .into_iter()
        .chain(SYSTEM_BUNDLES.iter().map(PathBuf::from))
        .find_map(|path| std::fs::read_to_string(path).ok())
}

/// The DER bodies of the `CERTIFICATE` blocks in `pem`; other blocks and text are skipped.
pub(crate) fn certificates(pem: &str) -> Vec<Vec<u8>> {
    const BEGIN: &str = "-----BEGIN CERTIFICATE-----";
    const END: &str = "-----END CERTIFICATE-----";
    let mut found = Vec::new();
    let mut rest = pem;
    while let Some(start) = rest.find(BEGIN) {
        let body = &rest[start + BEGIN.len()..];
        let Some(end) = body.find(END) else { break };
        let text: String = body[..end].chars().filter(|c| !c.is_whitespace()).collect();
        if let Ok(der) = base64::engine::general_purpose::STANDARD.decode(text) {
            found.push(der);
        }
        rest = &body[end + END.len()..];
    }
    found
}

/// A JKS store holding `certificates` as trusted entries `cert-0`, `cert-1`, …
pub(crate) fn jks(certificates: &[Vec<u8>], created_millis: u64) -> Vec<u8> {
    const MAGIC: u32 = 0xFEED_FEED;
    const VERSION: u32 = 2;
    const TRUSTED_CERTIFICATE: u32 = 2;
    let mut store = Vec::new();
    store.extend(MAGIC.to_be_bytes());
    store.extend(VERSION.to_be_bytes());
    let count = u32::try_from(certificates.len()).unwrap_or(u32::MAX);
    store.extend(count.to_be_bytes());
    for (index, der) in certificates.iter().enumerate() {
        store.extend(TRUSTED_CERTIFICATE.to_be_bytes());
        java_utf(&mut store, &format!("cert-{index}"));
        store.extend(created_millis.to_be_bytes());
        java_utf(&mut store, "X.509");
        let length = u32::try_from(der.len()).unwrap_or(u32::MAX);
        store.extend(length.to_be_bytes());
        store.extend(der);
    }
    let digest = keyed_digest(&store);
    store.extend(digest);
    store
}

/// The store's trailer: SHA-1 over the password as UTF-16BE, the JDK's fixed salt, and the
/// store's bytes.
fn keyed_digest(store: &[u8]) -> [u8; 20] {
    let mut hash = sha1::Sha1::new();
    for unit in PASSWORD.encode_utf16() {
        hash.update(unit.to_be_bytes());
    }
    hash.update(b"Mighty Aphrodite");
    hash.update(store);
    hash.finalize().into()
}

/// `DataOutputStream.writeUTF` for ASCII text: a big-endian length, then the bytes.
fn java_utf(out: &mut Vec<u8>, text: &str) {
    let length = u16::try_from(text.len()).unwrap_or(u16::MAX);
    out.extend(length.to_be_bytes());
    out.extend(text.as_bytes());
}

/// Writes `dir/cacerts.jks` (the machine's roots and the CA in `ca_pem`) and returns the Java
/// options that make it the JVM's truststore. Fails when `ca_pem` holds no certificate.
pub(crate) fn write_store(dir: &Path, ca_pem: &str) -> std::io::Result<String> {
    let private = certificates(ca_pem);
    if private.is_empty() {
        return Err(std::io::Error::new(
            std::io::ErrorKind::InvalidData,
            "the connection's ca_bundle holds no PEM certificate",
        ));
    }
    let mut all = system_roots().map_or_else(Vec::new, |pem| certificates(&pem));
    all.extend(private);
    let created = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| u64::try_from(d.as_millis()).unwrap_or(u64::MAX));
    std::fs::create_dir_all(dir)?;
    let path = dir.join("cacerts.jks");
    std::fs::write(&path, jks(&all, created))?;
    Ok(format!(
        "-Djavax.net.ssl.trustStore={} -Djavax.net.ssl.trustStoreType=JKS \
         -Djavax.net.ssl.trustStorePassword={PASSWORD}",
        path.display()
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A tiny, well-formed DER blob is all the format needs to carry; keytool reads real ones.
    const PEM: &str = "junk before\n-----BEGIN CERTIFICATE-----\nAAEC\nAw==\n\
                       -----END CERTIFICATE-----\n-----BEGIN PRIVATE KEY-----\nBBBB\n\
                       -----END PRIVATE KEY-----\n-----BEGIN CERTIFICATE-----\nBAU=\n\
                       -----END CERTIFICATE-----\n";

    #[test]
    fn certificate_blocks_only_are_decoded() {
        assert_eq!(certificates(PEM), vec![vec![0, 1, 2, 3], vec![4, 5]]);
        assert!(certificates("no pem here").is_empty());
        assert!(certificates("-----BEGIN CERTIFICATE-----\nAAEC").is_empty());
    }

    #[test]
    fn the_store_has_one_entry_per_certificate_and_a_keyed_trailer() {
        let store = jks(&certificates(PEM), 7);
        assert_eq!(&store[..4], &[0xFE, 0xED, 0xFE, 0xED]);
        assert_eq!(&store[8..12], &2u32.to_be_bytes());
        let (body, trailer) = store.split_at(store.len() - 20);
        assert_eq!(trailer, keyed_digest(body));
        // A changed byte breaks the trailer, which is what Java checks on load.
        let mut tampered = body.to_vec();
        tampered[14] ^= 1;
        assert_ne!(trailer, keyed_digest(&tampered));
    }

    /// The JDK's own keytool loads the store with its password and lists the CA: the format
    /// is what Java reads, not only what this module writes. keytool comes with the JRE that
    /// `scripts/test-deps` installs for Maven.
    #[test]
    fn keytool_reads_the_store() {
        let dir = tempfile::tempdir().unwrap();
        let made = std::process::Command::new("openssl")
            .current_dir(dir.path())
            .args([
                "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "1",
            ])
            .args([
                "-subj",
                "/CN=lanyard-test-ca",
                "-keyout",
                "k.pem",
                "-out",
                "c.pem",
            ])
            .output()
            .expect("openssl (scripts/test-deps installs it)");
        assert!(made.status.success(), "{made:?}");
        let ca = std::fs::read_to_string(dir.path().join("c.pem")).unwrap();
        let options = write_store(&dir.path().join("java"), &ca).unwrap();
        let store = dir.path().join("java/cacerts.jks");
        assert!(options.contains(&format!("-Djavax.net.ssl.trustStore={}", store.display())));
        let listed = std::process::Command::new("keytool")
            .args([
                "-list",
                "-v",
                "-storetype",
                "JKS",
                "-storepass",
                PASSWORD,
                "-keystore",
            ])
            .arg(&store)
            .output()
            .expect("keytool (the JRE scripts/test-deps installs for Maven)");
        let text = String::from_utf8_lossy(&listed.stdout);
        assert!(listed.status.success(), "{listed:?}");
        assert!(text.contains("CN=lanyard-test-ca"), "{text}");
        assert!(text.contains("trustedCertEntry"), "{text}");
        let wrong = std::process::Command::new("keytool")
            .args([
                "-list",
                "-storetype",
                "JKS",
                "-storepass",
                "not-it",
                "-keystore",
            ])
            .arg(&store)
            .output()
            .unwrap();
        assert!(!wrong.status.success(), "the trailer is checked: {wrong:?}");
        assert!(write_store(dir.path(), "not a certificate").is_err());
    }
}
