"""`hsct-sim <command> --help` reads as written: no argparse escapes such as `%%` left in the text."""

import argparse

import pytest

from simulator.cli import build_parser
from simulator.commands import COMMANDS


def _subparsers() -> dict[str, argparse.ArgumentParser]:
    parser = build_parser()
    action = next(a for a in parser._actions if isinstance(a, argparse._SubParsersAction))
    return dict(action.choices)


def test_every_command_has_help():
    assert set(_subparsers()) == {command.__name__.rsplit(".", 1)[-1] for command in COMMANDS}


@pytest.mark.parametrize("name", sorted(_subparsers()))
def test_help_has_no_escaped_percent(name, capsys):
    with pytest.raises(SystemExit) as exit:
        build_parser().parse_args([name, "--help"])
    assert exit.value.code == 0
    text = capsys.readouterr().out
    assert "usage: hsct-sim " + name in text
    assert "%%" not in text, text


def test_top_level_help_has_no_escaped_percent():
    assert "%%" not in build_parser().format_help()
