#!/usr/bin/env bash
# The broker's entry point in docker-compose.yml: writes the JAAS file and the admin client configuration from
# SLRT_KAFKA_ADMIN_PASSWORD, then starts the image's own entry point (/etc/kafka/docker/run).
#
# Why a file: the image turns KAFKA_* variables into server.properties, but it drops every variable whose value
# holds "=" (a JAAS line always does), so per-listener `sasl.jaas.config` cannot come from the environment.
#
# Listeners (KAFKA_LISTENER_SECURITY_PROTOCOL_MAP in docker-compose.yml):
#   CLIENT      :9092   SASL_PLAINTEXT, SCRAM-SHA-512: the services and the example agency/owner systems
#   INTERNAL    :19092  SASL_PLAINTEXT, PLAIN: inter-broker and the operators' admin (kafka-init, healthcheck)
#   CONTROLLER  :9093   SASL_PLAINTEXT, PLAIN, bound to localhost: the KRaft controller
# The admin is a PLAIN user of the JAAS file because SCRAM users live in the cluster's metadata and cannot
# exist before the broker does; every other principal is a SCRAM user that kafka-init creates.
set -euo pipefail
password=${SLRT_KAFKA_ADMIN_PASSWORD:?SLRT_KAFKA_ADMIN_PASSWORD is not set (KAFKA_ADMIN_PASSWORD in .env)}
case $password in *'"'* | *'\'* | *' '*) echo "KAFKA_ADMIN_PASSWORD may not hold quotes, backslashes or spaces" >&2; exit 1 ;; esac
config_dir=${SLRT_KAFKA_CONFIG_DIR:-/opt/kafka/config}
umask 077
plain="org.apache.kafka.common.security.plain.PlainLoginModule required username=\"admin\" password=\"$password\""
cat > "$config_dir/slrt_server_jaas.conf" <<JAAS
controller.KafkaServer {
  $plain user_admin="$password";
};
internal.KafkaServer {
  $plain user_admin="$password";
};
client.KafkaServer {
  org.apache.kafka.common.security.scram.ScramLoginModule required;
};
JAAS
cat > "$config_dir/slrt-admin.properties" <<PROPERTIES
security.protocol=SASL_PLAINTEXT
sasl.mechanism=PLAIN
sasl.jaas.config=$plain;
PROPERTIES
unset SLRT_KAFKA_ADMIN_PASSWORD password
export KAFKA_OPTS="-Djava.security.auth.login.config=$config_dir/slrt_server_jaas.conf${KAFKA_OPTS:+ $KAFKA_OPTS}"
exec "${SLRT_KAFKA_RUN:-/etc/kafka/docker/run}"
