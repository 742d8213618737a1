"""A scenario's text reaches the terminal with its control characters escaped: a name with escape sequences
(set the title, clear the screen, recolour) is shown as `\\x1b...`, in tables, notes and warnings alike, and the
figures' missing-glyph warnings for such characters are not printed."""

from __future__ import annotations

import io

from simulator.cli import main
from simulator.terminal import LAYOUT, EscapedStream

from helpers import SCENARIOS

ESCAPES = "\\u001b]0;pwned\\u0007\\u001b[2J\\u001b[31mred\\u009b1m\\r"  # TOML escapes: OSC title, clear, colour, CSI


def test_a_scenario_name_cannot_drive_the_terminal(tmp_path, in_tmp_cwd, capsys):
    path = tmp_path / "named.toml"
    text = (SCENARIOS / "burt2006.toml").read_text()
    path.write_text(text.replace('name = "Burt 2006 (Northwestern)"', f'name = "Burt{ESCAPES}"', 1))
    for command in (["run", str(path)], ["compare", str(path), str(SCENARIOS / "ebmt2004.toml")]):
        assert main([*command, "--replications", "20", "--workers", "1", "--quiet"]) == 0
        out, err = capsys.readouterr()
        for stream in (out, err):
            assert not any(c in stream for c in "\x1b\x07\x9b"), stream
        assert "Burt\\x1b]0;pwned\\x07\\x1b[2J\\x1b[31mred\\x9b1m\\r" in out
        assert "Glyph" not in err


def test_the_guard_keeps_line_ends_and_escapes_the_rest():
    written = io.StringIO()
    stream = EscapedStream(written, LAYOUT, "standard output")
    print("a\tb\x1b[2J\x00\r", file=stream)  # type: ignore[arg-type]
    assert written.getvalue() == "a\tb\\x1b[2J\\x00\\r\n"
