"""The local stack: a real Kafka broker and a real OPA server on loopback, fetched and cached.

`up` fetches what is missing (Kafka's jars from Maven Central, OPA built from the Go module proxy)
into `<cache>/kafka/<version>/libs` and `<cache>/opa/<version>/opa`, starts both on free ports and
records them in `<stack dir>/state.json`. `endpoints` is what the rest of the gateway asks:
`KAFKA_BOOTSTRAP` / `OPA_URL` when set, else the running stack. See docs/local-stack.md.
"""

from tools.stack.errors import StackError
from tools.stack.kafka import KAFKA_VERSION, ensure_kafka
from tools.stack.lifecycle import down, endpoints, kafka_as, pause, resume, roll, stack_session, status, up
from tools.stack.opa import OPA_VERSION, bundle_server, ensure_opa, throwaway_opa
from tools.stack.state import Endpoints, KafkaState, OpaState, StackState

__all__ = [
    "KAFKA_VERSION",
    "OPA_VERSION",
    "Endpoints",
    "KafkaState",
    "OpaState",
    "StackError",
    "StackState",
    "bundle_server",
    "down",
    "endpoints",
    "ensure_kafka",
    "ensure_opa",
    "kafka_as",
    "pause",
    "resume",
    "roll",
    "stack_session",
    "status",
    "throwaway_opa",
    "up",
]
