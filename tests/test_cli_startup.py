"""Cold start: `maestro --help` loads no command module and no parser, and
its static listing says what each command's own help says."""

from __future__ import annotations

import subprocess
import sys

import click
import pytest

from maestro_spec.cli import LAZY_COMMANDS, main


@pytest.mark.parametrize("name", sorted(LAZY_COMMANDS))
def test_static_help_is_the_commands_own(name):
    command = main.get_command(click.Context(main), name)
    for limit in (40, 60, 200):
        assert click.Command(name, help=LAZY_COMMANDS[name][1]).get_short_help_str(limit) == command.get_short_help_str(limit), name


def test_top_level_help_imports_no_command_and_no_parser():
    code = (
        "import sys\n"
        "from maestro_spec.cli import main\n"
        "try:\n"
        "    main(['--help'], prog_name='maestro')\n"
        "except SystemExit:\n"
        "    pass\n"
        "loaded = sorted(m for m in sys.modules if m in ('lark', 'maestro_spec.grammar.standalone') or m.startswith(('maestro_spec.commands.', 'maestro_spec.runtime', 'maestro_spec.server', 'httpx', 'rich')))\n"
        "print('LOADED', [m for m in loaded if m != 'maestro_spec.commands.common'], file=sys.stderr)\n"
    )
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60)
    assert "LOADED []" in proc.stderr, proc.stderr
    for name in LAZY_COMMANDS:
        assert f"  {name} " in proc.stdout
