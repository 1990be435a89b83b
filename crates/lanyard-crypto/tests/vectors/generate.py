#!/usr/bin/env python3
"""Regenerates the known-answer vectors in this folder.

This is an independent implementation of lanyard-crypto's formats (Python's `cryptography`
package for AES-256-GCM, the standard library for HMAC and SHA-256), so the Rust tests
check the crate against a second reading of the spec rather than against itself.

Vectors are committed; rerun only when adding vectors, never to "fix" a failing test:
a changed v1 vector means stored secrets would stop decrypting.

    python3 -m pip install cryptography
    python3 generate.py
"""

import base64
import hashlib
import hmac
import json
import os
import struct

from cryptography.hazmat.primitives.ciphers.aead import AESGCM

HERE = os.path.dirname(os.path.abspath(__file__))
DOMAIN = b"lanyard envelope v1"
FORMAT_V1 = 1

K1 = bytes(range(32))
K2 = bytes(0xFF - i for i in range(32))
K3 = hashlib.sha256(b"lanyard test key 3").digest()


def b64(key):
    return base64.b64encode(key).decode()


def key_id(key):
    return hmac.new(key, b"lanyard key id v1", hashlib.sha256).digest()[:8]


def check_value(key):
    return hmac.new(key, b"lanyard key check v1", hashlib.sha256).digest()


def lp(field):
    return struct.pack(">Q", len(field)) + field


def aad(layer, ctx, kid=b""):
    org, secret, version = ctx
    return (
        lp(DOMAIN)
        + lp(layer)
        + bytes([FORMAT_V1])
        + lp(org.encode())
        + lp(secret.encode())
        + struct.pack(">I", version)
        + kid
    )


def seal(key, ctx, plaintext, dek, dek_nonce, data_nonce, swap_layers=False):
    kid = key_id(key)
    dek_aad, data_aad = aad(b"dek", ctx, kid), aad(b"data", ctx)
    if swap_layers:
        dek_aad, data_aad = data_aad, dek_aad
    wrapped = AESGCM(key).encrypt(dek_nonce, dek, dek_aad)
    data = AESGCM(dek).encrypt(data_nonce, plaintext, data_aad)
    return bytes([FORMAT_V1]) + kid + dek_nonce + wrapped + data_nonce + data


def ctx_json(ctx):
    return {"org": ctx[0], "secret": ctx[1], "version": ctx[2]}


def write(name, value):
    with open(os.path.join(HERE, name), "w", encoding="utf-8") as f:
        json.dump(value, f, indent=2, ensure_ascii=False)
        f.write("\n")


def main():
    for name in os.listdir(HERE):
        if name.endswith(".json"):
            os.remove(os.path.join(HERE, name))

    write(
        "keys_v1.json",
        [
            {"key": b64(k), "key_id": key_id(k).hex(), "check_value": check_value(k).hex()}
            for k in (K1, K2, K3)
        ],
    )

    dek = bytes(range(0x40, 0x60))
    dek_nonce = bytes(range(0x10, 0x1C))
    data_nonce = bytes(range(0x20, 0x2C))
    ctx = ("org_01", "aws-prod", 1)
    cases = [
        ("basic", K1, ctx, b"AKIAIOSFODNN7EXAMPLE"),
        ("empty_plaintext", K1, ("org_01", "empty", 0), b""),
        ("unicode_context_binary_plaintext", K2, ("組織", "db/password", 0xFFFFFFFF),
         bytes(range(256)) * 2),
        ("json_plaintext", K3, ("o", "s", 7), b'{"token":"ghp_example","scopes":["repo"]}'),
    ]
    envelope = []
    blobs = {}
    for name, key, c, plaintext in cases:
        blob = seal(key, c, plaintext, dek, dek_nonce, data_nonce)
        blobs[name] = blob
        envelope.append({
            "name": name,
            "key": b64(key),
            "context": ctx_json(c),
            "plaintext": plaintext.hex(),
            "dek": dek.hex(),
            "dek_nonce": dek_nonce.hex(),
            "data_nonce": data_nonce.hex(),
            "blob": blob.hex(),
        })
    write("envelope_v1.json", envelope)

    tokens = {
        "valid": [
            {"token": t, "kind": kind, "sha256": hashlib.sha256(t.encode()).hexdigest()}
            for t, kind in [
                ("lyd_" + base64.urlsafe_b64encode(bytes(32)).decode().rstrip("="), "user"),
                ("lyr_" + base64.urlsafe_b64encode(bytes(range(32))).decode().rstrip("="),
                 "runner"),
                ("lyd_" + base64.urlsafe_b64encode(b"\xff" * 32).decode().rstrip("="), "user"),
            ]
        ],
        "invalid": [
            {"input": "", "error": "unknown_prefix"},
            {"input": "lyx_" + "A" * 43, "error": "unknown_prefix"},
            {"input": "LYD_" + "A" * 43, "error": "unknown_prefix"},
            {"input": "lyd_", "error": "malformed"},
            {"input": "lyd_" + "A" * 42, "error": "malformed"},
            {"input": "lyd_" + "A" * 44, "error": "malformed"},
            {"input": "lyd_" + "A" * 42 + "=", "error": "malformed"},
            {"input": "lyd_" + "A" * 42 + "/", "error": "malformed"},
            {"input": "lyd_" + "A" * 42 + "B", "error": "malformed"},
            {"input": "lyr_" + "A" * 21 + " " + "A" * 21, "error": "malformed"},
        ],
    }
    write("tokens_v1.json", tokens)

    def fail(name, description, blob, error, keyring=(K1,), context=ctx, **detail):
        vector = {
            "description": description,
            "keyring": {"active": b64(keyring[0]), "retired": [b64(k) for k in keyring[1:]]},
            "context": ctx_json(context),
            "blob": blob.hex(),
            "error": error,
        }
        vector.update(detail)
        write(f"fail_{name}.json", vector)

    basic = blobs["basic"]
    empty = blobs["empty_plaintext"]

    def flipped(blob, offset, bit=0x01):
        return blob[:offset] + bytes([blob[offset] ^ bit]) + blob[offset + 1:]

    fail("context_other_org", "blob opened as another organisation's secret", basic,
         "decryption_failed", context=("org_02", "aws-prod", 1))
    fail("context_other_secret", "blob opened as another secret", basic,
         "decryption_failed", context=("org_01", "aws-dev", 1))
    fail("context_other_version", "blob opened as another version", basic,
         "decryption_failed", context=("org_01", "aws-prod", 2))
    fail("context_org_secret_swapped", "org and secret ids swapped", basic,
         "decryption_failed", context=("aws-prod", "org_01", 1))
    shifted = seal(K1, ("ab", "c", 1), b"value", dek, dek_nonce, data_nonce)
    fail("context_shifted_boundary", "sealed for (ab, c), opened as (a, bc)", shifted,
         "decryption_failed", context=("a", "bc", 1))
    swapped = seal(K1, ctx, b"value", dek, dek_nonce, data_nonce, swap_layers=True)
    fail("swapped_layer_aad", "data and dek layers sealed with each other's associated data",
         swapped, "decryption_failed")

    fail("truncated_empty", "zero-length blob", b"", "truncated")
    fail("truncated_header", "blob cut inside the header", basic[:50], "truncated")
    fail("truncated_below_minimum", "empty-plaintext blob missing its last byte",
         empty[:-1], "truncated")
    fail("truncated_ciphertext", "blob missing its last byte but still above the minimum size",
         basic[:-1], "decryption_failed")

    sections = [
        ("key_id", 1), ("dek_nonce", 9), ("wrapped_dek", 21), ("dek_tag", 53),
        ("data_nonce", 69), ("ciphertext", 81), ("data_tag", len(basic) - 16),
    ]
    for section, offset in sections:
        tampered = flipped(basic, offset + 3)
        if section == "key_id":
            fail(f"flip_{section}", f"one bit flipped in the {section}", tampered,
                 "unknown_key", error_key_id=tampered[1:9].hex())
        else:
            fail(f"flip_{section}", f"one bit flipped in the {section}", tampered,
                 "decryption_failed")
    fail("flip_version", "one bit flipped in the format version byte", flipped(basic, 0, 0x02),
         "unsupported_version", error_version=3)
    fail("unknown_version_byte", "otherwise valid blob with format version 2",
         bytes([2]) + basic[1:], "unsupported_version", error_version=2)
    fail("unknown_version_short", "a single unknown version byte", bytes([0]),
         "unsupported_version", error_version=0)

    fail("unknown_key_id", "blob wrapped by a key that is not in the keyring", basic,
         "unknown_key", keyring=(K2, K3), error_key_id=key_id(K1).hex())
    relabelled = basic[:1] + key_id(K2) + basic[9:]
    fail("wrong_key", "blob wrapped by K1 but labelled with the id of K2, which is in the keyring",
         relabelled, "decryption_failed", keyring=(K2,))
    other = seal(K1, ctx, b"AKIAIOSFODNN7EXAMPL3", bytes(range(0x60, 0x80)), dek_nonce,
                 data_nonce)
    fail("spliced_data", "key header of one blob with the data section of another",
         basic[:69] + other[69:], "decryption_failed")


if __name__ == "__main__":
    main()
