"""The documentation a newcomer reads: the README stays a front door (200 lines at most),
every relative link in README.md, CONTRIBUTING.md and docs/*.md opens a file that exists,
and no file in the repository points outside it at the design folder beside the checkout."""

import re
import shutil
import subprocess
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
README_MAX_LINES = 200
# Spelled in two parts so that this file does not name what it forbids.
OUTSIDE = "../" + "shared"

FENCE = re.compile(r"^(```|~~~).*?^\1", re.M | re.S)
CODE = re.compile(r"`[^`\n]*`")
# [text](target) and ![alt](target), the target up to a space (a title) or ")".
LINK = re.compile(r"!?\[[^\]]*\]\(\s*<?([^)\s>]+)>?(?:\s+[^)]*)?\)")


def readme_lines(root: Path) -> int:
    return len((root / "README.md").read_text(encoding="utf-8").splitlines())


def pages(root: Path) -> list[Path]:
    return [root / "README.md", root / "CONTRIBUTING.md", *sorted((root / "docs").glob("*.md"))]


def broken_links(page: Path, root: Path) -> list[str]:
    """The relative links of `page` (outside code) whose file does not exist."""
    text = CODE.sub("", FENCE.sub("", page.read_text(encoding="utf-8")))
    broken = []
    for target in LINK.findall(text):
        if re.match(r"[a-z][a-z0-9+.-]*:", target, re.I) or target.startswith("#"):
            continue  # http:, mailto: … and anchors within the page
        path = target.split("#", 1)[0].split("?", 1)[0]
        resolved = (root / path.lstrip("/")) if path.startswith("/") else page.parent / path
        if not resolved.exists():
            broken.append(f"{page.relative_to(root)}: {target}")
    return broken


def tracked_files(root: Path) -> list[Path]:
    """The files git tracks, or, outside a git checkout, every file but the environment's."""
    git = shutil.which("git")
    listed = (
        subprocess.run([git, "ls-files", "-z"], cwd=root, capture_output=True, check=False)  # noqa: S603
        if git
        else None
    )
    if listed is not None and listed.returncode == 0:
        return [root / n.decode() for n in listed.stdout.split(b"\0") if n]
    skip = {".git", ".venv", "var", "node_modules", "test-results"}
    return [p for p in root.rglob("*") if p.is_file() and not skip & set(p.relative_to(root).parts)]


def mentioning_outside(root: Path) -> list[str]:
    needle = OUTSIDE.encode()
    return [
        str(f.relative_to(root))
        for f in tracked_files(root)
        if f.is_file() and needle in f.read_bytes()
    ]


def test_the_readme_is_a_front_door_of_at_most_200_lines():
    assert readme_lines(ROOT) <= README_MAX_LINES, "move reference text from README.md to docs/"


def test_every_relative_link_of_the_docs_opens_a_file():
    broken = [b for page in pages(ROOT) for b in broken_links(page, ROOT)]
    assert broken == []


def test_no_tracked_file_points_outside_the_repository():
    assert mentioning_outside(ROOT) == []


def test_the_checks_catch_a_broken_link_a_long_readme_and_an_outside_path(tmp_path):
    """The three checks fail on what they are there to catch (a tree made to fail them)."""
    (tmp_path / "docs").mkdir()
    (tmp_path / "docs" / "here.md").write_text("# here\n", encoding="utf-8")
    links = (
        "[ok](docs/here.md#top) [web](https://example.org/x.md) [gone](docs/gone.md)\n"
        "`[in code](docs/nowhere.md)`\n```\n[fenced](docs/nowhere.md)\n```\n"
    )
    filler = "line\n" * README_MAX_LINES
    (tmp_path / "README.md").write_text(links + filler, encoding="utf-8")
    (tmp_path / "CONTRIBUTING.md").write_text(
        f"[up](../elsewhere.md) and {OUTSIDE}/notes\n", encoding="utf-8"
    )
    found = [b for page in pages(tmp_path) for b in broken_links(page, tmp_path)]
    assert found == ["README.md: docs/gone.md", "CONTRIBUTING.md: ../elsewhere.md"]
    assert readme_lines(tmp_path) > README_MAX_LINES
    assert mentioning_outside(tmp_path) == ["CONTRIBUTING.md"]
