"""The use cases, one module per verb, each a small adapter: build collaborators from `Settings`, call
the core, return a result. `cli.py` renders results and maps them and errors to exit codes. Nothing
imports `commands` but `cli.py` (and tests)."""
