#!/usr/bin/env bash
# Healthy when the node answers admin on its TLS client listener, by the name clients use for it:
# TLS, the certificate's name, SCRAM and the broker itself all work, as the gateway needs them.
set -euo pipefail

kafka_dir=${KETENPOORT_KAFKA_DIR:-/opt/kafka}
config_dir=${KETENPOORT_KAFKA_CONFIG_DIR:-$kafka_dir/config/ketenpoort}
client=$(tr ',' '\n' <<<"$KAFKA_ADVERTISED_LISTENERS" | sed -n 's|^CLIENT://||p')

exec "$kafka_dir/bin/kafka-broker-api-versions.sh" --bootstrap-server "$client" \
  --command-config "$config_dir/admin-client.properties" >/dev/null
