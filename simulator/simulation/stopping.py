"""SIGTERM and SIGHUP stop a run as Ctrl-C does: an exception in the main thread, so the run folder is
cleaned up on the way out. Python may swallow an exception raised by a signal handler (when the handler runs
inside a finaliser, for example), so every request, Ctrl-C's included, is also remembered and `check()`, called
after every chunk and before a run folder is moved into place, raises it again; Python's report of the swallowed
exception ("Exception ignored in ...") is left out, so that stopping stays one line."""

from __future__ import annotations

import signal
import sys
import threading
from collections.abc import Callable

SIGNALS = (signal.SIGTERM, signal.SIGHUP)
_requested: list[int] = []  # the signals received since `handle()`


class Stopped(BaseException):
    """SIGTERM or SIGHUP was received: stop, clean up, exit 128 + signum."""

    def __init__(self, signum: int) -> None:
        super().__init__(signum)
        self.signum = signum


def handle() -> Callable[[], None]:
    """Raise Stopped on SIGTERM and SIGHUP (unless ignored, as under nohup), and KeyboardInterrupt on Ctrl-C as
    Python does (unless ignored or handled by the caller), each remembered for `check`; return what restores the
    previous handlers. Pool workers reset these to the default (simulation.pool)."""
    if threading.current_thread() is not threading.main_thread():
        return lambda: None
    previous = {s: signal.getsignal(s) for s in SIGNALS if signal.getsignal(s) == signal.SIG_DFL}
    for signum in previous:
        signal.signal(signum, _stop)
    if signal.getsignal(signal.SIGINT) is signal.default_int_handler:
        previous[signal.SIGINT] = signal.default_int_handler
        signal.signal(signal.SIGINT, _interrupt)
    report = sys.unraisablehook

    def swallowed(unraisable: sys.UnraisableHookArgs) -> None:
        if not (_requested and isinstance(unraisable.exc_value, (KeyboardInterrupt, Stopped))):
            report(unraisable)  # any other exception a finaliser raised is reported as Python would

    sys.unraisablehook = swallowed

    def restore() -> None:
        for signum, handler in previous.items():
            signal.signal(signum, handler)
        sys.unraisablehook = report
        _requested.clear()

    return restore


def check() -> None:
    """Raise KeyboardInterrupt or Stopped if a stopping signal arrived (its own exception may have been
    swallowed)."""
    if _requested[:1] == [signal.SIGINT]:
        raise KeyboardInterrupt
    if _requested:
        raise Stopped(_requested[0])


def _stop(signum: int, frame: object) -> None:
    _requested.append(signum)
    raise Stopped(signum)


def _interrupt(signum: int, frame: object) -> None:
    _requested.append(signum)
    raise KeyboardInterrupt
