"""The console in docker-compose.yml and the Kubernetes manifests: reached through the proxy on 8005, signing in
with the realm's console client, calling the services inside the network, locked down like them."""

from __future__ import annotations

import pytest

from tests.unit.deploy.test_compose import resolved  # noqa: F401  (the fixture)
from tests.unit.deploy.test_kubernetes import OVERLAYS, _container, _environment, objects, one
from tests.unit.deploy.tools import compose_raw, settings_from


def test_compose_runs_the_console_behind_the_proxy_with_the_realm_s_client(
        resolved: dict, monkeypatch: pytest.MonkeyPatch) -> None:  # noqa: F811
    raw = compose_raw()["services"]["console"]
    assert raw["command"] == ["serve", "console"] and "ports" not in raw and raw["read_only"] is True
    assert raw["cap_drop"] == ["ALL"]
    env = {k: str(v) for k, v in resolved["services"]["console"]["environment"].items()}
    settings = settings_from("console", env, monkeypatch)
    assert settings.port == 8000 and settings.host == "0.0.0.0"
    assert (settings.console_intake_url, settings.console_routing_url, settings.console_reporting_url) == (
        "http://intake:8000", "http://routing:8000", "http://reporting:8000")
    assert settings.auth_issuer == "http://localhost:8080/realms/slrt" and not settings.dev_sign_in
    assert settings.console_oidc_client_id == "slrt-console" and settings.console_oidc_client_secret is None
    assert settings.console_public_url == "http://localhost:8005"
    assert not any("PASSWORD" in key or "DATABASE_URL" in key for key in env), "the console keeps no data"


@pytest.mark.parametrize("overlay", OVERLAYS)
def test_kubernetes_runs_one_locked_down_console_the_services_admit(overlay: str,
                                                                    monkeypatch: pytest.MonkeyPatch) -> None:
    deployment = one(overlay, "Deployment", "console")
    container = _container(deployment)
    assert container["args"] == ["serve", "console"] and deployment["spec"]["replicas"] == 1
    assert container["readinessProbe"]["httpGet"]["path"] == "/readyz"
    security = container["securityContext"]
    assert security["readOnlyRootFilesystem"] is True and security["capabilities"] == {"drop": ["ALL"]}
    assert not [s for s in container["envFrom"] if "secretRef" in s]
    settings = settings_from("console", _environment(overlay, "console"), monkeypatch)
    assert settings.port == 8000 and settings.console_routing_url == "http://routing:8000"
    one(overlay, "Service", "console")
    services = one(overlay, "NetworkPolicy", "slrt-services")
    admitted = [peer for rule in services["spec"]["ingress"] for peer in rule["from"]]
    assert {"podSelector": {"matchLabels": {"app.kubernetes.io/part-of": "slrt",
                                            "app.kubernetes.io/component": "console"}}} in admitted
    assert "slrt-console" in {p["metadata"]["name"] for p in objects(overlay, "NetworkPolicy")}
