"""`thrive analysis ...`: what the organisation's answers say, taken together.
Each part registers its own commands here from thrive/cli.py (emerging themes:
thrive/analysis_emerging_cli.py)."""

from __future__ import annotations

import typer

analysis_app = typer.Typer(
    help="Analysis of answers: themes, emerging themes.", no_args_is_help=True
)
