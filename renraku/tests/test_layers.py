"""The layers of docs/ARCHITECTURE.md, held in the imports: each app imports only apps of
the layers below it (and the shared modules beside the apps, which import no app). Every
import counts, those inside functions too: an import put off until a function runs is
still a dependency, only a hidden one."""

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]  # renraku/

# Higher numbers are higher layers. Within the bottom layer the order is strict too, so
# that accounts and audit cannot import each other in a circle: the directory names
# accounts' roles, accounts record in the audit log, and the log knows neither.
LAYER = {
    "demo": 9,  # seeds every app below
    "web": 8,
    "api": 8,
    "monitoring": 8,  # operations: reads the pipeline, the feeds and the queue
    "feeds": 7,
    "readiness": 6.2,  # who can be reached: what the pipeline and channels learnt
    "mobilise": 6.5,  # beside broadcast, and built on it: a mobilisation is an alert
    "drills": 6.5,  # built on broadcast: a drill and a reception test are alerts
    "broadcast": 6,
    "bulletin": 6,
    "dialogues": 6,
    "notices": 5,
    "channels": 4,
    "directory": 3,
    "accounts": 2,
    "audit": 1,
}
# The project's own entry points and settings, above everything; and test data.
PROJECT_MODULES = {"cli.py", "urls.py", "settings.py", "wsgi.py", "testing.py", "conftest.py"}

# (importing file, imported module): why the import may point upwards.
ALLOWED = {
    # A periodic task module is an entry point the worker loads; nothing imports it. Its
    # claim of the day's run (monitoring.runs, one row per task and period) is the
    # worker's concern, not the bulletin's.
    ("bulletin/tasks.py", "renraku.monitoring.runs"),
    ("drills/tasks.py", "renraku.monitoring.runs"),
    ("readiness/tasks.py", "renraku.monitoring.runs"),
}


def _sources():
    for path in sorted(ROOT.rglob("*.py")):
        parts = path.relative_to(ROOT).parts
        if "tests" in parts or "migrations" in parts or parts[-1] in PROJECT_MODULES:
            continue
        yield path


def _imported(path: Path, root: Path = ROOT):
    """(line, module) for every import in the file, relative ones resolved."""
    package = ["renraku", *path.relative_to(root).parent.parts]
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            for alias in node.names:
                yield node.lineno, alias.name
        elif isinstance(node, ast.ImportFrom):
            base = package[: len(package) - node.level + 1] if node.level else []
            module = ".".join([*base, *([node.module] if node.module else [])])
            yield node.lineno, module
            for alias in node.names:  # `from renraku import charts`, `from . import x`
                yield node.lineno, f"{module}.{alias.name}"


def _app_of(module: str) -> str | None:
    parts = module.split(".")
    return parts[1] if parts[0] == "renraku" and len(parts) > 1 and parts[1] in LAYER else None


def _allowed(rel: str, module: str) -> bool:
    return any(rel == f and (module == m or module.startswith(m + ".")) for f, m in ALLOWED)


def _violations():
    for path in _sources():
        rel = path.relative_to(ROOT).as_posix()
        own = rel.split("/")[0] if "/" in rel else None
        for line, module in _imported(path):
            target = _app_of(module)
            if target is None or target == own or _allowed(rel, module):
                continue
            if own is None:  # a shared module beside the apps: it must import none
                yield f"{rel}:{line} imports {module}, but sits below every app"
            elif own not in LAYER:
                continue
            elif LAYER[target] >= LAYER[own]:
                yield f"{rel}:{line} ({own}) imports {module} ({target}), not a lower layer"


def test_every_app_imports_only_lower_layers():
    assert list(_violations()) == []


def test_every_app_has_its_layer():
    apps = {p.parent.name for p in ROOT.glob("*/apps.py")}
    assert apps == set(LAYER), "add the app to LAYER, and to docs/ARCHITECTURE.md's layers"


@pytest.mark.parametrize(
    "source, imported",
    [
        ("from renraku.broadcast.models import Alert", "renraku.broadcast.models.Alert"),
        ("def f():\n    from renraku.bulletin import demo", "renraku.bulletin.demo"),
        ("from ..notices import pipeline", "renraku.notices.pipeline"),
    ],
)
def test_the_check_sees_every_kind_of_import(tmp_path, source, imported):
    module = tmp_path / "channels" / "x.py"
    module.parent.mkdir()
    module.write_text(source, encoding="utf-8")
    assert imported in {name for _line, name in _imported(module, root=tmp_path)}
