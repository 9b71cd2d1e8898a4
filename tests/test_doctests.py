"""The examples in docstrings run as doctests.

`pytest --doctest-modules feedarchive` cannot collect this project: `feedarchive` is a namespace
package (no `__init__.py`), so pytest imports its subpackages as top-level ones and their
relative imports fail. Each module is imported by its real name here instead.
"""
from __future__ import annotations

import doctest
import importlib
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parent.parent / "feedarchive"


def module_names() -> list[str]:
    """`feedarchive.x.y` for every module of the package (`__main__` aside: it runs the CLI)."""
    names = []
    for path in sorted(PACKAGE.rglob("*.py")):
        parts = ["feedarchive", *path.relative_to(PACKAGE).with_suffix("").parts]
        if parts[-1] == "__main__":
            continue
        if parts[-1] == "__init__":
            parts.pop()
        names.append(".".join(parts))
    return names


@pytest.mark.parametrize("name", module_names())
def test_docstring_examples(name):
    result = doctest.testmod(importlib.import_module(name), optionflags=doctest.ELLIPSIS)
    assert result.failed == 0
