"""The import rules of the repair and threads packages, checked on their source (see the
layers drawn in `feedarchive/repair/__init__` and `feedarchive/threads/__init__`).

Three rules keep the package walkable: layers point down only, no module reaches into another
for a private name, and a long module says why it is long.
"""
from __future__ import annotations

import ast
from pathlib import Path

PACKAGE = Path(__file__).resolve().parent.parent / "feedarchive"

# Higher imports lower, never the reverse; modules of one rank do not import each other.
REPAIR_LAYERS = {
    "repair": 90,
    "repair.document": 80,
    "repair.diagnose": 70,
    "repair.fix": 60,
    "repair.diff": 50, "repair.exact": 50,
    "repair.lossy": 45,
    "repair.lossy.choose": 40,
    "repair.lossy.languages": 36,
    "repair.lossy.words": 33,
    "repair.lossy.chain": 30, "repair.lossy.styled": 30, "repair.lossy.thai": 30,
    "repair.lossy.japanese": 30, "repair.lossy.korean": 30,
    "repair.lossy.morphemes": 25,
    "repair.lossy.context": 20, "repair.lossy.lattice": 20, "repair.lossy.mecab": 20,
    "repair.lossy.calibration": 20, "repair.lossy.syllables": 20,
    "repair.lossy.naming": 15, "repair.lossy.chinese": 15,
    "repair.lossy.damage": 10, "repair.lossy.prior": 10, "repair.lossy.emoji": 10,
    "repair.lossy.candidates": 0, "repair.lossy.cache": 0, "repair.lossy.mapped": 0,
    "repair.tuning": -10,  # every tuned value: read by every layer, imports nothing
}
THREADS_LAYERS = {
    "threads": 40,
    "threads.stitching": 30, "threads.replies": 30,
    "threads.candidates": 20,
    "threads.nodes": 10,
    "threads.markers": 0, "threads.words": 0,
}
LAYERS = {**REPAIR_LAYERS, **THREADS_LAYERS}
LAYERED = [PACKAGE / "repair", PACKAGE / "threads"]
LONG_MODULE = 500  # lines; past this a module's docstring must say why ("Over 500 lines")


def module_name(path: Path) -> str:
    """`repair.lossy.choose` for feedarchive/repair/lossy/choose.py (a package: its folder)."""
    parts = list(path.relative_to(PACKAGE).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def imported_modules(path: Path) -> list[tuple[str, list[str]]]:
    """(module, names) for every import in a file, function-level ones included, relative
    imports resolved against the package (`feedarchive.` dropped)."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    here = module_name(path).split(".")
    package = here if path.name == "__init__.py" else here[:-1]
    found = []
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom):
            if node.level:
                base = package[:len(package) - node.level + 1]
                target = ".".join(base + ([node.module] if node.module else []))
            else:
                target = node.module or ""
                if not target.startswith("feedarchive."):
                    continue
                target = target[len("feedarchive."):]
            found.append((target, [alias.name for alias in node.names]))
        elif isinstance(node, ast.Import):
            for alias in node.names:
                if alias.name.startswith("feedarchive."):
                    found.append((alias.name[len("feedarchive."):], []))
    return found


def layered_files() -> list[Path]:
    """Every module of the layered packages."""
    return sorted(p for package in LAYERED for p in package.rglob("*.py"))


def layer_violations() -> list[str]:
    """Imports inside a layered package that do not point to a strictly lower layer."""
    bad = []
    for path in layered_files():
        here = module_name(path)
        for target, names in imported_modules(path):
            # `from . import x` names a module; otherwise the target is the module itself.
            targets = [f"{target}.{n}" for n in names if f"{target}.{n}" in LAYERS] or [target]
            for module in targets:
                if module in LAYERS and LAYERS[module] >= LAYERS[here]:
                    bad.append(f"{here} imports {module}")
    return bad


def private_imports() -> list[str]:
    """`from x import _name` anywhere in feedarchive: a private name used by another module."""
    bad = []
    for path in sorted(PACKAGE.rglob("*.py")):
        for target, names in imported_modules(path):
            bad += [f"{module_name(path)} imports {target}.{n}" for n in names
                    if n.startswith("_") and not n.startswith("__")]
    return bad


def long_modules_without_reason() -> list[str]:
    """Modules of the library and the plugin over LONG_MODULE lines whose docstring gives no
    reason."""
    bad = []
    for path in sorted([*PACKAGE.rglob("*.py"), *(PACKAGE.parent / "plugins").rglob("*.py")]):
        text = path.read_text(encoding="utf-8")
        if text.count("\n") > LONG_MODULE:
            doc = ast.get_docstring(ast.parse(text)) or ""
            if "Over 500 lines" not in doc:
                bad.append(f"{path.relative_to(PACKAGE.parent)}: {text.count(chr(10))} lines")
    return bad


def test_every_module_has_a_layer():
    assert sorted(module_name(p) for p in layered_files()) == sorted(LAYERS)


def test_layers_point_down():
    assert layer_violations() == []


def test_no_private_name_is_imported():
    assert private_imports() == []


def test_long_modules_say_why():
    assert long_modules_without_reason() == []
