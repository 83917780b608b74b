"""Every code block of README.md and docs/ runs as written, and prints what it shows.

Sybil (a documentation-testing tool) finds the blocks; the two evaluators here run them:

- ```` ```python ```` blocks run in one namespace per page, in a temporary directory.  Output
  is shown with ``#>``: after a statement (``print(x)  #> 15``) or on the lines after it
  (``#> line``), and must be exactly what that statement prints (``...`` matches anything).
  A ``print`` followed by a plain ``#`` comment is refused: shown output is checked output.
- ```` ```console ```` blocks run their ``schedcore`` commands in-process (``$ schedcore ...``,
  ``export NAME=VALUE``, ``echo $?``).  The lines after a command are what it prints (standard
  output and error); a command followed directly by another shows nothing and is not checked;
  ``# exit N`` at the end of an output line checks the exit code.

A block not meant to run is marked ``<!-- skip: next -->`` in the page, with an HTML comment
saying why (a long solve, a server, a file the reader brings).
"""

from __future__ import annotations

import ast
import contextlib
import io
import os
import re
import shlex
import sys
from pathlib import Path
from typing import Any

import pytest
from sybil import Document, Example, Sybil
from sybil.parsers.markdown import ClearNamespaceParser, CodeBlockParser, SkipParser

ROOT = Path(__file__).parent.parent
PAGES = [ROOT / "README.md", *sorted((ROOT / "docs").rglob("*.md"))]

SHOWN = re.compile(r"^(?P<code>.*?)\s*#>(?: (?P<text>.*))?$")


def matches(expected: str, actual: str) -> bool:
    """``actual`` equals ``expected``, where ``...`` in ``expected`` stands for anything."""
    pattern = ".*?".join(re.escape(part) for part in expected.split("..."))
    return re.fullmatch(pattern, actual, re.DOTALL) is not None


def statements_by_line(tree: ast.AST) -> dict[int, int]:
    """``{line: first line of the innermost simple statement on it}``."""
    owner: dict[int, tuple[int, int]] = {}
    for node in ast.walk(tree):
        if isinstance(node, ast.stmt) and not hasattr(node, "body"):
            span = node.end_lineno or node.lineno
            for line in range(node.lineno, span + 1):
                if line not in owner or owner[line][1] - owner[line][0] > span - node.lineno:
                    owner[line] = (node.lineno, span)
    return {line: start for line, (start, _) in owner.items()}


def shown_output(code: str, owners: dict[int, int]) -> dict[int, list[str]]:
    """``{statement line: the lines the page shows it prints}``."""
    shown: dict[int, list[str]] = {}
    last_code_line = 0
    for number, line in enumerate(code.splitlines(), start=1):
        found = SHOWN.match(line)
        if found and found["code"].strip():
            last_code_line = number
            shown.setdefault(owners.get(number, number), []).append(found["text"] or "")
        elif found:
            shown.setdefault(owners.get(last_code_line, last_code_line), []).append(
                found["text"] or ""
            )
        elif line.strip() and not line.lstrip().startswith("#"):
            last_code_line = number
            if "print(" in line and re.search(r"\)\s+# ", line):
                raise AssertionError(f"line {number}: show printed output with '#>': {line}")
    return shown


def run_python(example: Example) -> None:
    code: str = example.parsed
    where = f"{example.path}:{example.line}"
    tree = ast.parse(code, where)
    owners = statements_by_line(tree)
    shown = shown_output(code, owners)
    printed: dict[int, io.StringIO] = {}

    def recording_print(*args: Any, **kwargs: Any) -> None:
        frame = sys._getframe(1)
        while frame.f_code.co_filename != where and frame.f_back is not None:
            frame = frame.f_back
        line = owners.get(frame.f_lineno, frame.f_lineno)
        if kwargs.get("file") is not None:
            print(*args, **kwargs)
            return
        print(*args, **kwargs, file=printed.setdefault(line, io.StringIO()))

    example.namespace["print"] = recording_print
    exec(compile(tree, where, "exec"), example.namespace)
    for line, lines in shown.items():
        actual = printed.get(line, io.StringIO()).getvalue().rstrip("\n")
        expected = "\n".join(lines)
        assert matches(expected, actual), (
            f"{where}, line {line} of the block prints\n{actual}\nbut the page shows\n{expected}"
        )


def console_blocks(block: str) -> list[tuple[str, list[str]]]:
    lines = block.splitlines()
    prompted = any(line.startswith("$ ") for line in lines)
    result: list[tuple[str, list[str]]] = []
    for line in lines:
        if not prompted:
            if line.strip():
                result.append((line, []))
        elif line.startswith("$ "):
            result.append((line[2:], []))
        elif result:
            result[-1][1].append(line)
    return result


def run_schedcore(argv: list[str]) -> tuple[int, str]:
    from schedcore.cli import main

    out = io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(out):
        try:
            code = main(argv)
        except SystemExit as exit_:
            code = exit_.code if isinstance(exit_.code, int) else 1
    return code, out.getvalue()


def run_console(example: Example) -> None:
    where = f"{example.path}:{example.line}"
    status = example.namespace.setdefault("__status__", 0)
    for command, shown in console_blocks(example.parsed):
        words = shlex.split(command, comments=True)
        if not words:
            continue
        if words[0] == "export" and len(words) == 2 and "=" in words[1]:
            name, value = words[1].split("=", 1)
            os.environ[name] = value  # restored by the test's monkeypatch
            output, status = "", 0
        elif words == ["echo", "$?"]:
            output = f"{status}\n"
        elif Path(words[0]).name == "schedcore":
            status, output = run_schedcore(words[1:])
        else:
            raise AssertionError(
                f"{where}: cannot run {command!r}; mark the block <!-- skip: next --> and say why"
            )
        example.namespace["__status__"] = status
        if not shown:
            continue
        expected_lines = []
        for line in shown:
            if found := re.search(r"\s+# exit (\d+)$", line):
                assert status == int(found[1]), f"{where}: {command!r} exited {status}"
                line = line[: found.start()]
            expected_lines.append(line.rstrip())
        actual = "\n".join(line.rstrip() for line in output.rstrip("\n").splitlines())
        expected = "\n".join(expected_lines)
        assert matches(expected, actual), (
            f"{where}: {command!r} prints\n{actual}\nbut the page shows\n{expected}"
        )


SYBIL = Sybil(
    parsers=[
        CodeBlockParser(language="python", evaluator=run_python),
        CodeBlockParser(language="console", evaluator=run_console),
        SkipParser(),
        ClearNamespaceParser(),
    ],
)


@pytest.mark.parametrize("page", PAGES, ids=[str(p.relative_to(ROOT)) for p in PAGES])
def test_every_block_of_the_page_runs_and_prints_what_it_shows(
    page: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    for name in ("SCHEDCORE_STORE", "SCHEDCORE_CIPHER_KEY", "SCHEDCORE_REQUIRE_ROLES"):
        monkeypatch.delenv(name, raising=False)
    saved = dict(os.environ)
    if "my_units.csv" in page.read_text(encoding="utf-8"):
        (tmp_path / "my_units.csv").write_text(
            "code,name_vi,name_en,region,capital_lat,capital_lon,communes\n"
            "01,Alpha,Alpha,North,10,100,3\n",
            encoding="utf-8",
        )
    document: Document = SYBIL.parse(page)
    try:
        for example in document:
            example.evaluate()
    finally:
        os.environ.clear()
        os.environ.update(saved)


@pytest.mark.parametrize(
    "block",
    [
        "```python\nprint(1 + 1)  #> 3\n```\n",  # prints something else than shown
        "```python\nprint(2)\n#> 2\n#> 3\n```\n",
        "```python\nprint(1 + 1)  # 2\n```\n",  # shown output not marked as checked
        "```python\nraise ValueError('a failing block')\n```\n",
        "```console\n$ schedcore history --limit ten\nerror: something else   # exit 2\n```\n",
        "```console\n$ schedcore history --limit ten\nerror: ...   # exit 0\n```\n",
        "```console\n$ ls -l\n```\n",  # not a command the tests run, and not marked skip
    ],
)
def test_a_block_that_does_not_do_what_the_page_shows_fails(
    block: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    page = tmp_path / "page.md"
    page.write_text(f"# A page\n\n{block}", encoding="utf-8")
    with pytest.raises((AssertionError, ValueError)):
        for example in SYBIL.parse(page):
            example.evaluate()


def test_a_block_that_prints_what_the_page_shows_passes(tmp_path: Path) -> None:
    page = tmp_path / "page.md"
    page.write_text(
        "```python\nfor n in (1, 2):\n    print(n)\n#> 1\n#> 2\nprint('a b c')  #> a ... c\n```\n"
        "```console\n$ schedcore history --limit ten\nerror: schedcore history: ...   # exit 2\n"
        "$ echo $?\n2\n```\n"
        "<!-- skip: next -->\n```console\n$ ls -l\n```\n",
        encoding="utf-8",
    )
    for example in SYBIL.parse(page):
        example.evaluate()
