"""The docs cover what the code offers: every CLI command and option, every setting.

docs/cli.md is generated from the command tree; refresh it with
`LABELWISE_REGENERATE_DOCS=1 python -m pytest tests/test_docs.py`.
"""

import os
import re
from pathlib import Path

import typer

from labelwise.cli import app
from labelwise.settings import Settings

DOCS = Path(__file__).resolve().parents[1] / "docs"


def render_cli_reference() -> str:
    parts = ["# CLI reference\n",
             "`labelwise [DATABASE]` with no command runs `serve`. A mistake prints one `error:` line and exits 1;",
             "`labelwise COMMAND --help` says the same as this page, which the tests keep in step with the code.\n"]
    for path, command in _walk(typer.main.get_command(app), []):
        parts.append(f"## labelwise {' '.join(path)}\n")
        parts.append((command.help or "").strip() + "\n")
        rows = []
        for param in getattr(command, "params", []):
            if param.name == "help":
                continue
            if param.param_type_name == "argument":
                rows.append(f"| `{param.name.upper()}` | argument | {getattr(param, 'help', None) or ''} |")
            else:
                default = param.default
                shown = "" if default in (None, False, "") or callable(default) else f" Default: `{default}`."
                rows.append(f"| `{' / '.join(param.opts)}` | option | {(param.help or '').strip()}{shown} |")
        if rows:
            parts.append("| name | kind | what it does |\n|---|---|---|\n" + "\n".join(rows) + "\n")
    return "\n".join(parts)


def _walk(command, path):
    if path:
        yield path, command
    for name in sorted(getattr(command, "commands", {})):
        yield from _walk(command.commands[name], [*path, name])


def test_cli_reference_is_current():
    expected = render_cli_reference()
    target = DOCS / "cli.md"
    if os.environ.get("LABELWISE_REGENERATE_DOCS") == "1":
        target.write_text(expected)
    assert target.read_text() == expected, "docs/cli.md is stale: regenerate it (see this module's docstring)"


def test_every_setting_is_documented():
    running = (DOCS / "running.md").read_text()
    missing = [name for name in Settings.model_fields if f"`LABELWISE_{name.upper()}`" not in running]
    assert missing == [], f"document these settings in docs/running.md: {missing}"
    undocumented = [name for name, field in Settings.model_fields.items() if not field.description]
    assert undocumented == [], f"give these settings a description: {undocumented}"


def test_readme_links_the_docs():
    readme = (DOCS.parent / "README.md").read_text()
    for page in ("docs/architecture.md", "docs/result-shapes.md", "docs/running.md", "docs/cli.md", "docs/security.md"):
        assert page in readme


def test_every_limit_setting_is_in_the_security_page():
    security = (DOCS / "security.md").read_text()
    limits = [name for name in Settings.model_fields
              if (name.startswith(("max_", "login_")) and name != "max_import_errors")  # a report length
              or name in ("project_creators", "trusted_origins")]
    missing = [name for name in limits if f"`LABELWISE_{name.upper()}`" not in security]
    assert missing == [], f"document these limits in docs/security.md: {missing}"


def test_architecture_names_files_that_exist():
    text = (DOCS / "architecture.md").read_text()
    named = set(re.findall(r"`((?:[a-z_]+/)*[a-z_]+\.py)`", text))
    root = DOCS.parent
    missing = sorted(p for p in named if not (root / "labelwise" / p).exists() and not (root / p).exists())
    assert len(named) > 20 and missing == [], f"docs/architecture.md names files that are not there: {missing}"
