"""The Python blocks in README.md and docs/ run as written."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

ROOT = Path(__file__).parent.parent
DOCS = [ROOT / "README.md", *sorted((ROOT / "docs").rglob("*.md"))]
BLOCK = re.compile(r"```python\n(.*?)```", re.DOTALL)


def python_blocks() -> list[tuple[str, str]]:
    blocks = []
    for path in DOCS:
        for index, match in enumerate(BLOCK.finditer(path.read_text(encoding="utf-8"))):
            blocks.append((f"{path.relative_to(ROOT)}#{index}", match.group(1)))
    return blocks


@pytest.mark.parametrize(("where", "code"), python_blocks(), ids=[w for w, _ in python_blocks()])
def test_a_documented_python_block_runs(
    where: str, code: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    for package in ("schedcore.planning", "schedcore.projections"):
        if package in code:
            pytest.importorskip(package, reason=f"{package} is not merged into this tree")
    if "my_units.csv" in code:
        (tmp_path / "my_units.csv").write_text(
            "code,name_vi,name_en,region,capital_lat,capital_lon,communes\n"
            "01,Alpha,Alpha,North,10,100,3\n",
            encoding="utf-8",
        )
    exec(compile(code, where, "exec"), {"__name__": "__docs__"})
