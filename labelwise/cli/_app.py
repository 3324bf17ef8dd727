"""The root `labelwise` command and the consoles every command prints to."""

import typer
from rich.console import Console

app = typer.Typer(
    help="labelwise: self-hosted data labeling.", add_completion=False, pretty_exceptions_enable=False
)
err = Console(stderr=True)
out = Console()
