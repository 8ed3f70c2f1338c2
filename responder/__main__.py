"""`python -m responder`: the same entry point as the `responder` script."""

from responder.cli import main

raise SystemExit(main())
