"""``python -m qproto``: the CLI, as the ``qproto`` console script."""

from qproto.cli import run

run()
