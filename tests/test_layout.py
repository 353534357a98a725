"""The layout shows the architecture: helpers in core/ import no app; apps import only apps
below them (audit ← agreements ← activities ← reports) and never another app's private
names; the project package (cooperation/) is imported by no app."""

import ast
from pathlib import Path

import pytest

from agreements.models import Membership
from core import scope

ROOT = Path(__file__).resolve().parent.parent
# Each package and what it may import of the project. cooperation/ composes everything.
ALLOWED = {
    "core": set(),
    "audit": {"core"},
    "agreements": {"core", "audit"},
    "activities": {"core", "audit", "agreements"},
    "notifications": {"core", "audit", "agreements", "activities"},
    "housing": {"core", "audit", "agreements", "activities"},
    "records": {"core", "audit", "agreements", "activities"},
    "reports": {"core", "audit", "agreements", "activities", "notifications", "housing", "records"},
    "api": {
        "core",
        "audit",
        "agreements",
        "activities",
        "notifications",
        "housing",
        "records",
        "reports",
    },
}
PROJECT = {*ALLOWED, "cooperation"}


def _imports(package: str):
    for path in sorted((ROOT / package).rglob("*.py")):
        if "migrations" in path.parts:
            continue
        tree = ast.parse(path.read_text(encoding="utf-8"))
        for node in ast.walk(tree):
            if isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
                yield path, node.module, [alias.name for alias in node.names]
            elif isinstance(node, ast.Import):
                for alias in node.names:
                    yield path, alias.name, []


@pytest.mark.parametrize("package", sorted(p for p in ALLOWED if (ROOT / p).is_dir()))
def test_packages_import_only_what_is_below_them(package):
    wrong = []
    for path, module, names in _imports(package):
        top = module.split(".")[0]
        if top in PROJECT and top != package and top not in ALLOWED[package]:
            wrong.append(f"{path.relative_to(ROOT)}: {module}")
        if top in PROJECT and top != package:
            private = [n for n in names if n.startswith("_")]
            if private:
                wrong.append(f"{path.relative_to(ROOT)}: {module}.{', '.join(private)}")
    assert wrong == []


def test_scope_roles_are_the_membership_roles():
    assert {
        scope.ADMIN,
        scope.PROVINCIAL_STAFF,
        scope.DISTRICT_OFFICER,
        scope.DISTRICT_VIEWER,
        scope.LEADERSHIP,
    } == set(Membership.Role.values)
