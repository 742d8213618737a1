"""User errors: bad scenario files, flags and values.

They are reported as one clear line (file, field, what is allowed) and exit code 2, never as a traceback.
The line is made safe to print: control characters (a newline, a terminal escape in a pasted value) are
shown escaped, and a message that echoes a huge value is cut short.
"""

from __future__ import annotations

import re

MAX_MESSAGE = 1000  # characters of an error message; more is an echoed value nobody reads on a terminal
MAX_SHOWN = 80  # characters of one echoed value


def printable(text: str) -> str:
    """`text` with control characters escaped (`\\n`, `\\x1b`), so it prints as one line and cannot drive
    the terminal."""
    return re.sub(r"[\x00-\x1f\x7f-\x9f\u2028\u2029]", lambda m: m.group().encode("unicode_escape").decode(), text)


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
