"""``python -m factcheck``: the same command line as the ``factcheck`` script."""

from factcheck.cli import main

if __name__ == "__main__":
    raise SystemExit(main())
