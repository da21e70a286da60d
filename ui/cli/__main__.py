"""`python -m ui.cli ...`: the `crs` command."""

from ui.cli import main

main()
