"""`python -m etl` is the `etl` command."""

from etl_flows.cli import command

raise SystemExit(command())
