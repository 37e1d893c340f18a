"""deploy/kafka: what kafka-init asks of the broker (users, topics, ACLs) and how the broker starts (the JAAS file),
run here with stand-ins for the Kafka tools that record each call. The expected ACLs are derived from the code
(``slrt_contracts.topics``: who consumes what) and the table of deploy/README.md; the topics' configuration must be
the one the services would create them with (``topic_config``), else each service would try to alter it."""

from __future__ import annotations

import json
import os
import shlex
import stat
import sys
from pathlib import Path

import pytest
from slrt_contracts import topics

from tests.unit.deploy.tools import DEPLOY, SERVICES, clean_env, run

KAFKA = DEPLOY / "kafka"
PRINCIPALS = (*SERVICES, "agency-example", "owner-example")
RETENTION_HOURS = 168

#: Who writes what besides dead letters (shared/CONTRACT.md, "Kafka topics"; docs/ACCESS.md, "Topics").
WRITES = {
    "intake": {topics.INTAKE_REPLIES, topics.CASE_EVENTS, topics.CASE_CONTACTS},
    "routing": {topics.CASE_EVENTS},
    "notification": {topics.NOTIFICATION_EVENTS},
    "reporting": set(),
    "agency-example": {topics.INTAKE_COMMANDS},
    "owner-example": {topics.REFERRAL_UPDATES},
}
#: Readers outside the services (CONSUMED_BY names the services).
EXTERNAL_READS = {"agency-example": {topics.INTAKE_REPLIES}}
GROUP_PREFIXES = {**{s: f"slrt-{s}-" for s in SERVICES}, "agency-example": "agency-example-"}

STUB = f"""#!{sys.executable} -S
import json, os, sys
with open(os.environ["KAFKA_STUB_LOG"], "a") as log:
    log.write(json.dumps([os.path.basename(sys.argv[0]), sys.argv[1:]]) + "\\n")
"""


def _dlt(topic: str) -> str:
    return topics.Topics.dead_letter(topic)


def _expected_acls() -> set[tuple[str, str, str, str]]:
    """(principal, operation, resource kind, name) with kind topic or group-prefix."""
    acls: set[tuple[str, str, str, str]] = set()
    consumed = {p: {t for t, readers in topics.CONSUMED_BY.items() if p in readers} for p in PRINCIPALS}
    for principal in PRINCIPALS:
        reads = consumed[principal] | EXTERNAL_READS.get(principal, set())
        writes = WRITES[principal] | {_dlt(t) for t in consumed[principal]}
        acls |= {(principal, "Read", "topic", t) for t in reads}
        acls |= {(principal, "Write", "topic", t) for t in writes}
        if principal in SERVICES:  # a service asks for the topics it uses at start (ensure_topics)
            uses = consumed[principal] | {_dlt(t) for t in consumed[principal]} | WRITES[principal]
            acls |= {(principal, op, "topic", t) for t in uses for op in ("Describe", "Create", "DescribeConfigs")}
        if principal in GROUP_PREFIXES:
            acls.add((principal, "Read", "group-prefix", GROUP_PREFIXES[principal]))
    return acls


def _stubs(folder: Path) -> Path:
    bin_dir = folder / "bin"
    bin_dir.mkdir()
    for name in ("kafka-broker-api-versions.sh", "kafka-configs.sh", "kafka-topics.sh", "kafka-acls.sh"):
        path = bin_dir / name
        path.write_text(STUB)
        path.chmod(0o755)
    return bin_dir


def _password_variable(principal: str) -> str:
    return f"{principal.upper().replace('-', '_')}_KAFKA_PASSWORD"


def _passwords() -> dict[str, str]:
    return {_password_variable(p): f"pw-{p}-0123456789" for p in PRINCIPALS}


def _run_init(tmp_path: Path, **overrides: str) -> tuple[list[tuple[str, list[str]]], str]:
    log = tmp_path / "calls.jsonl"
    env = clean_env(KAFKA_BIN=str(_stubs(tmp_path)), KAFKA_STUB_LOG=str(log), KAFKA_ADMIN_BOOTSTRAP="kafka:19092",
                    SLRT_KAFKA_ADMIN_PASSWORD="admin-secret-0123456789", SLRT_TOPIC_PARTITIONS="12",
                    SLRT_PERSONAL_DATA_RETENTION_HOURS=str(RETENTION_HOURS), **_passwords())
    env.update(overrides)
    done = run("bash", KAFKA / "init.sh", env=env)
    calls = [tuple(json.loads(line)) for line in log.read_text().splitlines()] if log.exists() else []
    return calls, done.stderr if done.returncode else ""


def _options(args: list[str], name: str) -> list[str]:
    return [args[i + 1] for i, a in enumerate(args[:-1]) if a == name]


@pytest.fixture(scope="module")
def calls(tmp_path_factory: pytest.TempPathFactory) -> list[tuple[str, list[str]]]:
    recorded, error = _run_init(tmp_path_factory.mktemp("kafka-init"))
    assert not error, error
    return recorded


def test_every_call_goes_to_the_internal_listener_as_the_admin(calls: list[tuple[str, list[str]]]) -> None:
    assert calls
    for _tool, args in calls:
        assert _options(args, "--bootstrap-server") == ["kafka:19092"]
        (config,) = _options(args, "--command-config")
        assert not Path(config).exists(), "the admin's client configuration is removed when kafka-init ends"


def test_one_scram_user_per_service_and_example_system(calls: list[tuple[str, list[str]]]) -> None:
    users = {}
    for tool, args in calls:
        if tool == "kafka-configs.sh" and _options(args, "--entity-type") == ["users"]:
            (name,) = _options(args, "--entity-name")
            (config,) = _options(args, "--add-config")
            users[name] = config
    passwords = _passwords()
    assert users == {p: f"SCRAM-SHA-512=[iterations=8192,password={passwords[_password_variable(p)]}]"
                     for p in PRINCIPALS}


def test_the_topics_are_created_as_the_services_would_create_them(calls: list[tuple[str, list[str]]]) -> None:
    created: dict[str, dict[str, str]] = {}
    altered: dict[str, dict[str, str]] = {}
    for tool, args in calls:
        if tool == "kafka-topics.sh":
            assert "--create" in args and "--if-not-exists" in args
            assert _options(args, "--partitions") == ["12"]
            (name,) = _options(args, "--topic")
            created[name] = dict(c.split("=", 1) for c in _options(args, "--config"))
        elif tool == "kafka-configs.sh" and _options(args, "--entity-type") == ["topics"]:
            (name,) = _options(args, "--entity-name")
            (config,) = _options(args, "--add-config")
            altered[name] = dict(c.split("=", 1) for c in config.split(","))
    contract = {topics.INTAKE_COMMANDS, topics.INTAKE_REPLIES, topics.CASE_EVENTS, topics.CASE_CONTACTS,
                topics.REFERRAL_UPDATES, topics.NOTIFICATION_EVENTS}
    assert set(created) == contract | {_dlt(t) for t in topics.CONSUMED_BY}
    retention_ms = RETENTION_HOURS * 3_600_000
    for name, config in created.items():
        wanted = topics.topic_config(name, personal_retention_ms=retention_ms)
        # topic_config omits the broker's default; a topic without personal data keeps cleanup.policy=delete
        assert config == wanted, name
        assert altered.get(name, {}) == wanted, f"{name}: an existing topic is not brought to its configuration"
    assert created[topics.CASE_CONTACTS]["cleanup.policy"] == "compact"


def test_the_acls_are_the_table_and_nothing_more(calls: list[tuple[str, list[str]]]) -> None:
    granted: set[tuple[str, str, str, str]] = set()
    for tool, args in calls:
        if tool != "kafka-acls.sh":
            continue
        assert "--add" in args and not _options(args, "--deny-principal")
        (principal,) = _options(args, "--allow-principal")
        principal = principal.removeprefix("User:")
        operations = _options(args, "--operation")
        if _options(args, "--group"):
            assert _options(args, "--resource-pattern-type") == ["prefixed"]
            granted |= {(principal, op, "group-prefix", g) for g in _options(args, "--group") for op in operations}
        else:
            assert not _options(args, "--resource-pattern-type"), "topics are granted by their exact name"
            granted |= {(principal, op, "topic", t) for t in _options(args, "--topic") for op in operations}
    expected = _expected_acls()
    assert granted == expected, f"missing: {sorted(expected - granted)}; extra: {sorted(granted - expected)}"
    # the contacts (names, phones, e-mails) reach notification only; nobody but the admin reads a dead letter
    assert {p for p, op, _, t in granted if op == "Read" and t == topics.CASE_CONTACTS} == {"notification"}
    assert not {t for _, op, _, t in granted if op == "Read" and t.endswith(topics.DEAD_LETTER_SUFFIX)}


def test_a_missing_or_unsafe_password_stops_it_before_any_user_is_made(tmp_path: Path) -> None:
    (tmp_path / "missing").mkdir()
    calls, error = _run_init(tmp_path / "missing", ROUTING_KAFKA_PASSWORD="")
    assert "ROUTING_KAFKA_PASSWORD is not set" in error
    assert not [c for c in calls if c[0] in ("kafka-configs.sh", "kafka-topics.sh", "kafka-acls.sh")]
    (tmp_path / "unsafe").mkdir()
    _, error = _run_init(tmp_path / "unsafe", INTAKE_KAFKA_PASSWORD="has,comma]")
    assert "INTAKE_KAFKA_PASSWORD must be URL-safe" in error


def test_the_broker_start_writes_the_jaas_file_and_forgets_the_password(tmp_path: Path) -> None:
    seen = tmp_path / "seen.json"
    fake_run = tmp_path / "run"
    fake_run.write_text(f"#!{sys.executable} -S\nimport json, os\n"
                        f"json.dump(dict(os.environ), open({str(seen)!r}, 'w'))\n")
    fake_run.chmod(0o755)
    password = "admin-secret-0123456789"
    done = run("bash", KAFKA / "start.sh", env=clean_env(
        SLRT_KAFKA_ADMIN_PASSWORD=password, SLRT_KAFKA_CONFIG_DIR=str(tmp_path), SLRT_KAFKA_RUN=str(fake_run)))
    assert done.returncode == 0, done.stderr
    env = json.loads(seen.read_text())
    assert "SLRT_KAFKA_ADMIN_PASSWORD" not in env, "the broker's environment keeps no password"
    jaas = tmp_path / "slrt_server_jaas.conf"
    assert shlex.split(env["KAFKA_OPTS"]) == [f"-Djava.security.auth.login.config={jaas}"]
    text = jaas.read_text()
    for listener in ("controller", "internal", "client"):
        assert f"{listener}.KafkaServer {{" in text
    assert text.count(f'user_admin="{password}"') == 2 and "ScramLoginModule required;" in text
    admin = (tmp_path / "slrt-admin.properties").read_text()
    assert "security.protocol=SASL_PLAINTEXT" in admin and f'password="{password}";' in admin
    for made in (jaas, tmp_path / "slrt-admin.properties"):
        assert stat.S_IMODE(os.stat(made).st_mode) == 0o600
    refused = run("bash", KAFKA / "start.sh", env=clean_env(
        SLRT_KAFKA_ADMIN_PASSWORD='bad"quote', SLRT_KAFKA_CONFIG_DIR=str(tmp_path), SLRT_KAFKA_RUN=str(fake_run)))
    assert refused.returncode != 0
