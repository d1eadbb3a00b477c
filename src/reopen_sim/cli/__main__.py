"""``python -m reopen_sim.cli``: the same entry point as the ``reopen-sim`` script."""

from reopen_sim.cli import main

main()
