"""User errors: bad scenario files, flags and values.

They are reported as one clear line (file, field, what is allowed) and exit code 2, never as a traceback.
"""

from __future__ import annotations


class UserError(Exception):
    """A mistake in what the user gave us: the message says where and what is allowed."""

    exit_code = 2
