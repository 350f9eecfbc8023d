"""The ETL library: one folder per layer (docs/architecture.md); the application in `flows/` wires it together."""
