"""``python -m textlabel.cli``: the same command as ``textlabel``."""

from textlabel.cli import main

main()
