"""`python -m etl` is the `etl` command."""

from etl.cli import command

raise SystemExit(command())
