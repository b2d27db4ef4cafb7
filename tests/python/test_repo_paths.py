"""No file of the repository cites a path outside it.

A checkout must stand on its own: a page, script or test that points at the workplace around
it (`/work/...`, the `../shared/` folder beside a checkout) works on one machine and misleads
everywhere else. Each tracked text file is read line by line; a citation fails here, naming
the file, the line and the path. Three forms are caught:
- an absolute path into the workplace, `/work/...`;
- the shared folder beside a checkout, `../shared...`, whatever it is relative to;
- a relative path `../...` that leaves the repository from the file's own folder.
A `../` inside another path (`<prefix>/../lib`, `.../clip.pt`) is relative to something else
and is not read. The test's own strings are skipped (this file names the forms it forbids)."""

import os
import re
import subprocess
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
SELF = Path(__file__).resolve().relative_to(ROOT).as_posix()
# The files CI's machinery owns: its entry point finds the data folder CI places beside the
# checkout (the suite itself reads only $SFAR_DATA_DIR).
EXEMPT = {".ci/run"}

WORKPLACE = re.compile(r"(?<![\w.])/work/[^\s'\"`)\]}>,;]*")
SHARED = re.compile(r"\.\./shared\b[^\s'\"`)\]}>,;]*")
# A path that starts with ../ : after a space, a quote, a bracket, '=', ':' or a line start.
CLIMB = re.compile(r"(?:^|(?<=[\s'\"`(\[{=:,]))((?:\.\./)+[^\s'\"`)\]}>,;]*)")


def tracked_files():
    """The repository's files: git's list where there is one, else a walk without build trees."""
    try:
        listed = subprocess.run(["git", "-C", str(ROOT), "ls-files", "-z"], capture_output=True, check=True)
        return [ROOT / name for name in listed.stdout.decode().split("\0") if name]
    except (OSError, subprocess.CalledProcessError):
        skip = {".git", ".venv", "node_modules"}
        found = []
        for folder, dirs, files in os.walk(ROOT):
            dirs[:] = [d for d in dirs if d not in skip and not d.startswith("build")]
            found += [Path(folder) / f for f in files]
        return found


def leaves_repository(cited: str, folder: Path) -> bool:
    return not (folder / cited).resolve().is_relative_to(ROOT)


def outside_citations(relative: str, text: str):
    """(line number, cited path) for every path in `text` that points outside the repository."""
    folder = (ROOT / relative).parent
    for number, line in enumerate(text.split("\n"), 1):
        for match in WORKPLACE.finditer(line):
            yield number, match.group(0)
        for match in SHARED.finditer(line):
            yield number, match.group(0)
        for match in CLIMB.finditer(line):
            cited = match.group(1)
            if cited.startswith("../shared"):
                continue  # reported above
            if leaves_repository(cited, folder):
                yield number, cited


def test_no_file_cites_a_path_outside_the_repository():
    found = []
    for path in tracked_files():
        relative = path.relative_to(ROOT).as_posix()
        if relative in EXEMPT or relative == SELF or not path.is_file():
            continue
        try:
            text = path.read_text(encoding="utf-8")
        except UnicodeDecodeError:
            continue  # a binary file (an image, a compressed reference)
        found += [f"{relative}:{number}: {cited}" for number, cited in outside_citations(relative, text)]
    assert not found, "paths outside the repository:\n" + "\n".join(found)


def test_each_form_is_caught_and_paths_inside_are_not():
    # A doc one folder down: climbing one level stays inside, two levels leave.
    assert list(outside_citations("docs/page.md", "see ../docs/method.md")) == []
    assert list(outside_citations("docs/page.md", "see ../../elsewhere/x.md")) == [(1, "../../elsewhere/x.md")]
    assert list(outside_citations("docs/page.md", "text\nread ../shared/docs/METHOD.md")) == \
        [(2, "../shared/docs/METHOD.md")]
    assert list(outside_citations("scripts/x.sh", "DATA=${D:-$ROOT/../shared/data}")) == [(1, "../shared/data")]
    assert list(outside_citations("scripts/x.py", "--videos /work/shared/data/videos")) == \
        [(1, "/work/shared/data/videos")]
    assert list(outside_citations("tests/core/x.cpp", '"../../../b.yaml"')) == [(1, "../../../b.yaml")]
    # Relative to something else, or inside a word: not a citation.
    assert list(outside_citations("docs/page.md", "`<sfar binary>/../lib/` and .../clip.pt")) == []
    assert list(outside_citations("src/x/CMakeLists.txt", "${PREFIX}/../nvidia/include")) == []
    assert list(outside_citations("configs/a/b.yaml", "_base_: ../k400/sfar_vit_b16.yaml")) == []
