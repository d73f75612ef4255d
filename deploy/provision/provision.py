"""The compose `provision` service: `ketenpoort access provision` with the passwords compose knows.

`access provision` reads its passwords from a credentials file. The admin's password (created when
the brokers formatted their storage) and the gateway's (which the gateways log in with) come from
the environment, so they are written into that file first (the on-call service's too); every other principal of
gateway/principals.yaml keeps the password the file has, or gets a new random one from provisioning.
The file stays in its volume, mode 0600: it is where adapters' passwords are looked up.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path

from pydantic import SecretStr

from gateway.principals import Credentials

FROM_ENVIRONMENT = {
    "admin": "KETENPOORT_KAFKA_ADMIN_PASSWORD",
    "gateway": "KETENPOORT_KAFKA_GATEWAY_PASSWORD",
    "oncall": "KETENPOORT_KAFKA_ONCALL_PASSWORD",
}


def seed(path: Path, environment: dict[str, str]) -> Credentials:
    """The credentials file with the connection and the passwords from the environment."""
    stored = Credentials.load(path) if path.exists() else Credentials()
    passwords = {name: SecretStr(environment[variable]) for name, variable in FROM_ENVIRONMENT.items()}
    seeded = Credentials.model_validate(
        {
            "security_protocol": environment["KAFKA_SECURITY_PROTOCOL"],
            "sasl_mechanism": environment.get("KAFKA_SASL_MECHANISM", stored.sasl_mechanism),
            "ssl_cafile": environment.get("KAFKA_SSL_CAFILE"),
            "passwords": {**stored.passwords, **passwords},
        }
    )
    seeded.save(path)
    return seeded


def main() -> None:
    environment = dict(os.environ)
    seed(Path(environment["KETENPOORT_KAFKA_CREDENTIALS"]), environment)
    os.execvp("ketenpoort", ["ketenpoort", "access", "provision", *sys.argv[1:]])


if __name__ == "__main__":
    main()
