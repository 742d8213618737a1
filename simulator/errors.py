"""User errors: bad scenario files, flags and values.

They are reported as one clear line (file, field, what is allowed) and exit code 2, never as a traceback.
The line is made safe to print: control characters (a newline, a terminal escape in a pasted value) are
shown escaped, and a message that echoes a huge value is cut short.
"""

from __future__ import annotations

import errno
import re

MAX_MESSAGE = 1000  # characters of an error message; more is an echoed value nobody reads on a terminal
MAX_SHOWN = 80  # characters of one echoed value


CONTROL = re.compile(r"[\x00-\x1f\x7f-\x9f\u2028\u2029]")  # C0 and C1 controls (ESC, CSI), DEL, line separators


def printable(text: str, keep: str = "") -> str:
    """`text` with control characters escaped (`\\n`, `\\x1b`), so it prints as one line and cannot drive
    the terminal; those in `keep` (e.g. a newline, in a table) stay as they are."""
    return CONTROL.sub(lambda m: m.group() if m.group() in keep else m.group().encode("unicode_escape").decode(), text)


def shortened(text: str, limit: int) -> str:
    """`text` cut to `limit` characters, ending in `...` when cut."""
    return text if len(text) <= limit else text[: limit - 3] + "..."


def shown(value: object, limit: int = MAX_SHOWN) -> str:
    """A user's value as an error message echoes it: its repr, printable, at most `limit` characters."""
    return shortened(printable(repr(value)), limit)


class UserError(Exception):
    """A mistake in what the user gave us: the message says where and what is allowed."""

    exit_code = 2

    def __init__(self, message: str) -> None:
        super().__init__(shortened(printable(message), MAX_MESSAGE))


MACHINE_FAULT_EXIT = 71  # sysexits' EX_OSERR: the machine, not the input and not a bug
FULL = {errno.ENOSPC: "no space left on device", errno.EDQUOT: "disk quota exceeded"}
TOO_LARGE = "file too large (for the file system, or the limit `ulimit -f`)"


class MachineFault(Exception):
    """The machine stopped the work (disk full, file too large, out of memory): not a mistake in the input and not
    a bug. One line on stderr, naming the file and what to do; exit code MACHINE_FAULT_EXIT."""

    exit_code = MACHINE_FAULT_EXIT

    def __init__(self, message: str) -> None:
        super().__init__(shortened(printable(message), MAX_MESSAGE))


def machine_fault(error: BaseException, doing: str) -> MachineFault | None:
    """The MachineFault `error` is when it is one (ENOSPC, EDQUOT, EFBIG, MemoryError), saying it happened while
    `doing` ("writing replications.csv", "writing standard output"); None for any other error."""
    if isinstance(error, MemoryError):
        return MachineFault(f"out of memory while {doing}: the work needs more memory than this process may use; "
                            "use fewer --replications or --workers, or raise the memory limit")
    if not isinstance(error, OSError):
        return None
    if error.errno in FULL:
        return MachineFault(f"{FULL[error.errno]} while {doing}: free some space there, or write elsewhere "
                            "(--output DIR; standard output: redirect it to another device)")
    if error.errno == errno.EFBIG:
        return MachineFault(f"{TOO_LARGE} while {doing}: write elsewhere (--output DIR) or raise the limit")
    return None


class ArgumentError(UserError, ValueError):
    """A `UserError` met through the Python API: a `ValueError` (what Python code expects of a bad argument)
    whose message names the function's arguments where the command line's names its flags."""


# The command line's flags and the Python arguments that carry the same values.
ARGUMENT_OF_FLAG = {
    "--set": "overrides", "--param": "parameters", "--target": "targets", "--free": "free",
    "--probability": "probabilities", "--replications": "replications", "--seed": "seed", "--sizes": "sizes",
    "--endpoint": "endpoint", "--alpha": "alpha", "--trm-test": "trm_test", "--wtp": "wtp",
    "--workers": "RunOptions.workers", "--chunk-size": "RunOptions.chunk_size", "--scheduler": "RunOptions.scheduler",
}  # not --engine: the message that names it says RunOptions(engine="simpy") itself
_FLAG = re.compile(r"(?<![\w-])--[a-z][a-z-]*")


def in_python_terms(error: UserError) -> ArgumentError:
    """The same mistake worded for a Python caller: each flag the message names becomes its argument."""
    message = _FLAG.sub(lambda m: ARGUMENT_OF_FLAG.get(m.group(), m.group()), str(error))
    converted = ArgumentError(message)
    converted.exit_code = error.exit_code
    return converted
