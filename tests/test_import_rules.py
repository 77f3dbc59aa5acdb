"""Import rules that import-linter cannot express (its contracts are in pyproject.toml).

Services never touch the request or raise HTTP errors: no ``flask.request``, no
``flask.abort``, no ``werkzeug.exceptions`` under ``portal/services`` (import-linter sees
modules, and forbids only whole external packages). Python files outside the package's
import graph (the migrations) never import the app factory either. And every top-level
module of ``portal`` has a place in the layers contract, so a new one cannot slip past it.

No database or Redis needed: ``make lint`` runs this file with ``--noconftest``.
"""

from __future__ import annotations

import ast
import tomllib
from collections.abc import Iterator
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PORTAL = ROOT / "portal"
SERVICES = PORTAL / "services"

# (module, name) pairs a service must not import; name None: the module itself.
FORBIDDEN_IN_SERVICES = {
    ("flask", "request"): "the request belongs to views: pass values in",
    ("flask", "abort"): "services raise domain errors (portal/services/errors.py)",
    ("werkzeug.exceptions", None): "services raise domain errors (portal/services/errors.py)",
    ("werkzeug", "exceptions"): "services raise domain errors (portal/services/errors.py)",
}


def _modules_under(folder: Path) -> Iterator[tuple[Path, ast.Module]]:
    for path in sorted(folder.rglob("*.py")):
        yield path, ast.parse(path.read_text(encoding="utf-8"), filename=str(path))


def _where(path: Path, node: ast.AST) -> str:
    return f"{path.relative_to(ROOT)}:{getattr(node, 'lineno', '?')}"


def _service_offences(path: Path, tree: ast.Module) -> Iterator[str]:
    flask_aliases = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            for alias in node.names:
                if alias.name == "flask":
                    flask_aliases.add(alias.asname or "flask")
                elif alias.name == "werkzeug.exceptions" or alias.name.startswith(
                    "werkzeug.exceptions."
                ):
                    yield f"{_where(path, node)} imports {alias.name}"
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            if (node.module, None) in FORBIDDEN_IN_SERVICES or node.module.startswith(
                "werkzeug.exceptions."
            ):
                yield f"{_where(path, node)} imports from {node.module}"
            for alias in node.names:
                if (node.module, alias.name) in FORBIDDEN_IN_SERVICES:
                    yield f"{_where(path, node)} imports {alias.name} from {node.module}"
    for node in ast.walk(tree):
        if (
            isinstance(node, ast.Attribute)
            and node.attr in ("request", "abort")
            and isinstance(node.value, ast.Name)
            and node.value.id in flask_aliases
        ):
            yield f"{_where(path, node)} uses {node.value.id}.{node.attr}"


def test_services_never_touch_the_request_nor_raise_http_errors() -> None:
    offences = [
        offence
        for path, tree in _modules_under(SERVICES)
        for offence in _service_offences(path, tree)
    ]
    assert offences == [], (
        "services take plain values and raise domain errors, never HTTP ones:\n"
        + "\n".join(offences)
    )


def test_the_checker_sees_each_forbidden_spelling() -> None:
    source = (
        "import flask\n"
        "import flask as fl\n"
        "from flask import request, abort, current_app\n"
        "import werkzeug.exceptions\n"
        "from werkzeug.exceptions import NotFound\n"
        "from werkzeug import exceptions\n"
        "x = flask.request.args\n"
        "fl.abort(404)\n"
    )
    found = list(_service_offences(SERVICES / "example.py", ast.parse(source)))
    assert len(found) == 7, found
    assert not any("current_app" in offence for offence in found)


def _submodules(package: Path) -> set[str]:
    return {
        path.stem if path.is_file() else path.name
        for path in package.iterdir()
        if (path.is_file() and path.suffix == ".py" and path.stem != "__init__")
        or (path.is_dir() and (path / "__init__.py").exists())
    }


def _imports_of_the_root_package(path: Path, tree: ast.Module) -> Iterator[str]:
    submodules = _submodules(PORTAL)
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            for alias in node.names:
                if alias.name == "portal" and alias.asname:
                    yield f"{_where(path, node)} imports portal as {alias.asname}"
                elif alias.name == "portal":
                    yield f"{_where(path, node)} imports portal"
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module == "portal":
            for alias in node.names:
                if alias.name not in submodules:
                    yield f"{_where(path, node)} imports {alias.name} from portal"


def test_nothing_outside_the_package_graph_imports_the_app_factory() -> None:
    """wsgi.py, the tests and the benchmarks build the app; migrations use current_app."""
    offences = [
        offence
        for path, tree in _modules_under(ROOT / "migrations")
        for offence in _imports_of_the_root_package(path, tree)
    ]
    assert offences == [], "only wsgi.py, tests and bench import the app factory:\n" + "\n".join(
        offences
    )


def test_the_root_package_checker_sees_the_factory_but_not_submodules() -> None:
    source = "import portal\nfrom portal import create_app\nfrom portal import errors, web\n"
    found = list(_imports_of_the_root_package(PORTAL / "example.py", ast.parse(source)))
    assert len(found) == 2, found


def test_every_top_level_module_has_a_layer() -> None:
    config = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))
    contracts = config["tool"]["importlinter"]["contracts"]
    (layers,) = [contract["layers"] for contract in contracts if contract["type"] == "layers"]
    placed = {
        name.strip().removeprefix("portal.")
        for layer in layers
        for name in layer.replace("|", ":").split(":")
    }
    assert _submodules(PORTAL) - placed == set(), "add the new module to a layer in pyproject.toml"
