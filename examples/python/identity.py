"""A device's identity: its DTLS certificate, whose fingerprint the user approves, and its device key, which proves
to peerbook that this is the device (a fingerprint is public). Both are PEM files that the device creates once and
keeps: a new certificate is a new fingerprint, which the user has to approve again. The files have the same form as
the pion example's (a CERTIFICATE block, then a PKCS#8 PRIVATE KEY block), so either program reads the other's."""

import base64
import dataclasses
import datetime
import hashlib
import os
import secrets

from aiortc import RTCCertificate
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID
from OpenSSL import crypto

# aiortc makes certificates valid for 30 days, after which the fingerprint would change and the user would have to
# approve the device again.
CERTIFICATE_YEARS = 10


@dataclasses.dataclass
class Identity:
    """What the device tells peerbook about itself."""
    email: str
    name: str
    kind: str
    certificate: "Certificate"
    key: "DeviceKey" = None  # None: connect without a device key


class Certificate:
    """The device's DTLS certificate as aiortc wants it, with its fingerprint in peerbook's form."""

    def __init__(self, path):
        if not os.path.exists(path):
            _create_certificate(path)
        with open(path, "rb") as f:
            data = f.read()
        cert = x509.load_pem_x509_certificate(data)
        key = serialization.load_pem_private_key(data, password=None)
        # aiortc 1.4 cannot load a certificate itself, but builds its DTLS context from these two pyOpenSSL objects.
        self.rtc = RTCCertificate(key=crypto.PKey.from_cryptography_key(key), cert=crypto.X509.from_cryptography(cert))
        self.fingerprint = canonical(hashlib.sha256(cert.public_bytes(serialization.Encoding.DER)).hexdigest())
        self.not_after = cert.not_valid_after.replace(tzinfo=datetime.timezone.utc)


def _create_certificate(path):
    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "peerbook peer")])
    now = datetime.datetime.now(datetime.timezone.utc)
    cert = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(secrets.randbits(127))
        .not_valid_before(now - datetime.timedelta(days=1))
        .not_valid_after(now + datetime.timedelta(days=366 * CERTIFICATE_YEARS))
        .sign(key, hashes.SHA256())
    )
    _write_private(path, cert.public_bytes(serialization.Encoding.PEM) + _pkcs8(key))


class DeviceKey:
    """The ECDSA P-256 key whose public half peerbook binds to the device when the user approves it."""

    def __init__(self, path):
        if not os.path.exists(path):
            _write_private(path, _pkcs8(ec.generate_private_key(ec.SECP256R1())))
        with open(path, "rb") as f:
            self._key = serialization.load_pem_private_key(f.read(), password=None)
        if not isinstance(self._key, ec.EllipticCurvePrivateKey) or self._key.curve.name != "secp256r1":
            raise ValueError(f"{path}: the device key must be an ECDSA P-256 key")
        self._spki = self._key.public_key().public_bytes(
            serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo)

    @property
    def public(self):
        """The `key` parameter of /ws: base64url, no padding, of the SubjectPublicKeyInfo DER."""
        return _b64url(self._spki)

    @property
    def id(self):
        """The key id peerbook's mail and page show: first 16 hex digits of SHA-256 of the SPKI, in fours."""
        digits = hashlib.sha256(self._spki).hexdigest()[:16].upper()
        return "-".join(digits[i:i + 4] for i in range(0, 16, 4))

    def prove(self, challenge, email, name, fingerprint):
        """Signs peerbook's challenge: ECDSA-SHA256 (DER) over the UTF-8 of
        "peerbook-device-proof\\n<challenge>\\n<email lower-case>\\n<name as sent>\\n<fingerprint AB:CD:…>"."""
        statement = "\n".join(["peerbook-device-proof", challenge, email.strip().lower(), name, canonical(fingerprint)])
        return _b64url(self._key.sign(statement.encode("utf-8"), ec.ECDSA(hashes.SHA256())))


def canonical(fingerprint):
    """A fingerprint in peerbook's form: upper-case hex pairs joined by colons, without the algorithm word."""
    digits = fingerprint.strip().split()[-1].replace(":", "").upper()
    return ":".join(digits[i:i + 2] for i in range(0, len(digits), 2))


def _pkcs8(key):
    return key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                             serialization.NoEncryption())


def _write_private(path, data):
    """Creates the file readable by its owner only: it holds a private key."""
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "wb") as f:
        f.write(data)


def _b64url(data):
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")
