"""deploy/grafana/dashboards/slrt.json: every query is PromQL that promtool parses, names metrics the services
export (``slrt_shared.metrics``) with labels they carry (or the scrape adds), and the panels operators need are
there."""

from __future__ import annotations

import json
import re
from pathlib import Path

import yaml
from prometheus_client.metrics import MetricWrapperBase
from slrt_shared import metrics

from tests.support.dependencies import require_prometheus
from tests.unit.deploy.tools import DEPLOY, run

DASHBOARD = json.loads((DEPLOY / "grafana" / "dashboards" / "slrt.json").read_text())
#: Labels every series gets from the scrape (deploy/prometheus/prometheus.yml) and histograms' bucket label.
SCRAPE_LABELS = {"job", "instance", "service", "le"}
GRAFANA_VARIABLES = {"$__rate_interval": "5m", "$__interval": "1m", "$__range": "1h"}


def _exported() -> dict[str, set[str]]:
    """Each series name the services expose, with its labels."""
    series: dict[str, set[str]] = {"up": set()}
    for value in vars(metrics).values():
        if not isinstance(value, MetricWrapperBase):
            continue
        labels = set(value._labelnames)
        suffixes = {"counter": ["_total"], "histogram": ["_bucket", "_sum", "_count"], "gauge": [""],
                    "info": ["_info"]}[value._type]
        series.update({value._name + s: labels for s in suffixes})
    return series


def _queries() -> list[tuple[str, str]]:
    return [(panel["title"], target["expr"]) for panel in DASHBOARD["panels"] for target in panel["targets"]]


def _concrete(expr: str) -> str:
    for variable, value in GRAFANA_VARIABLES.items():
        expr = expr.replace(variable, value)
    return expr


def test_promtool_parses_every_query(tmp_path: Path) -> None:
    _, promtool = require_prometheus()
    rules = {"groups": [{"name": "dashboard", "rules": [
        {"record": f"slrt:dashboard_query_{n}", "expr": _concrete(expr)} for n, (_, expr) in enumerate(_queries())]}]}
    path = tmp_path / "queries.yml"
    path.write_text(yaml.safe_dump(rules))
    checked = run(promtool, "check", "rules", path)
    assert checked.returncode == 0, checked.stdout + checked.stderr


def test_every_query_names_exported_series_and_their_labels() -> None:
    exported = _exported()
    for title, expr in _queries():
        names = set(re.findall(r"\b(slrt_[a-z_]+|up)\b(?=\s*[{\[)])", expr))
        assert names, f"{title}: no series in {expr}"
        for name in names:
            assert name in exported, f"{title}: {name} is not exported by slrt_shared.metrics"
        allowed = set().union(*(exported[n] for n in names)) | SCRAPE_LABELS
        used = {label.strip() for group in re.findall(r"by \(([^)]*)\)", expr) for label in group.split(",")}
        used |= set(re.findall(r"[{,]\s*([a-z_]+)\s*=~?", expr))
        assert used <= allowed, f"{title}: labels {used - allowed} are not on {names}"
        assert 'job="slrt"' in expr, f"{title}: the scrape job of deploy/prometheus/prometheus.yml is slrt"


NEEDED = (
    'slrt_http_requests_total{job="slrt",route="/v1/cases",method="POST",status="201"}',
    'slrt_messages_consumed_total{job="slrt",topic="slrt.intake.commands"}',
    "sum by (group, topic) (slrt_consumer_lag",
    "by (service) (slrt_outbox_pending",
    "by (service) (slrt_outbox_oldest_age_seconds",
    "sum by (topic, reason) (rate(slrt_messages_dead_lettered_total",
    "histogram_quantile(0.95, sum by (le, topic, consumer) (rate(slrt_handler_duration_seconds_bucket",
    "histogram_quantile(0.95, sum by (le, service, route) (rate(slrt_http_request_duration_seconds_bucket",
    "by (level) (slrt_cases_overdue",
    "slrt_timers_due",
    "sum by (to_level) (rate(slrt_escalations_total",
    "sum by (channel, outcome) (rate(slrt_notifications_total",
    'up{job="slrt"}',
)


def test_the_panels_operators_need_are_there() -> None:
    exprs = " ".join(expr for _, expr in _queries())
    for needed in NEEDED:
        assert needed in exprs, needed


def test_the_panels_use_the_provisioned_data_source() -> None:
    provisioned = yaml.safe_load((DEPLOY / "grafana/provisioning/datasources/prometheus.yml").read_text())
    (source,) = provisioned["datasources"]
    ids = [p["id"] for p in DASHBOARD["panels"]]
    assert len(ids) == len(set(ids))
    for panel in DASHBOARD["panels"]:
        assert panel["datasource"] == {"type": "prometheus", "uid": source["uid"]}
        assert all(t["datasource"]["uid"] == source["uid"] for t in panel["targets"])
    assert DASHBOARD["uid"] and DASHBOARD["title"]
