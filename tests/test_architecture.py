"""The layering of docs/architecture.md holds: import-linter checks the contracts in pyproject.toml,
and a deliberately wrong import in a copy of the package makes it fail."""

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
LINT = "import sys; from importlinter.cli import lint_imports; sys.exit(lint_imports(no_cache=True, no_logo=True))"


def lint(root: Path) -> subprocess.CompletedProcess:
    """Run lint-imports on the `labelwise` package under `root`, with the contracts of its pyproject.toml."""
    env = {**os.environ, "PYTHONPATH": str(root)}
    return subprocess.run([sys.executable, "-c", LINT], cwd=root, env=env, capture_output=True, text=True, timeout=120)


def test_the_import_contracts_hold():
    result = lint(ROOT)
    assert result.returncode == 0, "an import breaks the layering (see docs/architecture.md):\n" + result.stdout


@pytest.mark.parametrize(("module", "line"), [
    ("formats/_layering_probe.py", "from labelwise.core.review import consensus"),
    ("schema/_layering_probe.py", "import sqlalchemy"),
    ("store/_layering_probe.py", "from labelwise.api import deps"),
    ("core/review/_layering_probe.py", "from labelwise.core.weak import functions"),
    ("core/weak/_layering_probe.py", "from labelwise.core.duplicates import duplicates"),
    ("core/platform/_layering_probe.py", "from labelwise.core.review import gold"),
])
def test_a_wrong_import_breaks_a_contract(module, line, tmp_path):
    shutil.copytree(ROOT / "labelwise", tmp_path / "labelwise", ignore=shutil.ignore_patterns("web", "__pycache__"))
    shutil.copy(ROOT / "pyproject.toml", tmp_path / "pyproject.toml")
    (tmp_path / "labelwise" / module).write_text(f'"""A probe."""\n\n{line}\n')
    result = lint(tmp_path)
    assert result.returncode == 1, result.stdout
    assert "BROKEN" in result.stdout


def test_a_module_over_400_lines_says_why_at_its_top():
    """A long module is a smell unless it has a reason; the reason goes on its first line, where a reader starts."""
    unexplained = []
    for path in sorted((ROOT / "labelwise").rglob("*.py")):
        lines = path.read_text(encoding="utf-8").splitlines()
        if len(lines) > 400 and not lines[0].startswith("# Over 400 lines: "):
            unexplained.append(f"{path.relative_to(ROOT)} ({len(lines)} lines)")
    assert not unexplained, "split these or say why on line 1 ('# Over 400 lines: ...'): " + ", ".join(unexplained)
