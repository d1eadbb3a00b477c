"""Keep Python's Ctrl-C handling across a CP-SAT solve.

CP-SAT installs its own SIGINT handler at the C level while it solves and leaves the signal's
default action behind when it returns; Python still believes its own handler is installed, so the
next Ctrl-C kills the process outright (exit -2): no ``KeyboardInterrupt``, no clean-up of
temporary folders, no exit code 130. :func:`python_sigint_kept` puts Python's handler back.
"""

from __future__ import annotations

import signal
import threading
from collections.abc import Iterator
from contextlib import contextmanager


@contextmanager
def python_sigint_kept() -> Iterator[None]:
    """Re-install the Python-level SIGINT handler after the block (main thread only; elsewhere a
    no-op, as Python only lets the main thread set handlers)."""
    if threading.current_thread() is not threading.main_thread():
        yield
        return
    saved = signal.getsignal(signal.SIGINT)
    try:
        yield
    finally:
        if saved is not None:
            signal.signal(signal.SIGINT, saved)
