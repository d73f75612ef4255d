"""Ed25519 keys, as the gateway keeps and names them: the audit signing key
(gateway/audit/checkpoints.py) and the privacy officers' approval keys (gateway/policy_approvals.py).
A key is named by its id, the first 16 hex digits of the SHA-256 of its raw public key."""

from __future__ import annotations

import hashlib
import os
from pathlib import Path
from uuid import uuid4

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey


def key_id(public_key: Ed25519PublicKey) -> str:
    raw = public_key.public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)
    return hashlib.sha256(raw).hexdigest()[:16]


def public_pem(public_key: Ed25519PublicKey) -> bytes:
    return public_key.public_bytes(
        serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
    )


def load_or_create_key(path: Path) -> Ed25519PrivateKey:
    """The gateway's audit signing key (PKCS#8 PEM, unencrypted, mode 0600). Made on first use when
    absent, with its public half beside it (`<name>.pub`), for the embedded default and for
    instances sharing a volume; a deployment may provide its own, from its secret store. Two
    instances starting together make one key: the first link wins, the other reads it."""
    if not path.exists():
        key = Ed25519PrivateKey.generate()
        path.parent.mkdir(parents=True, exist_ok=True)
        pem = key.private_bytes(
            serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
        )
        tmp = path.with_name(f".{path.name}.{uuid4().hex}.tmp")
        tmp.write_bytes(pem)
        tmp.chmod(0o600)
        try:
            os.link(tmp, path)  # fails when another process made it meanwhile
            public_path(path).write_bytes(public_pem(key.public_key()))
        except FileExistsError:
            pass
        finally:
            tmp.unlink()
    stored = serialization.load_pem_private_key(path.read_bytes(), password=None)
    if not isinstance(stored, Ed25519PrivateKey):
        raise ValueError(f"{path} holds no Ed25519 private key")
    return stored


def public_path(private_path: Path) -> Path:
    """Where the public half of a private key file is kept: beside it, as `<name>.pub`."""
    return private_path.with_name(f"{private_path.name}.pub")


def load_public_key(path: Path) -> Ed25519PublicKey:
    """A public key file (PEM), or the public half of a private key file."""
    data = path.read_bytes()
    if b"PRIVATE KEY" in data:
        private = serialization.load_pem_private_key(data, password=None)
        if not isinstance(private, Ed25519PrivateKey):
            raise ValueError(f"{path} holds no Ed25519 key")
        return private.public_key()
    key = serialization.load_pem_public_key(data)
    if not isinstance(key, Ed25519PublicKey):
        raise ValueError(f"{path} holds no Ed25519 public key")
    return key
