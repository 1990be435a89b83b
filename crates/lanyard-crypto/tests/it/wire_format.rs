//! Wire-format stability: sealing with the committed key, data key and nonces must give
//! exactly the committed bytes. If this fails, the v1 format changed and blobs already
//! stored in databases would no longer open.

use lanyard_crypto::envelope::seal_with_nonces;
use lanyard_crypto::{Keyring, SecretBytes};

use crate::fixtures::{self, key, unhex};

fn array<const N: usize>(hex: &str) -> [u8; N] {
    unhex(hex).try_into().expect("vector field length")
}

#[test]
fn sealing_reproduces_committed_blobs() {
    for v in fixtures::envelope_vectors() {
        let ring = Keyring::new(key(&v.key));
        let blob = seal_with_nonces(
            &ring,
            &v.context.to_ctx(),
            &SecretBytes::from_vec(unhex(&v.plaintext)),
            &array(&v.dek),
            array(&v.dek_nonce),
            array(&v.data_nonce),
        )
        .unwrap();
        assert_eq!(hex::encode(blob.as_bytes()), v.blob, "{}", v.name);
    }
}

#[test]
fn header_fields_sit_at_documented_offsets() {
    let v = &fixtures::envelope_vectors()[0];
    let bytes = unhex(&v.blob);
    let ring = Keyring::new(key(&v.key));
    assert_eq!(bytes[0], 1);
    assert_eq!(&bytes[1..9], ring.active().key_id().as_bytes());
    assert_eq!(bytes[9..21], unhex(&v.dek_nonce)[..]);
    assert_eq!(bytes[69..81], unhex(&v.data_nonce)[..]);
    assert_eq!(bytes.len(), 97 + unhex(&v.plaintext).len());
}
