"""The module drawing in docs/architecture.md is the include graph: every `#include "sfar/<m>/..."`
in src/<module>/, include/sfar/<module>/ and tools/ reaches a module on a lower floor (or its own
module), and every module of src/ is on the drawing. An upward include, a cycle (which needs one)
or a module the page leaves out fails here, naming the file and line."""

import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
INCLUDE = re.compile(r'^\s*#\s*include\s+"sfar/([a-z_]+)/')


def floors() -> dict:
    page = (ROOT / "docs" / "architecture.md").read_text(encoding="utf-8")
    drawing = page.split("## Modules and their direction", 1)[1].split("```text")[1].split("```")[0]
    floor_of = {}
    for line in drawing.strip().split("\n"):
        match = re.match(r"floor (\d+)\s+(.*)$", line.strip())
        assert match, f"docs/architecture.md: unreadable floor line {line!r}"
        for name in match.group(2).split():
            floor_of[name] = int(match.group(1))
    return floor_of


def module_files():
    for module_dir in sorted((ROOT / "src").iterdir()):
        if module_dir.is_dir():
            module = module_dir.name
            yield module, [*module_dir.rglob("*.[ch]*"), *(ROOT / "include" / "sfar" / module).rglob("*.h")]
    yield "tools/sfar", [*(ROOT / "tools" / "sfar").rglob("*.[ch]*")]


def test_every_module_is_drawn():
    floor_of = floors()
    for module, _ in module_files():
        assert module in floor_of, f"docs/architecture.md: module {module} is not on the drawing"


def test_every_include_goes_down():
    floor_of = floors()
    upward = []
    for module, files in module_files():
        for path in files:
            for number, line in enumerate(path.read_text(encoding="utf-8", errors="replace").split("\n"), 1):
                match = INCLUDE.match(line)
                if not match or match.group(1) == module:
                    continue
                target = match.group(1)
                if target not in floor_of or floor_of[target] >= floor_of[module]:
                    upward.append(f"{path.relative_to(ROOT)}:{number}: {module} (floor {floor_of[module]}) "
                                  f"includes {target} (floor {floor_of.get(target, '?')})")
    assert not upward, "includes that do not go down the drawing:\n" + "\n".join(upward)
