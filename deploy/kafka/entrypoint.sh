#!/usr/bin/env bash
# Starts one Ketenpoort Kafka node in the apache/kafka image, in place of the image's own start
# script: that one cannot give the storage SCRAM credentials when it formats it, and the brokers
# need theirs from the start to log in to each other (the SCRAM-SHA-512 BROKER listener).
#
#   1. server.properties from the KAFKA_* environment, as the image does it: KAFKA_LOG_DIRS=x
#      becomes log.dirs=x; "__" stands for "_" and "___" for "-" in a name;
#   2. the SASL logins of the listeners CLIENT, BROKER and CONTROLLER, from the password variables;
#   3. the storage formatted once (--ignore-formatted), with the SCRAM credentials of admin and broker;
#   4. a client configuration for the health check: admin, over the TLS client listener;
#   5. the broker, in place of this script, logging as the image's kafka-server-start.sh sets it up
#      (Kafka 4.x: Log4j 2 with the image's config/log4j2.yaml).
#
# Passwords go into Java properties and SCRAM arguments unquoted: use letters and digits
# (`openssl rand -hex 24`), as .env.example says.
set -euo pipefail

: "${CLUSTER_ID:?}" "${KETENPOORT_CA_FILE:?}"
: "${KETENPOORT_KAFKA_ADMIN_PASSWORD:?}" "${KETENPOORT_KAFKA_BROKER_PASSWORD:?}"
: "${KETENPOORT_KAFKA_CONTROLLER_PASSWORD:?}"
kafka_dir=${KETENPOORT_KAFKA_DIR:-/opt/kafka}
config_dir=${KETENPOORT_KAFKA_CONFIG_DIR:-$kafka_dir/config/ketenpoort}
server_properties=$config_dir/server.properties

# The Kafka scripts' own variables, not broker settings.
not_settings=" KAFKA_HEAP_OPTS KAFKA_OPTS KAFKA_JMX_OPTS KAFKA_JMX_PORT KAFKA_JMX_HOSTNAME KAFKA_LOG4J_OPTS
  KAFKA_JVM_PERFORMANCE_OPTS KAFKA_GC_LOG_OPTS KAFKA_DEBUG KAFKA_MODE KAFKA_VERSION "

settings_from_environment() {
  local var name
  for var in $(compgen -e); do
    [[ $var == KAFKA_* && $not_settings != *[[:space:]]$var[[:space:]]* ]] || continue
    name=${var#KAFKA_}
    name=${name,,}
    name=${name//___/-}
    name=${name//__/\/}  # "/" holds the place of "_": no setting's name has one
    name=${name//_/.}
    name=${name//\//_}
    printf '%s=%s\n' "$name" "${!var}"
  done
}

logins() {
  local scram=org.apache.kafka.common.security.scram.ScramLoginModule
  local plain=org.apache.kafka.common.security.plain.PlainLoginModule
  local controller=$KETENPOORT_KAFKA_CONTROLLER_PASSWORD
  echo "listener.name.client.scram-sha-512.sasl.jaas.config=$scram required;"
  echo "listener.name.broker.scram-sha-512.sasl.jaas.config=$scram required" \
    "username=\"broker\" password=\"$KETENPOORT_KAFKA_BROKER_PASSWORD\";"
  echo "listener.name.controller.plain.sasl.jaas.config=$plain required" \
    "username=\"controller\" password=\"$controller\" user_controller=\"$controller\";"
}

admin_client() {
  echo "security.protocol=SASL_SSL"
  echo "sasl.mechanism=SCRAM-SHA-512"
  echo "sasl.jaas.config=org.apache.kafka.common.security.scram.ScramLoginModule required" \
    "username=\"admin\" password=\"$KETENPOORT_KAFKA_ADMIN_PASSWORD\";"
  echo "ssl.truststore.type=PEM"
  echo "ssl.truststore.location=$KETENPOORT_CA_FILE"
}

umask 077  # the files below hold passwords
mkdir -p "$config_dir"
{ settings_from_environment; logins; } >"$server_properties"
admin_client >"$config_dir/admin-client.properties"

"$kafka_dir/bin/kafka-storage.sh" format --ignore-formatted --cluster-id="$CLUSTER_ID" \
  -c "$server_properties" \
  "--add-scram=SCRAM-SHA-512=[name=admin,password=$KETENPOORT_KAFKA_ADMIN_PASSWORD]" \
  "--add-scram=SCRAM-SHA-512=[name=broker,password=$KETENPOORT_KAFKA_BROKER_PASSWORD]"

exec "$kafka_dir/bin/kafka-server-start.sh" "$server_properties"
