"""The README's CLI reference says what `--help` says: every command has its row, and every
option of a command is named in that row."""
from __future__ import annotations

import re
from pathlib import Path

import click

from feedarchive.cli import cli

README = Path(__file__).resolve().parents[1] / "README.md"


def reference_rows() -> dict[str, str]:
    """command name → the first cell of its row in the CLI reference table."""
    rows = {}
    for line in README.read_text(encoding="utf-8").splitlines():
        found = re.match(r"\| `feedarchive ([a-z-]+)([^`]*)` \|", line)
        if found:
            rows[found.group(1)] = found.group(2)
    return rows


def test_every_command_has_a_row():
    assert set(reference_rows()) == set(cli.commands)


def test_every_option_of_every_command_is_in_its_row():
    rows = reference_rows()
    missing = []
    for name, command in cli.commands.items():
        for param in command.params:
            if isinstance(param, click.Option) and not param.hidden:
                longest = max(param.opts, key=len)
                if longest not in rows.get(name, ""):
                    missing.append(f"{name} {longest}")
    assert missing == []
