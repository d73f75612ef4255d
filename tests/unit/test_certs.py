"""The private CA and the brokers' certificates (gateway/certs.py), and the TLS broker settings."""

from __future__ import annotations

import ipaddress
import socket
import ssl
import threading
from pathlib import Path

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import serialization
from typer.testing import CliRunner

from gateway.certs import CA_CERT, CA_KEY, CertError, TlsFiles, write_certs
from gateway.principals import SUPER_USERS, Credentials
from tools.stack.cli import stack_app
from tools.stack.kafka_config import NodePorts, render_server_properties

ONE_NODE = {1: NodePorts(client=9092, controller=9093)}


def _cert(path: Path) -> x509.Certificate:
    return x509.load_pem_x509_certificate(path.read_bytes())


def test_each_host_gets_a_key_and_a_certificate_for_its_name_signed_by_the_ca(tmp_path: Path) -> None:
    files = write_certs(tmp_path, ["kafka-1", "10.0.0.7"])
    ca = _cert(tmp_path / CA_CERT)
    for host, san in (
        ("kafka-1", x509.DNSName("kafka-1")),
        ("10.0.0.7", x509.IPAddress(ipaddress.ip_address("10.0.0.7"))),
    ):
        keystore = files[host].keystore
        assert keystore == tmp_path / f"{host}.pem"
        assert files[host].truststore == tmp_path / CA_CERT
        pem = keystore.read_bytes()
        # What Kafka's PEM keystore wants: an unencrypted PKCS#8 key, then the certificate.
        assert pem.startswith(b"-----BEGIN PRIVATE KEY-----")
        key = serialization.load_pem_private_key(pem, password=None)
        cert = _cert(keystore)
        assert cert.public_key() == key.public_key()
        cert.verify_directly_issued_by(ca)
        assert list(cert.extensions.get_extension_for_class(x509.SubjectAlternativeName).value) == [san]
        assert not cert.extensions.get_extension_for_class(x509.BasicConstraints).value.ca
        assert keystore.stat().st_mode & 0o777 == 0o600
    assert ca.extensions.get_extension_for_class(x509.BasicConstraints).value.ca
    assert (tmp_path / CA_KEY).stat().st_mode & 0o777 == 0o600
    assert (tmp_path / CA_CERT).stat().st_mode & 0o777 == 0o644


def test_an_existing_ca_is_kept_unless_a_new_one_is_asked_for(tmp_path: Path) -> None:
    write_certs(tmp_path, ["kafka-1"])
    first = (tmp_path / CA_CERT).read_bytes(), (tmp_path / CA_KEY).read_bytes()
    old_keystore = (tmp_path / "kafka-1.pem").read_bytes()
    write_certs(tmp_path, ["kafka-1", "kafka-2"])
    assert ((tmp_path / CA_CERT).read_bytes(), (tmp_path / CA_KEY).read_bytes()) == first
    assert (tmp_path / "kafka-1.pem").read_bytes() != old_keystore  # brokers get new certificates
    _cert(tmp_path / "kafka-2.pem").verify_directly_issued_by(_cert(tmp_path / CA_CERT))
    write_certs(tmp_path, ["kafka-1"], new_ca=True)
    assert (tmp_path / CA_CERT).read_bytes() != first[0]


def test_the_ca_key_can_live_apart_from_what_the_brokers_see(tmp_path: Path) -> None:
    write_certs(tmp_path / "out", ["kafka-1"], ca_dir=tmp_path / "ca")
    assert sorted(path.name for path in (tmp_path / "out").iterdir()) == [CA_CERT, "kafka-1.pem"]
    assert (tmp_path / "ca" / CA_KEY).is_file()
    assert (tmp_path / "ca" / CA_CERT).read_bytes() == (tmp_path / "out" / CA_CERT).read_bytes()


def test_half_a_ca_is_refused_not_replaced(tmp_path: Path) -> None:
    write_certs(tmp_path, ["kafka-1"])
    (tmp_path / CA_KEY).unlink()
    with pytest.raises(CertError, match="half a CA"):
        write_certs(tmp_path, ["kafka-1"])
    assert (tmp_path / CA_CERT).exists()


@pytest.mark.parametrize("host", ["../etc/passwd", "kafka 1", "", "-kafka", "kafka_1"])
def test_a_host_that_is_no_dns_name_or_ip_address_is_refused(tmp_path: Path, host: str) -> None:
    with pytest.raises(CertError, match="neither a DNS name nor an IP address"):
        write_certs(tmp_path, [host])
    assert not (tmp_path / CA_KEY).exists()  # refused before anything was written


def test_a_tls_client_that_trusts_the_ca_verifies_the_server_by_its_name(tmp_path: Path) -> None:
    files = write_certs(tmp_path, ["127.0.0.1"])["127.0.0.1"]
    server_context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    server_context.load_cert_chain(files.keystore)  # the key and the certificate, from one file
    listener = socket.create_server(("127.0.0.1", 0))
    port = listener.getsockname()[1]

    def serve() -> None:
        connection, _ = listener.accept()
        with server_context.wrap_socket(connection, server_side=True) as tls:
            tls.sendall(b"ok")

    server = threading.Thread(target=serve)
    server.start()
    client_context = ssl.create_default_context(cafile=str(files.truststore))
    with (
        socket.create_connection(("127.0.0.1", port), timeout=5) as raw,
        client_context.wrap_socket(raw, server_hostname="127.0.0.1") as tls,
    ):
        assert tls.recv(2) == b"ok"
    server.join(5)
    listener.close()


def test_the_certs_command_writes_the_files_and_says_where(tmp_path: Path) -> None:
    result = CliRunner().invoke(
        stack_app, ["certs", "--out", str(tmp_path), "--host", "kafka-1", "--host", "kafka-2"]
    )
    assert result.exit_code == 0, result.output
    assert str(tmp_path / CA_CERT) in result.output
    assert (tmp_path / "kafka-2.pem").is_file()
    refused = CliRunner().invoke(stack_app, ["certs", "--out", str(tmp_path), "--host", "a/b"])
    assert refused.exit_code == 2
    assert "neither a DNS name nor an IP address" in refused.output


def _properties(text: str) -> dict[str, str]:
    pairs = (line.split("=", 1) for line in text.splitlines() if line and not line.startswith("#"))
    return dict(pairs)


def test_with_tls_the_client_listener_speaks_sasl_ssl_with_the_pem_files() -> None:
    credentials = Credentials().with_passwords_for(list(SUPER_USERS))
    tls = TlsFiles(keystore=Path("/certs/127.0.0.1.pem"), truststore=Path("/certs/ca.pem"))
    plain = _properties(render_server_properties(1, ONE_NODE, Path("/data"), credentials))
    secure = _properties(render_server_properties(1, ONE_NODE, Path("/data"), credentials, tls))
    assert plain["listener.security.protocol.map"] == "CLIENT:SASL_PLAINTEXT,CONTROLLER:SASL_PLAINTEXT"
    assert not any("ssl" in key for key in plain)
    assert secure["listener.security.protocol.map"] == "CLIENT:SASL_SSL,CONTROLLER:SASL_PLAINTEXT"
    assert {key: value for key, value in secure.items() if key not in plain} == {
        "listener.name.client.ssl.keystore.type": "PEM",
        "listener.name.client.ssl.keystore.location": "/certs/127.0.0.1.pem",
        "listener.name.client.ssl.truststore.type": "PEM",
        "listener.name.client.ssl.truststore.location": "/certs/ca.pem",
    }
    assert {key: value for key, value in secure.items() if key in plain and value != plain[key]} == {
        "listener.security.protocol.map": "CLIENT:SASL_SSL,CONTROLLER:SASL_PLAINTEXT"
    }
