"""A push service stand-in for tests and benchmarks, speaking RFC 8030 on loopback.

Like a real push service it refuses a request whose VAPID token (RFC 8292) is not signed
by the application server key it was told about, is expired, or is for another audience;
and it decrypts every aes128gcm payload (RFC 8291) with the browser-side keys it made for
the subscription, so a test sees exactly what a phone would show. Both checks are written
here from the RFCs with `cryptography` alone, independently of the libraries that send.

`fail(n, status, retry_after)` makes the next n requests for a subscription answer with
that status, to test 404/410/429/5xx handling.
"""

import asyncio
import base64
import json
import os
import threading
import time
from dataclasses import dataclass, field

from aiohttp import web
from cryptography.exceptions import InvalidSignature, InvalidTag
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.hazmat.primitives.asymmetric.utils import encode_dss_signature
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.hkdf import HKDF
from cryptography.hazmat.primitives.serialization import Encoding, PublicFormat

from .loopback import LoopbackServer


def b64d(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def b64e(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def _hkdf(salt: bytes, ikm: bytes, info: bytes, length: int) -> bytes:
    return HKDF(algorithm=hashes.SHA256(), length=length, salt=salt, info=info).derive(ikm)


def decrypt_aes128gcm(body: bytes, ua_private: ec.EllipticCurvePrivateKey, auth: bytes) -> bytes:
    """RFC 8291 §3.4 and RFC 8188 §2: one record, keyid = the sender's ephemeral key."""
    salt, rs, idlen = body[:16], int.from_bytes(body[16:20], "big"), body[20]
    as_public_raw = body[21 : 21 + idlen]
    ciphertext = body[21 + idlen :]
    if idlen != 65 or len(ciphertext) > rs:
        raise ValueError("bad aes128gcm header")
    as_public = ec.EllipticCurvePublicKey.from_encoded_point(ec.SECP256R1(), as_public_raw)
    ua_public_raw = ua_private.public_key().public_bytes(
        Encoding.X962, PublicFormat.UncompressedPoint
    )
    ecdh_secret = ua_private.exchange(ec.ECDH(), as_public)
    ikm = _hkdf(auth, ecdh_secret, b"WebPush: info\x00" + ua_public_raw + as_public_raw, 32)
    cek = _hkdf(salt, ikm, b"Content-Encoding: aes128gcm\x00", 16)
    nonce = _hkdf(salt, ikm, b"Content-Encoding: nonce\x00", 12)
    plaintext = AESGCM(cek).decrypt(nonce, ciphertext, None)
    data = plaintext.rstrip(b"\x00")
    if not data.endswith(b"\x02"):  # the last record's delimiter
        raise ValueError("bad padding delimiter")
    return data[:-1]


def verify_vapid(header: str, expected_key: str, audience: str) -> str | None:
    """None when the Authorization header is valid, else why not (RFC 8292 §2-3)."""
    scheme, _sep, params = header.partition(" ")
    if scheme.lower() != "vapid":
        return "not a vapid authorization"
    parts = dict(p.strip().split("=", 1) for p in params.split(",") if "=" in p)
    if parts.get("k") != expected_key:
        return "unknown application server key"
    try:
        head, claims, signature = parts["t"].split(".")
        key = ec.EllipticCurvePublicKey.from_encoded_point(ec.SECP256R1(), b64d(parts["k"]))
        raw = b64d(signature)
        der = encode_dss_signature(int.from_bytes(raw[:32], "big"), int.from_bytes(raw[32:], "big"))
        key.verify(der, f"{head}.{claims}".encode(), ec.ECDSA(hashes.SHA256()))
        header_json, claims_json = json.loads(b64d(head)), json.loads(b64d(claims))
    except (KeyError, ValueError, InvalidSignature):
        return "bad token"
    if header_json.get("alg") != "ES256":
        return "wrong algorithm"
    if claims_json.get("aud") != audience:
        return "wrong audience"
    if not time.time() < claims_json.get("exp", 0) <= time.time() + 24 * 3600:
        return "expired or too long-lived"
    if not str(claims_json.get("sub", "")).startswith(("mailto:", "https:")):
        return "no contact in sub"
    return None


@dataclass
class Subscription:
    number: int
    private_key: ec.EllipticCurvePrivateKey
    auth: bytes
    messages: dict = field(default_factory=dict)  # topic (or a serial) → decrypted JSON
    received: int = 0
    forced: list = field(default_factory=list)  # (status, retry_after) to answer next


class PushService(LoopbackServer):
    def __init__(self, application_server_key: str, *, decrypt_every: int = 1):
        self.key = application_server_key
        # A real push service never decrypts (the payload is end-to-end encrypted). Tests
        # decrypt every message; the benchmark samples, so that the stand-in's own CPU does
        # not become what is measured.
        self.decrypt_every = decrypt_every
        self.verified_tokens: set[str] = set()
        self.accepted = 0
        self.reached = 0  # subscriptions that received at least one push
        self.more_than_once = 0  # … and more than one
        self.subscriptions: dict[int, Subscription] = {}
        self.rejected: list[str] = []
        self.lock = threading.Lock()
        # hold(n): from the n-th accepted push on, requests wait unanswered until release(),
        # so that a test can kill a worker while it is certainly mid-send.
        self.hold_from: int | None = None
        self.held = 0
        super().__init__()

    def hold(self, after: int) -> None:
        self.hold_from = after

    def release(self) -> None:
        self.hold_from = None

    def routes(self, router):
        router.add_post("/push/{number}", self._post)
        router.add_get("/stats", self._stats)

    async def _post(self, request):
        body = await request.read()
        if self.hold_from is not None and self.accepted >= self.hold_from:
            self.held += 1
            while self.hold_from is not None:
                await asyncio.sleep(0.01)
        status, headers = self.handle(request.path, request.headers, body)
        return web.Response(status=status, headers=headers)

    async def _stats(self, request):
        # Counted as pushes arrive: a benchmark polls this often, and walking 100,000
        # subscriptions each time would take the CPU the system under test needs.
        return web.json_response(
            {
                "accepted": self.accepted,
                "rejected": len(self.rejected),
                "reasons": sorted(set(self.rejected))[:5],
                "more_than_once": self.more_than_once,
                "never": len(self.subscriptions) - self.reached,
            }
        )

    def subscribe(self) -> dict:
        """A new browser subscription: what pushManager.subscribe() would hand the page."""
        private = ec.generate_private_key(ec.SECP256R1())
        public = private.public_key().public_bytes(Encoding.X962, PublicFormat.UncompressedPoint)
        with self.lock:
            number = len(self.subscriptions) + 1
            self.subscriptions[number] = Subscription(number, private, os.urandom(16))
        sub = self.subscriptions[number]
        return {
            "endpoint": f"{self.origin}/push/{number}",
            "keys": {"p256dh": b64e(public), "auth": b64e(sub.auth)},
        }

    def fail(self, info: dict, status: int, *, times: int = 1, retry_after: str | None = None):
        self._sub(info).forced.extend([(status, retry_after)] * times)

    def messages(self, info: dict) -> list[dict]:
        return list(self._sub(info).messages.values())

    def _sub(self, info) -> Subscription:
        return self.subscriptions[int(info["endpoint"].rsplit("/", 1)[1])]

    def handle(self, path: str, headers, body: bytes) -> tuple[int, dict]:
        try:
            sub = self.subscriptions[int(path.rsplit("/", 1)[1])]
        except (KeyError, ValueError):
            return 404, {}
        with self.lock:
            if sub.forced:
                status, retry = sub.forced.pop(0)
                return status, ({"Retry-After": retry} if retry else {})
        authorization = headers.get("Authorization", "")
        problem = None
        if authorization not in self.verified_tokens:  # verify each distinct token once
            problem = verify_vapid(authorization, self.key, self.origin)
            if problem is None:
                self.verified_tokens.add(authorization)
        if problem is None and headers.get("TTL") is None:
            problem = "TTL header missing"  # RFC 8030 §5.2: required
        if problem is None and headers.get("Content-Encoding") != "aes128gcm":
            problem = "not aes128gcm"
        if problem:
            self.rejected.append(problem)
            return (401 if "token" in problem or "key" in problem else 400), {}
        message = {}
        if sub.number % self.decrypt_every == 0:
            try:
                message = json.loads(decrypt_aes128gcm(body, sub.private_key, sub.auth))
            except (ValueError, InvalidTag) as exc:
                self.rejected.append(f"cannot decrypt: {exc!r}")
                return 400, {}
        with self.lock:
            self.accepted += 1
            sub.received += 1
            self.reached += sub.received == 1
            self.more_than_once += sub.received == 2
            # RFC 8030 §5.4: a message with the same topic replaces one not yet delivered.
            sub.messages[headers.get("Topic") or f"#{sub.received}"] = {
                **message,
                "urgency": headers.get("Urgency"),
                "ttl": headers.get("TTL"),
            }
        return 201, {"Location": f"{self.origin}/message/{sub.number}/{sub.received}"}


def main():
    """`python -m renraku.channels.pushservice --key K --subscriptions N --out FILE`:
    serve on loopback, after writing N subscriptions (one JSON per line) to FILE."""
    import argparse

    parser = argparse.ArgumentParser()
    parser.add_argument("--key", required=True, help="the application server key to trust")
    parser.add_argument("--subscriptions", type=int, required=True)
    parser.add_argument("--out", required=True)
    parser.add_argument("--decrypt-every", type=int, default=50)
    args = parser.parse_args()
    service = PushService(args.key, decrypt_every=args.decrypt_every).start()
    with open(args.out, "w") as out:
        for _ in range(args.subscriptions):
            out.write(json.dumps(service.subscribe()) + "\n")
    print(service.origin, flush=True)
    threading.Event().wait()


if __name__ == "__main__":
    main()
