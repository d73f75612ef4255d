"""A private CA and the Kafka brokers' TLS certificates (`ketenpoort stack certs`).

The brokers' client listener speaks TLS in deployments; clients trust exactly this CA, not the
system's, so nobody else can pose as a broker. Everything is PEM, which Kafka loads as it is
(`ssl.keystore.type=PEM`): a broker's keystore file holds its PKCS#8 private key followed by its
certificate. The key is not encrypted (Kafka accepts that since 3.2, KAFKA-12703); the file is
readable by its owner only, which protects it as well as a password next to it would.

An existing CA is kept: every certificate issued before stays valid and every client keeps
trusting the brokers. Broker certificates are issued anew on each run, cheap and always matching
the names asked for.
"""

from __future__ import annotations

import ipaddress
import os
import re
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID

CA_CERT = "ca.pem"
CA_KEY = "ca-key.pem"
CA_VALIDITY = timedelta(days=10 * 365)
SERVER_VALIDITY = timedelta(days=365)
CLOCK_SKEW = timedelta(minutes=5)  # a host whose clock runs a little behind still accepts a new cert

_DNS_NAME = re.compile(r"^(?!-)[A-Za-z0-9-]{1,63}(?<!-)(\.(?!-)[A-Za-z0-9-]{1,63}(?<!-))*$")


class CertError(Exception):
    """Certificates cannot be made as asked; the message says why, in one line."""


@dataclass(frozen=True)
class TlsFiles:
    """What one broker's TLS listener loads."""

    keystore: Path  # its private key (PKCS#8) and certificate, PEM, mode 0600
    truststore: Path  # the CA certificate, PEM: what the broker and every client trust


@dataclass(frozen=True)
class Authority:
    cert: x509.Certificate
    key: ec.EllipticCurvePrivateKey


def write_certs(
    out: Path, hosts: Sequence[str], *, ca_dir: Path | None = None, new_ca: bool = False
) -> dict[str, TlsFiles]:
    """A certificate for each broker host (a DNS name or an IP address) in `out/<host>.pem`, signed
    by the CA in `ca_dir` (default `out`), created there when it has none or when `new_ca`.
    The CA certificate is also written to `out/ca.pem`, for the brokers and the clients."""
    if not hosts:
        raise CertError("name at least one broker host")
    sans = {host: _subject_alternative_name(host) for host in hosts}
    ca = load_or_create_ca(ca_dir or out, new=new_ca)
    out.mkdir(parents=True, exist_ok=True)
    truststore = out / CA_CERT
    _write(truststore, _cert_pem(ca.cert), mode=0o644)
    files = {}
    for host, san in sans.items():
        key, cert = issue_server_cert(ca, host, san)
        keystore = out / f"{host}.pem"
        _write(keystore, _key_pem(key) + _cert_pem(cert), mode=0o600)
        files[host] = TlsFiles(keystore=keystore, truststore=truststore)
    return files


def load_or_create_ca(ca_dir: Path, *, new: bool = False) -> Authority:
    """The CA kept in `ca_dir`; a new one only when there is none or `new` asks for it."""
    cert_file, key_file = ca_dir / CA_CERT, ca_dir / CA_KEY
    if not new and (cert_file.exists() or key_file.exists()):
        if not (cert_file.exists() and key_file.exists()):
            raise CertError(
                f"{ca_dir} holds only half a CA ({CA_CERT} and {CA_KEY} go together); "
                "restore the missing file, or make a new CA on purpose (--new-ca)"
            )
        return _load_ca(cert_file, key_file)
    ca = _new_ca()
    ca_dir.mkdir(parents=True, exist_ok=True)
    _write(key_file, _key_pem(ca.key), mode=0o600)
    _write(cert_file, _cert_pem(ca.cert), mode=0o644)
    return ca


def issue_server_cert(
    ca: Authority, host: str, san: x509.GeneralName | None = None
) -> tuple[ec.EllipticCurvePrivateKey, x509.Certificate]:
    """A new key and a certificate for a TLS server known as `host`."""
    key = ec.generate_private_key(ec.SECP256R1())
    now = datetime.now(UTC)
    cert = (
        x509.CertificateBuilder()
        .subject_name(x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, host)]))
        .issuer_name(ca.cert.subject)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - CLOCK_SKEW)
        .not_valid_after(min(now + SERVER_VALIDITY, ca.cert.not_valid_after_utc))
        .add_extension(x509.SubjectAlternativeName([san or _subject_alternative_name(host)]), critical=False)
        .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
        .add_extension(_key_usage(digital_signature=True), critical=True)
        .add_extension(x509.ExtendedKeyUsage([ExtendedKeyUsageOID.SERVER_AUTH]), critical=False)
        .add_extension(x509.SubjectKeyIdentifier.from_public_key(key.public_key()), critical=False)
        .add_extension(
            x509.AuthorityKeyIdentifier.from_issuer_public_key(ca.key.public_key()), critical=False
        )
        .sign(ca.key, hashes.SHA256())
    )
    return key, cert


def _new_ca() -> Authority:
    key = ec.generate_private_key(ec.SECP384R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "Ketenpoort private CA")])
    now = datetime.now(UTC)
    cert = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - CLOCK_SKEW)
        .not_valid_after(now + CA_VALIDITY)
        .add_extension(x509.BasicConstraints(ca=True, path_length=0), critical=True)
        .add_extension(_key_usage(key_cert_sign=True, crl_sign=True), critical=True)
        .add_extension(x509.SubjectKeyIdentifier.from_public_key(key.public_key()), critical=False)
        .sign(key, hashes.SHA256())
    )
    return Authority(cert=cert, key=key)


def _load_ca(cert_file: Path, key_file: Path) -> Authority:
    try:
        cert = x509.load_pem_x509_certificate(cert_file.read_bytes())
        key = serialization.load_pem_private_key(key_file.read_bytes(), password=None)
    except (OSError, ValueError, TypeError) as error:
        raise CertError(f"cannot read the CA in {cert_file.parent}: {error}") from None
    if not isinstance(key, ec.EllipticCurvePrivateKey) or key.public_key() != cert.public_key():
        raise CertError(f"{key_file} is not the key of {cert_file}")
    return Authority(cert=cert, key=key)


def _subject_alternative_name(host: str) -> x509.GeneralName:
    """An IP address for an IP literal, else a DNS name; anything else (a path, a space) is refused,
    since the host also names the broker's file."""
    try:
        return x509.IPAddress(ipaddress.ip_address(host))
    except ValueError:
        pass
    if len(host) > 253 or not _DNS_NAME.match(host):
        raise CertError(f"{host!r} is neither a DNS name nor an IP address")
    return x509.DNSName(host)


def _key_usage(**allowed: bool) -> x509.KeyUsage:
    usages = (
        "digital_signature",
        "content_commitment",
        "key_encipherment",
        "data_encipherment",
        "key_agreement",
        "key_cert_sign",
        "crl_sign",
        "encipher_only",
        "decipher_only",
    )
    return x509.KeyUsage(**{usage: allowed.get(usage, False) for usage in usages})


def _key_pem(key: ec.EllipticCurvePrivateKey) -> bytes:
    return key.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    )


def _cert_pem(cert: x509.Certificate) -> bytes:
    return cert.public_bytes(serialization.Encoding.PEM)


def _write(path: Path, data: bytes, *, mode: int) -> None:
    """Write whole or not at all, with `mode` from the first byte (a key is never briefly readable)."""
    tmp = path.with_name(f".{path.name}.tmp")
    tmp.unlink(missing_ok=True)
    descriptor = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, mode)
    with os.fdopen(descriptor, "wb") as stream:
        stream.write(data)
    os.chmod(tmp, mode)  # the umask may have taken bits away from a public certificate
    tmp.replace(path)
