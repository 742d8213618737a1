"""What reaches the terminal. A scenario's text (its name, a stage's or a cause's) is printed in tables, notes and
warnings: any control character in it is shown escaped (`\\x1b`), so that a scenario from someone else cannot set
the terminal's title, clear the screen or recolour it. One guard on standard output and error, for every line
hsct-sim prints, rather than a call at each print."""

from __future__ import annotations

import sys
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any, TextIO

from simulator.errors import machine_fault, printable

LAYOUT = "\n\t"  # the controls our own output uses: line ends and tabs
PROGRESS = "\n\t\r"  # and the carriage return with which the progress bar redraws itself on standard error


class EscapedStream:
    """A text stream that writes to `stream` with control characters escaped, except those in `keep`; anything
    else (fileno, isatty, encoding) is the stream's own. A full device behind it is the machine's fault
    (MachineFault), naming the stream (`label`)."""

    def __init__(self, stream: TextIO, keep: str, label: str) -> None:
        self.stream, self.keep, self.label = stream, keep, label

    def write(self, text: str) -> int:
        try:
            self.stream.write(printable(text, self.keep))
        except OSError as error:
            raise machine_fault(error, f"writing {self.label}") or error from None
        return len(text)

    def flush(self) -> None:
        try:
            self.stream.flush()
        except OSError as error:
            raise machine_fault(error, f"writing {self.label}") or error from None

    def writelines(self, lines: Any) -> None:
        for line in lines:
            self.write(line)

    def __getattr__(self, name: str) -> Any:
        return getattr(self.stream, name)


@contextmanager
def escaped_terminal() -> Iterator[None]:
    """Standard output and error escaped (EscapedStream) for the duration, then restored."""
    out, err = sys.stdout, sys.stderr
    sys.stdout, sys.stderr = (EscapedStream(out, LAYOUT, "standard output"),
                                  EscapedStream(err, PROGRESS, "standard error"))  # type: ignore[assignment]
    try:
        yield
    finally:
        sys.stdout, sys.stderr = out, err
