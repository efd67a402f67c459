"""``python -m socialleads`` is the ``socialleads`` command."""

from socialleads.cli import main

main()
