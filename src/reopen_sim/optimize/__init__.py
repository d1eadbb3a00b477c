"""The CP-SAT timetable model, its solve and explanation, the baseline and the independent checker.

``reopen_sim.optimize`` is both this package and the public function
:func:`reopen_sim.optimize.solve.optimize` (``rs.optimize(scenario, ...)``). Importing any module of
this package makes Python bind the *package* to the name ``reopen_sim.optimize``, hiding the lazily
exported function, so the package itself is made callable (as ``reopen_sim.simulate`` does): calling
it runs :func:`~reopen_sim.optimize.solve.optimize` with the same arguments.
"""

from __future__ import annotations

import sys
import types
from typing import Any


class _CallablePackage(types.ModuleType):
    def __call__(self, *args: Any, **kwargs: Any) -> Any:
        from reopen_sim.optimize.solve import optimize

        return optimize(*args, **kwargs)


sys.modules[__name__].__class__ = _CallablePackage
