"""The code a server runs needs only requirements.txt; test-only packages stay in requirements-dev.txt.

"Server code" is every module outside tests: the apps, settings, management commands (including the
``bench`` commands and their synthetic data), seeds and gunicorn.conf.py.
"""

import ast
import importlib.metadata
import json
import os
import re
import subprocess
import sys
from pathlib import Path

from packaging.requirements import Requirement

ROOT = Path(__file__).resolve().parents[2]
# Our own top-level packages (every folder with an __init__.py) and modules.
LOCAL = {path.parent.name for path in ROOT.glob("*/__init__.py")} | {"manage", "conftest"}
# Needed by a server but never imported by name in our code.
USED_WITHOUT_IMPORT = {
    "gunicorn": "the web server, started as a command",
    "psycopg": "PostgreSQL driver, loaded by Django's database backend",
    "lxml": "openpyxl's fast XML writer for the Excel ledgers, used when importable",
}


def _normalize(name: str) -> str:
    return re.sub(r"[-_.]+", "-", name).lower()


def _requirements(path: Path) -> set[str]:
    names = set()
    for line in path.read_text().splitlines():
        line = line.split("#")[0].strip()
        if line and not line.startswith("-"):
            names.add(_normalize(re.split(r"[\[=<>!~;\s]", line, maxsplit=1)[0]))
    return names


def _closure(names: set[str]) -> set[str]:
    """The distributions and everything they install (extras left out)."""
    seen, todo = set(), list(names)
    while todo:
        name = todo.pop()
        if name in seen:
            continue
        seen.add(name)
        for line in importlib.metadata.requires(name) or []:
            requirement = Requirement(line)
            if requirement.marker is None or requirement.marker.evaluate({"extra": ""}):
                todo.append(_normalize(requirement.name))
    return seen


RUNTIME = _requirements(ROOT / "requirements.txt")
RUNTIME_CLOSURE = _closure(RUNTIME)
DEV_ONLY = _closure(_requirements(ROOT / "requirements-dev.txt")) - RUNTIME_CLOSURE
DISTRIBUTIONS = {
    module: {_normalize(d) for d in dists} for module, dists in importlib.metadata.packages_distributions().items()
}


def _is_test_code(path: Path) -> bool:
    rel = path.relative_to(ROOT)
    return "tests" in rel.parts or rel.name in ("conftest.py", "factories.py") or rel.parts[:2] == ("portal", "testing")


def server_modules() -> list[Path]:
    paths = []
    for path in sorted(ROOT.rglob("*.py")):
        rel = path.relative_to(ROOT)
        if rel.parts[0].startswith(".") or rel.parts[0] in ("node_modules", "static", "var"):
            continue
        if not _is_test_code(path):
            paths.append(path)
    return paths


def imported_names(path: Path) -> set[str]:
    names = set()
    for node in ast.walk(ast.parse(path.read_text(), filename=str(path))):
        if isinstance(node, ast.Import):
            names |= {alias.name for alias in node.names}
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            names.add(node.module)
    return names


def test_server_code_imports_only_runtime_requirements():
    wrong = {}
    for path in server_modules():
        for name in imported_names(path):
            top = name.split(".")[0]
            if top in LOCAL or top in sys.stdlib_module_names:
                continue
            dists = DISTRIBUTIONS.get(top, {f"<not installed: {top}>"})
            if not dists & RUNTIME_CLOSURE:
                wrong.setdefault(str(path.relative_to(ROOT)), []).append(name)
    assert not wrong, f"pin these in requirements.txt or move the import into tests: {wrong}"


def test_server_code_never_imports_test_helpers():
    wrong = {}
    for path in server_modules():
        for name in imported_names(path):
            parts = name.split(".")
            if "tests" in parts or "factories" in parts or parts[:2] == ["portal", "testing"]:
                wrong.setdefault(str(path.relative_to(ROOT)), []).append(name)
    assert not wrong, wrong


def test_every_runtime_requirement_is_used():
    imported = set()
    for path in server_modules():
        for name in imported_names(path):
            imported |= DISTRIBUTIONS.get(name.split(".")[0], set())
    # Apps, middleware and storages named in settings are imported by Django from these strings.
    settings_source = (ROOT / "portal" / "settings.py").read_text()
    for dotted in re.findall(r'"([a-z_]+)(?:\.[A-Za-z_]+)*"', settings_source):
        imported |= DISTRIBUTIONS.get(dotted, set())
    unused = RUNTIME - imported - {_normalize(n) for n in USED_WITHOUT_IMPORT}
    assert not unused, f"nothing imports these runtime requirements: {sorted(unused)}"


def test_dev_only_packages_are_not_runtime_requirements():
    assert {"factory-boy", "pytest", "time-machine", "playwright"} <= DEV_ONLY
    assert not RUNTIME & {"factory-boy", "pytest", "time-machine", "playwright", "ruff", "honcho", "pillow"}


# Every server module, imported in a fresh interpreter where the dev-only packages cannot be found.
IMPORT_ALL = """
import importlib, importlib.abc, json, os, sys

blocked = set(json.loads(sys.argv[1]))

class Blocker(importlib.abc.MetaPathFinder):
    def find_spec(self, name, path=None, target=None):
        if name.split(".")[0] in blocked:
            raise ImportError(f"{name} is a development-only package")
        return None

sys.meta_path.insert(0, Blocker())
os.environ["DJANGO_SETTINGS_MODULE"] = "portal.settings"
import django
django.setup()
failed = {}
for module in json.loads(sys.argv[2]):
    try:
        importlib.import_module(module)
    except ImportError as error:
        failed[module] = str(error)
print(json.dumps(failed))
"""


def test_every_server_module_imports_without_the_dev_packages():
    modules = []
    for path in server_modules():
        rel = path.relative_to(ROOT).with_suffix("")
        if rel.parts[0] in ("manage", "gunicorn.conf"):
            continue
        modules.append(".".join(rel.parts[:-1] if rel.name == "__init__" else rel.parts))
    blocked = sorted(module for module, dists in DISTRIBUTIONS.items() if dists <= DEV_ONLY)
    assert "factory" in blocked and "pytest" in blocked and "time_machine" in blocked
    result = subprocess.run(
        [sys.executable, "-c", IMPORT_ALL, json.dumps(blocked), json.dumps(modules)],
        cwd=ROOT,
        env={"PATH": os.environ["PATH"]},
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stderr
    assert json.loads(result.stdout.splitlines()[-1]) == {}
    assert "bench.data" in modules and "bench.scale" in modules and "bench.targets" in modules
