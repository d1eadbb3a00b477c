"""The model of the morning at the gates, lunch and dismissal; replications and metrics.

``reopen_sim.simulate`` is both this package and the public function
:func:`reopen_sim.simulate.run.simulate` (``rs.simulate(scenario, plan, ...)``). Importing any
module of this package makes Python bind the *package* to the name ``reopen_sim.simulate``, hiding
the lazily exported function, so the package itself is made callable: calling it runs
:func:`~reopen_sim.simulate.run.simulate` with the same arguments.
"""

from __future__ import annotations

import sys
import types
from typing import Any


class _CallablePackage(types.ModuleType):
    def __call__(self, *args: Any, **kwargs: Any) -> Any:
        from reopen_sim.simulate.run import simulate

        return simulate(*args, **kwargs)


sys.modules[__name__].__class__ = _CallablePackage
