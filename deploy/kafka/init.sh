#!/usr/bin/env bash
# kafka-init (docker-compose.yml): the SCRAM users, the topics and the ACLs of SLRT, as the admin over the
# INTERNAL listener. Safe to run again: users and topic configurations are set to what is written here, topics
# are created only when missing, and an ACL that exists is left as it is. deploy/README.md has the table.
#
# Passwords: <PRINCIPAL>_KAFKA_PASSWORD (INTAKE_KAFKA_PASSWORD, ..., AGENCY_EXAMPLE_KAFKA_PASSWORD), URL-safe.
set -euo pipefail

bin=${KAFKA_BIN:-/opt/kafka/bin}
bootstrap=${KAFKA_ADMIN_BOOTSTRAP:-kafka:19092}
admin_password=${SLRT_KAFKA_ADMIN_PASSWORD:?SLRT_KAFKA_ADMIN_PASSWORD is not set (KAFKA_ADMIN_PASSWORD in .env)}
partitions=${SLRT_TOPIC_PARTITIONS:-12}
replication=${SLRT_TOPIC_REPLICATION:-1}
# As the services create them (slrt_shared.topics.topic_config): topics with personal data keep a message for
# SLRT_PERSONAL_DATA_RETENTION_HOURS; the contacts topic is compacted within that time.
retention_ms=$(( ${SLRT_PERSONAL_DATA_RETENTION_HOURS:-168} * 3600 * 1000 ))
day_ms=$(( 24 * 3600 * 1000 ))
segment_ms=$(( retention_ms < day_ms ? retention_ms : day_ms ))

config=$(mktemp)
trap 'rm -f "$config"' EXIT
chmod 600 "$config"
cat > "$config" <<PROPERTIES
security.protocol=SASL_PLAINTEXT
sasl.mechanism=PLAIN
sasl.jaas.config=org.apache.kafka.common.security.plain.PlainLoginModule required username="admin" password="$admin_password";
PROPERTIES

admin() {  # admin TOOL ARGS...: a Kafka tool as the admin
  local tool=$1
  shift
  "$bin/$tool" --bootstrap-server "$bootstrap" --command-config "$config" "$@"
}

# --- users: one per service, one per example external system; every password checked before any is set ---
USERS=(intake routing notification reporting agency-example owner-example)
password_of() { local variable; variable="$(tr 'a-z-' 'A-Z_' <<< "$1")_KAFKA_PASSWORD"; printf '%s' "${!variable:-}"; }
for user in "${USERS[@]}"; do
  variable="$(tr 'a-z-' 'A-Z_' <<< "$user")_KAFKA_PASSWORD"
  password=$(password_of "$user")
  if [ -z "$password" ]; then echo "kafka-init: $variable is not set" >&2; exit 1; fi
  case $password in *[!A-Za-z0-9._~-]*) echo "kafka-init: $variable must be URL-safe ([A-Za-z0-9._~-])" >&2; exit 1 ;; esac
done

for attempt in $(seq 1 60); do
  admin kafka-broker-api-versions.sh > /dev/null 2>&1 && break
  if [ "$attempt" = 60 ]; then echo "kafka-init: the broker at $bootstrap does not answer" >&2; exit 1; fi
  sleep 2
done

for user in "${USERS[@]}"; do
  admin kafka-configs.sh --alter --entity-type users --entity-name "$user" \
    --add-config "SCRAM-SHA-512=[iterations=8192,password=$(password_of "$user")]"
done

# --- topics --------------------------------------------------------------------------------------------
topic() {  # topic NAME [KEY=VALUE...]: create it when missing, then set its configuration
  local name=$1
  shift
  local options=()
  for setting in "$@"; do options+=(--config "$setting"); done
  admin kafka-topics.sh --create --if-not-exists --topic "$name" --partitions "$partitions" \
    --replication-factor "$replication" "${options[@]}"
  if [ $# -gt 0 ]; then
    admin kafka-configs.sh --alter --entity-type topics --entity-name "$name" --add-config "$(IFS=,; echo "$*")"
  fi
}
PERSONAL=(cleanup.policy=delete "retention.ms=$retention_ms")
topic slrt.intake.commands "${PERSONAL[@]}"
topic slrt.intake.commands.dlt "${PERSONAL[@]}"
topic slrt.intake.replies
topic slrt.case.events
topic slrt.case.events.dlt
topic slrt.case.contacts cleanup.policy=compact "max.compaction.lag.ms=$retention_ms" \
  "delete.retention.ms=$retention_ms" "segment.ms=$segment_ms"
topic slrt.case.contacts.dlt "${PERSONAL[@]}"
topic slrt.referral.updates "${PERSONAL[@]}"
topic slrt.referral.updates.dlt "${PERSONAL[@]}"
topic slrt.notification.events
topic slrt.notification.events.dlt

# --- ACLs ------------------------------------------------------------------------------------------------
# allow.everyone.if.no.acl.found=false: what is not granted here is denied; the admin (super user) reads the
# dead letters. A service consuming topic X writes X.dlt; it describes and may create the topics it uses
# (it asks for them at start), and reads its consumer groups, all prefixed slrt-<service>-.
grant() {  # grant PRINCIPAL OPERATION[,OPERATION...] TOPIC...
  local principal=$1 operations=$2
  shift 2
  local args=()
  for operation in ${operations//,/ }; do args+=(--operation "$operation"); done
  for name in "$@"; do args+=(--topic "$name"); done
  admin kafka-acls.sh --add --allow-principal "User:$principal" "${args[@]}" > /dev/null
}
groups() {  # groups PRINCIPAL PREFIX: read (join, commit) the consumer groups named PREFIX...
  admin kafka-acls.sh --add --allow-principal "User:$1" --operation Read --group "$2" \
    --resource-pattern-type prefixed > /dev/null
}
USES="Describe,Create,DescribeConfigs"

grant intake Read slrt.intake.commands slrt.case.events
grant intake Write slrt.intake.replies slrt.case.events slrt.case.contacts \
  slrt.intake.commands.dlt slrt.case.events.dlt
grant intake "$USES" slrt.intake.commands slrt.intake.commands.dlt slrt.intake.replies slrt.case.events \
  slrt.case.events.dlt slrt.case.contacts
groups intake slrt-intake-

grant routing Read slrt.case.events slrt.referral.updates
grant routing Write slrt.case.events slrt.case.events.dlt slrt.referral.updates.dlt
grant routing "$USES" slrt.case.events slrt.case.events.dlt slrt.referral.updates slrt.referral.updates.dlt
groups routing slrt-routing-

grant notification Read slrt.case.events slrt.case.contacts
grant notification Write slrt.notification.events slrt.case.events.dlt slrt.case.contacts.dlt
grant notification "$USES" slrt.case.events slrt.case.events.dlt slrt.case.contacts slrt.case.contacts.dlt \
  slrt.notification.events
groups notification slrt-notification-

grant reporting Read slrt.case.events slrt.notification.events
grant reporting Write slrt.case.events.dlt slrt.notification.events.dlt
grant reporting "$USES" slrt.case.events slrt.case.events.dlt slrt.notification.events \
  slrt.notification.events.dlt
groups reporting slrt-reporting-

# An integrating agency sends commands and reads the replies; a programme owner's system sends its answers.
grant agency-example Write slrt.intake.commands
grant agency-example Read slrt.intake.replies
groups agency-example agency-example-
grant owner-example Write slrt.referral.updates

echo "kafka-init: users, topics and ACLs are in place"
