"""The stand-in's own checks must catch what a real push service would refuse."""

import base64
import json
import time

from cryptography.hazmat.primitives.asymmetric import ec
from py_vapid import Vapid02
from pywebpush import WebPusher

from renraku.channels.pushservice import b64d, b64e, decrypt_aes128gcm, verify_vapid


def keypair():
    vapid = Vapid02()
    vapid.generate_keys()
    from cryptography.hazmat.primitives.serialization import Encoding, PublicFormat

    raw = vapid.public_key.public_bytes(Encoding.X962, PublicFormat.UncompressedPoint)
    return vapid, b64e(raw)


def test_decrypts_what_pywebpush_encrypts():
    browser = ec.generate_private_key(ec.SECP256R1())
    from cryptography.hazmat.primitives.serialization import Encoding, PublicFormat

    public = browser.public_key().public_bytes(Encoding.X962, PublicFormat.UncompressedPoint)
    auth = b"0123456789abcdef"
    info = {"endpoint": "http://x/push/1", "keys": {"p256dh": b64e(public), "auth": b64e(auth)}}
    body = WebPusher(info).encode(json.dumps({"t": "地震"}).encode())["body"]
    assert json.loads(decrypt_aes128gcm(body, browser, auth)) == {"t": "地震"}


def test_a_valid_token_passes_and_each_kind_of_bad_one_is_named():
    vapid, public = keypair()
    aud = "http://127.0.0.1:9"
    good = vapid.sign(
        {"aud": aud, "exp": int(time.time()) + 3600, "sub": "mailto:duty@city.example"}
    )
    assert verify_vapid(good["Authorization"], public, aud) is None
    assert verify_vapid(good["Authorization"], public, "http://other") == "wrong audience"
    other, other_public = keypair()
    assert (
        verify_vapid(good["Authorization"], other_public, aud) == "unknown application server key"
    )
    expired = vapid.sign(
        {"aud": aud, "exp": int(time.time()) - 1, "sub": "mailto:duty@city.example"}
    )
    assert verify_vapid(expired["Authorization"], public, aud) == "expired or too long-lived"
    tampered = good["Authorization"].replace("t=", "t=x", 1)
    assert verify_vapid(tampered, public, aud) == "bad token"
    forged = other.sign(
        {"aud": aud, "exp": int(time.time()) + 3600, "sub": "mailto:duty@city.example"}
    )
    k_swapped = forged["Authorization"].split(",k=")[0] + ",k=" + public
    assert verify_vapid(k_swapped, public, aud) == "bad token"
    assert b64d(b64e(b"\x00\x01")) == b"\x00\x01"
    assert base64  # imported for the reader: tokens are base64url without padding
