"""The command line: ``reopen-sim COMMAND`` (see ``reopen_sim.cli.app`` for exit codes).

Importing this package registers every command; each module holds the commands of one concern.
"""

from reopen_sim.cli import (  # noqa: F401  (imported to register their commands)
    district_cmds,
    plan_cmds,
    publish_cmds,
    run_cmds,
    scenario_cmds,
    simulate_cmds,
    template_cmds,
)
from reopen_sim.cli.app import app, main

__all__ = ["app", "main"]
