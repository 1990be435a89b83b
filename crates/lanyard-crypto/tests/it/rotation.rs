//! Master key rotation as the server performs it: re-wrap every blob not yet under the
//! active key, surviving a stop halfway through.

use lanyard_crypto::{
    open, rewrap, seal, EnvelopeError, Keyring, MasterKey, SealedBlob, SecretBytes, SecretContext,
};

struct Row {
    ctx: SecretContext,
    blob: SealedBlob,
}

fn rows(ring: &Keyring, count: u32) -> Vec<Row> {
    (0..count)
        .map(|i| {
            let ctx = SecretContext::new("org", format!("secret-{i}"), i);
            let value = SecretBytes::from_vec(format!("value-{i}").into_bytes());
            let blob = seal(ring, &ctx, &value).unwrap();
            Row { ctx, blob }
        })
        .collect()
}

/// One rotation pass over at most `budget` rows; returns how many it re-wrapped.
fn rotate(ring: &Keyring, rows: &mut [Row], budget: usize) -> usize {
    let active = ring.active().key_id();
    let mut done = 0;
    for row in rows.iter_mut().filter(|row| row.blob.key_id() != active) {
        if done == budget {
            break;
        }
        row.blob = rewrap(ring, &row.ctx, &row.blob).unwrap();
        done += 1;
    }
    done
}

fn copy(key: &MasterKey) -> MasterKey {
    MasterKey::from_base64(&key.to_base64()).unwrap()
}

#[test]
fn rotation_is_resumable_and_complete() {
    let old = MasterKey::generate();
    let new = MasterKey::generate();
    let mut rows = rows(&Keyring::new(copy(&old)), 10);

    // First run stops after 4 rows, as if the server was restarted mid-rotation.
    let ring = Keyring::new(copy(&new)).with_retired(copy(&old));
    assert_eq!(rotate(&ring, &mut rows, 4), 4);
    for row in &rows {
        assert!(open(&ring, &row.ctx, &row.blob).is_ok());
    }

    // The second run only touches the remaining rows; a third finds nothing to do.
    assert_eq!(rotate(&ring, &mut rows, usize::MAX), 6);
    assert_eq!(rotate(&ring, &mut rows, usize::MAX), 0);

    // With the old key retired for good, everything still opens.
    let new_only = Keyring::new(copy(&new));
    for (i, row) in rows.iter().enumerate() {
        assert_eq!(row.blob.key_id(), new.key_id());
        let value = open(&new_only, &row.ctx, &row.blob).unwrap();
        assert_eq!(value.expose_secret(), format!("value-{i}").as_bytes());
    }
}

#[test]
fn rewrap_without_the_old_key_reports_it() {
    let old = MasterKey::generate();
    let old_id = old.key_id();
    let row = rows(&Keyring::new(old), 1).remove(0);
    let ring = Keyring::new(MasterKey::generate());
    assert_eq!(
        rewrap(&ring, &row.ctx, &row.blob).unwrap_err(),
        EnvelopeError::UnknownKey(old_id)
    );
}

#[test]
fn rewrap_under_the_same_key_still_opens() {
    let ring = Keyring::new(MasterKey::generate());
    let row = rows(&ring, 1).remove(0);
    let again = rewrap(&ring, &row.ctx, &row.blob).unwrap();
    assert_ne!(again, row.blob, "a fresh wrapping nonce is drawn");
    assert_eq!(
        open(&ring, &row.ctx, &again).unwrap().expose_secret(),
        b"value-0"
    );
}
