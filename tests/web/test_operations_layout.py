"""The operations app's place: scoring and operations import each other in no circle, scoring reads
from operations only what touches no model, and no metrics code sits among scoring's modules."""

from tests.ml.test_layout import ROOT, _imports_of, _module_name, import_cycles

METRICS_PACKAGES = ("prometheus_client", "django_prometheus")


def _graph(*packages: str, extra: tuple[str, ...] = ()) -> dict[str, set[str]]:
    files = {_module_name(path): path for top in packages for path in (ROOT / top).rglob("*.py")}
    modules = set(files) | set(extra)
    return {name: _imports_of(path, modules) - {name} for name, path in files.items()}


def test_scoring_operations_and_the_site_import_in_no_circle():
    assert import_cycles(_graph("scoring", "operations", "beautysite")) == []


def test_scoring_reads_from_operations_only_the_modules_that_touch_no_model():
    allowed = {"operations", "operations.outages", "operations.probes"}
    graph = _graph("scoring", "operations")
    reads = {f"{name} -> {other}" for name, imported in graph.items() if name.startswith("scoring")
             for other in imported if other.startswith("operations") and other not in allowed}  # fmt: skip
    assert reads == set()
    # What scoring may read imports nothing of scoring itself (else models -> errors -> outages -> models).
    assert {other for name in allowed - {"operations"} for other in graph[name] if other.startswith("scoring")} == set()


def test_no_metrics_code_among_scoring_modules():
    graph = _graph("scoring", extra=METRICS_PACKAGES)
    assert {name for name, imported in graph.items() if imported & set(METRICS_PACKAGES)} == set()
