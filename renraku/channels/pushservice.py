"""A push service stand-in for tests and benchmarks, speaking RFC 8030 on loopback.

Like a real push service it refuses a request whose VAPID token (RFC 8292) is not signed
by the application server key it was told about, is expired, or is for another audience;
and it decrypts every aes128gcm payload (RFC 8291) with the browser-side keys it made for
the subscription, so a test sees exactly what a phone would show. Both checks are written
here from the RFCs with `cryptography` alone, independently of the libraries that send.

`fail(n, status, retry_after)` makes the next n requests for a subscription answer with
that status, to test 404/410/429/5xx handling.
"""

import base64
import json
import os
import threading
import time
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

from cryptography.exceptions import InvalidSignature, InvalidTag
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.hazmat.primitives.asymmetric.utils import encode_dss_signature
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.hkdf import HKDF
from cryptography.hazmat.primitives.serialization import Encoding, PublicFormat


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


class PushService:
    def __init__(self, application_server_key: str):
        self.key = application_server_key
        self.subscriptions: dict[int, Subscription] = {}
        self.rejected: list[str] = []
        self.lock = threading.Lock()
        self.server = ThreadingHTTPServer(("127.0.0.1", 0), _handler(self))
        self.server.daemon_threads = True
        self.origin = f"http://127.0.0.1:{self.server.server_address[1]}"

    def start(self):
        threading.Thread(target=self.server.serve_forever, daemon=True).start()
        return self

    def stop(self):
        self.server.shutdown()
        self.server.server_close()

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
        problem = verify_vapid(headers.get("Authorization", ""), self.key, self.origin)
        if problem is None and headers.get("TTL") is None:
            problem = "TTL header missing"  # RFC 8030 §5.2: required
        if problem is None and headers.get("Content-Encoding") != "aes128gcm":
            problem = "not aes128gcm"
        if problem:
            self.rejected.append(problem)
            return (401 if "token" in problem or "key" in problem else 400), {}
        try:
            message = json.loads(decrypt_aes128gcm(body, sub.private_key, sub.auth))
        except (ValueError, InvalidTag) as exc:
            self.rejected.append(f"cannot decrypt: {exc!r}")
            return 400, {}
        with self.lock:
            sub.received += 1
            # RFC 8030 §5.4: a message with the same topic replaces one not yet delivered.
            sub.messages[headers.get("Topic") or f"#{sub.received}"] = {
                **message,
                "urgency": headers.get("Urgency"),
                "ttl": headers.get("TTL"),
            }
        return 201, {"Location": f"{self.origin}/message/{sub.number}/{sub.received}"}


def _handler(service: PushService):
    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"  # keep-alive, as real push services allow

        def do_POST(self):
            body = self.rfile.read(int(self.headers.get("Content-Length", 0)))
            status, headers = service.handle(self.path, self.headers, body)
            self.send_response(status)
            for name, value in {**headers, "Content-Length": "0"}.items():
                self.send_header(name, value)
            self.end_headers()

        def log_message(self, *args):
            pass

    return Handler
