"""Every `sfar` command that README.md and docs/*.md show still parses.

A page shows commands in two ways: lines of a fenced shell block, and `sfar ...` code spans in
prose and tables (where `[--opt V]`, `a|b` and capital placeholders stand for choices). For each
one this test asks the built binary:
- the subcommand path exists (`sfar <path> --help` exits 0);
- every option the command shows (`--name`, `-x`) is one that `--help` of that path, or of the
  top level (global options), lists;
- a config under `configs/` that the command names exists and loads (`sfar config print`);
- a `scripts/*` file a shell block runs exists.
A page that shows a command sfar no longer takes therefore fails here, naming the page and line."""

import functools
import os
import re
import shlex
import subprocess
from pathlib import Path

import pytest

from conftest import sfar

ROOT = Path(__file__).resolve().parents[2]
PAGES = [ROOT / "README.md", *sorted((ROOT / "docs").glob("*.md"))]
FENCE = re.compile(r"^```(\w*)\s*$")
SHELL_LANGS = {"", "sh", "bash", "shell", "console"}
SPAN = re.compile(r"`(sfar [^`]+)`")
OPTION = re.compile(r"^(--[a-z][a-z0-9-]*|-[a-zA-Z])\b")


def shown_commands(page: Path):
    """(line number, argv after `sfar`, from a shell block?) for every command the page shows."""
    lines = page.read_text(encoding="utf-8").split("\n")
    in_block, block_lang, pending, start = False, "", "", 0
    for number, line in enumerate(lines, 1):
        fence = FENCE.match(line.strip())
        if fence:
            in_block = not in_block
            block_lang = fence.group(1)
            continue
        if in_block:
            if block_lang not in SHELL_LANGS:
                continue
            text = line.strip()
            if text.startswith("$ "):
                text = text[2:]
            if not pending:
                start = number
            if text.endswith("\\"):
                pending += text[:-1] + " "
                continue
            yield from shell_commands(start, pending + text)
            pending = ""
        else:
            for span in SPAN.finditer(line):
                argv = span.group(1).split()[1:]
                if argv and re.match(r"^(-|[a-z])", argv[0]):  # not `sfar 0.1.0+<commit>`, a version
                    yield number, argv, False


def shell_commands(number: int, text: str):
    try:
        tokens = shlex.split(text, comments=True)
    except ValueError:
        return
    for i, token in enumerate(tokens):
        if token == "sfar" or token.endswith("/sfar"):
            argv = []
            for rest in tokens[i + 1:]:
                if rest in {"|", "&&", ";", ">", "2>", "||"}:
                    break
                argv.append(rest)
            yield number, argv, True
            return
        if token.startswith("scripts/"):
            assert (ROOT / token).exists(), f"{token} is shown but does not exist"


@functools.lru_cache(maxsize=None)
def help_of(path: tuple) -> str:
    result = sfar(*path, "--help", check=False)
    return result.stdout + result.stderr if result.returncode == 0 else ""


def subcommands_of(path: tuple) -> set:
    """The names listed under `Subcommands:` in `sfar <path> --help`."""
    listed = help_of(path).split("Subcommands:", 1)
    return set(re.findall(r"^  ([a-z][a-z0-9-]*)\s", listed[1], re.M)) if len(listed) == 2 else set()


def known_options(help_text: str) -> set:
    return set(re.findall(r"(?<![\w-])(--[a-z][a-z0-9-]*|-[a-zA-Z])(?=[\s,=\]])", help_text))


def split_command(argv: list):
    """(global options, subcommand path, the rest) of one shown command."""
    globals_, path, i = [], [], 0
    while i < len(argv) and argv[i].startswith("-"):  # global options before the subcommand
        globals_.append(argv[i])
        i += 2 if i + 1 < len(argv) and not argv[i + 1].startswith("-") else 1
    while i < len(argv):
        word = argv[i]
        if word in subcommands_of(tuple(path)):
            path.append(word)
            i += 1
            continue
        break
    return globals_, tuple(path), argv[i:]


def options_of(argv: list) -> list:
    found = []
    for token in argv:
        for piece in re.split(r"[\[\]|{}()]", token):
            match = OPTION.match(piece)
            if match:
                found.append(match.group(1))
    return found


def configs_of(argv: list) -> list:
    named = []
    for i, token in enumerate(argv[:-1]):
        if token in {"-c", "--config"} and argv[i + 1].startswith("configs/"):
            named.append(argv[i + 1])
    return named


CASES = [(page, number, argv, shell) for page in PAGES for number, argv, shell in shown_commands(page)]


def test_the_pages_show_commands():
    assert len(CASES) >= 40, f"found only {len(CASES)} shown commands: the extraction is broken"


@pytest.mark.parametrize("page,number,argv,shell", CASES,
                         ids=[f"{c[0].name}:{c[1]}" for c in CASES])
def test_shown_command_parses(page, number, argv, shell):
    where = f"{page.relative_to(ROOT)}:{number}: sfar {' '.join(argv)}"
    globals_, path, rest = split_command(argv)
    if not path and not {"--version", "--help"} & set(argv):
        pytest.fail(f"{where}: sfar has no subcommand {rest[0]!r}" if rest else f"{where}: no sfar subcommand")
    top = known_options(help_of(()))
    for option in options_of(globals_):
        assert option in top, f"{where}: {option} is not a global option"
    if not path:
        return
    own = known_options(help_of(path))
    assert own, f"{where}: `sfar {' '.join(path)} --help` failed"
    for option in options_of(rest):
        assert option in own or option in top, \
            f"{where}: `sfar {' '.join(path)}` takes no {option} (its --help lists {sorted(own)})"
    for config in configs_of(rest):
        assert (ROOT / config).exists(), f"{where}: {config} does not exist"
        result = subprocess.run([os.environ["SFAR_BINARY"], "config", "print", "--config", str(ROOT / config)],
                                capture_output=True, text=True, cwd=ROOT)
        assert result.returncode == 0, f"{where}: {config} does not load:\n{result.stderr}"
