"""`hsct-sim <command> --help` reads as written: no argparse escapes such as `%%` left in the text; --set says
which scenarios it changes."""

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


@pytest.mark.parametrize("name, says", [("compare", "applied to every scenario compared"),
                                        ("power", "applied to both scenarios; --set-a and --set-b change one"),
                                        ("run", "(repeatable)")])
def test_set_says_which_scenarios_it_changes(name, says):
    """A command of several scenarios changes all of them with --set: its help says so, and how to change one."""
    option = next(a for a in _subparsers()[name]._actions if "--set" in a.option_strings)
    assert says in " ".join(option.help.split()), option.help
