"""The layers run one way, read from the source with ``ast`` (nothing is imported).

core = portal/ (settings, urls, Celery app, accounts, orgs, notifications, shared helpers)
  ← domain apps: issues, projects; knowledge (the knowledge base) stands on issues
  ← supervision (reads both); api (the hotline API, on the domain apps)
seeds (the demo city) and bench (benchmarks) stand on top; nothing imports them.

portal/settings.py and portal/urls.py are the project's wiring and may name every app. Test code
may reach across layers (the URL × role matrix covers every app) and is left out.
See docs/architecture.md.
"""

import ast
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
PACKAGES = ("portal", "issues", "projects", "knowledge", "supervision", "api", "seeds", "bench")
WIRING = {"portal.settings", "portal.urls"}
ABOVE_CORE = {"issues", "projects", "knowledge", "supervision", "api", "seeds", "bench"}
ABOVE_DOMAIN = {"supervision", "api", "seeds", "bench"}


def _is_test(path: Path) -> bool:
    return "tests" in path.parts or path.name.startswith("test_") or path.name == "conftest.py"


def _module_name(path: Path) -> str:
    parts = list(path.relative_to(ROOT).with_suffix("").parts)
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def _sources() -> dict[str, Path]:
    found = {}
    for package in PACKAGES:
        for path in sorted((ROOT / package).rglob("*.py")):
            if not _is_test(path):
                found[_module_name(path)] = path
    return found


SOURCES = _sources()


def _resolve(module: str, node: ast.ImportFrom | ast.Import) -> list[str]:
    """The dotted names one import statement loads (a name taken from a package may be a submodule)."""
    if isinstance(node, ast.Import):
        return [alias.name for alias in node.names]
    base = node.module or ""
    if node.level:
        package = module if SOURCES[module].name == "__init__.py" else module.rpartition(".")[0]
        for _ in range(node.level - 1):
            package = package.rpartition(".")[0]
        base = f"{package}.{base}" if base else package
    names = [base]
    names += [f"{base}.{alias.name}" for alias in node.names if f"{base}.{alias.name}" in SOURCES]
    return names


def _is_type_checking(node: ast.AST) -> bool:
    return isinstance(node, ast.If) and "TYPE_CHECKING" in ast.unparse(node.test)


def _imports(module: str, module_level: bool) -> set[str]:
    """What ``module`` imports: everywhere, or only what runs when it is imported (not inside functions)."""
    tree = ast.parse(SOURCES[module].read_text(encoding="utf-8"))
    found, todo = set(), list(tree.body)
    while todo:
        node = todo.pop()
        if isinstance(node, ast.Import | ast.ImportFrom):
            found.update(_resolve(module, node))
        elif module_level and (isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef | ast.Lambda)):
            continue
        elif module_level and _is_type_checking(node):
            continue
        else:
            todo.extend(ast.iter_child_nodes(node))
    return found


def _top(name: str) -> str:
    return name.partition(".")[0]


def _breaches(sources: set[str], forbidden: set[str]) -> list[str]:
    return sorted(
        f"{module} imports {name}"
        for module in sources
        for name in _imports(module, module_level=False)
        if _top(name) in forbidden
    )


def test_the_core_imports_no_domain_app_nor_the_demo_data():
    core = {m for m in SOURCES if _top(m) == "portal" and m not in WIRING}
    assert _breaches(core, ABOVE_CORE) == []


def test_the_domain_apps_never_import_supervision_seeds_or_bench():
    domain = {m for m in SOURCES if _top(m) in {"issues", "projects", "knowledge"}}
    assert _breaches(domain, ABOVE_DOMAIN) == []


def test_nothing_but_the_wiring_imports_the_api():
    others = {m for m in SOURCES if _top(m) != "api" and m not in WIRING}
    assert _breaches(others, {"api"}) == []


def test_requests_do_not_depend_on_the_knowledge_base():
    """knowledge stands on issues; issues reaches it only through what knowledge hands over in ready()."""
    assert _breaches({m for m in SOURCES if _top(m) in {"issues", "projects"}}, {"knowledge"}) == []


def test_projects_do_not_depend_on_requests():
    assert _breaches({m for m in SOURCES if _top(m) == "projects"}, {"issues"}) == []


def _cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    """Strongly connected components of more than one node (Tarjan), each sorted."""
    index, low, stack, on_stack, result = {}, {}, [], set(), []

    def visit(node: str) -> None:
        index[node] = low[node] = len(index)
        stack.append(node)
        on_stack.add(node)
        for target in graph.get(node, ()):
            if target not in index:
                visit(target)
                low[node] = min(low[node], low[target])
            elif target in on_stack:
                low[node] = min(low[node], index[target])
        if low[node] == index[node]:
            component = set()
            while True:
                member = stack.pop()
                on_stack.discard(member)
                component.add(member)
                if member == node:
                    break
            if len(component) > 1:
                result.append(sorted(component))

    for node in sorted(graph):
        if node not in index:
            visit(node)
    return sorted(result)


def _module_graph(module_level: bool) -> dict[str, set[str]]:
    return {
        module: {name for name in _imports(module, module_level) if name in SOURCES and name != module}
        for module in SOURCES
    }


def test_no_two_modules_import_each_other_even_inside_functions():
    assert _cycles(_module_graph(module_level=False)) == []


def test_no_two_modules_import_each_other_at_import_time():
    assert _cycles(_module_graph(module_level=True)) == []


def test_no_two_top_level_packages_import_each_other_even_inside_functions():
    graph: dict[str, set[str]] = {}
    for module, targets in _module_graph(module_level=False).items():
        if module in WIRING:
            continue
        graph.setdefault(_top(module), set()).update(_top(t) for t in targets if _top(t) != _top(module))
    assert _cycles(graph) == []


def test_it_sees_a_cycle_and_a_breach_when_there_is_one():
    """The checks above would catch what they guard against."""
    assert _cycles({"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}}) == [["a", "b", "c"]]
    assert "portal.notifications.tasks" in _imports("portal.notifications.services", module_level=True)
    assert "issues.models" in _imports("supervision.metrics", module_level=False)
