"""The generated references have something to show: every public name of the documented
packages has a docstring, and the CLI reference holds every command and option of the parser.

The site itself is built strictly by ``make docs`` (part of ``make test``).
"""

from __future__ import annotations

import argparse
import importlib
import inspect
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

ROOT = Path(__file__).parent.parent
sys.path.insert(0, str(ROOT / "docs" / "_ext"))

import schedcore_cli  # noqa: E402
import schedcore_refs  # noqa: E402


def public_objects() -> Iterator[tuple[str, object]]:
    """``(documented path, object)`` of every name the API reference documents, once each."""
    seen: set[int] = set()
    for package_name in schedcore_refs.PUBLIC:
        package = importlib.import_module(package_name)
        for name in package.__all__:
            obj = getattr(package, name)
            if id(obj) not in seen:
                seen.add(id(obj))
                yield f"{package_name}.{name}", obj


def is_ours(obj: object) -> bool:
    module = getattr(obj, "__module__", None) or ""
    return module == "schedcore" or module.startswith("schedcore.")


def undocumented(path: str, obj: object, attribute_docs: dict[int, list[str]]) -> Iterator[str]:
    if not (inspect.isclass(obj) or inspect.isfunction(obj)):
        if not any(line.strip() for line in attribute_docs.get(id(obj), [])):
            yield f"{path} (a constant or alias: give it a '#:' comment where it is assigned)"
        return
    if not (obj.__dict__.get("__doc__") if inspect.isclass(obj) else obj.__doc__):
        yield path
    if not inspect.isclass(obj):
        return
    for name, member in vars(obj).items():
        if name.startswith("_"):
            continue
        function = member.fget if isinstance(member, property) else member
        function = getattr(function, "__func__", function)  # classmethod, staticmethod
        if not (inspect.isfunction(function) or isinstance(member, property)):
            continue
        # A method overriding a documented one inherits its documentation (as autodoc shows).
        documented = inspect.getdoc(getattr(obj, name, None)) or inspect.getdoc(function)
        if not documented:
            yield f"{path}.{name}"


def test_every_public_name_says_what_it_does() -> None:
    attribute_docs = schedcore_refs.attribute_docs()
    missing = [
        gap
        for path, obj in public_objects()
        if is_ours(obj) or not (inspect.isclass(obj) or inspect.isfunction(obj))
        for gap in undocumented(path, obj, attribute_docs)
    ]
    assert not missing, "public names without a docstring:\n  " + "\n  ".join(missing)


def test_a_name_without_a_docstring_is_caught() -> None:
    def bare() -> None:
        pass

    class Bare:
        def method(self) -> None:
            pass

    assert list(undocumented("x.bare", bare, {})) == ["x.bare"]
    assert list(undocumented("x.Bare", Bare, {})) == ["x.Bare", "x.Bare.method"]
    assert list(undocumented("x.CONSTANT", 3, {}))


def options_of(parser: argparse.ArgumentParser) -> Iterator[argparse.Action]:
    for action in parser._actions:
        if not isinstance(action, argparse._HelpAction | argparse._SubParsersAction):
            yield action


def test_the_cli_reference_shows_every_command_and_option_of_the_parser() -> None:
    parser = schedcore_cli.build_parser()
    page = schedcore_cli.render(parser)
    commands = schedcore_cli.subcommands(parser)
    assert [name for name, _, _ in commands] == [
        "init", "plan", "replan", "recommend", "explain", "record", "rename", "calendar",
        "report", "rebuild", "status", "history", "export", "erase",
    ]  # fmt: skip
    sections = ("\n" + page).split("\n## ")
    for name, _, sub in [("", "", parser), *commands]:
        title = f"`schedcore {name}`" if name else "`schedcore`"
        (section,) = [s for s in sections if s.startswith(title + "\n")]
        for action in options_of(sub):
            row = (
                f"| {schedcore_cli.code(schedcore_cli.spelling(action))} "
                f"| {schedcore_cli.default_of(action)} "
                f"| {schedcore_cli.help_of(sub, action)} |"
            )
            assert row in section, f"schedcore {name}: {action.option_strings} missing"
            if action.help:
                assert schedcore_cli.escape(" ".join(action.help.split())[:30]) in section


def test_the_cli_reference_shows_a_documented_default_not_the_environment(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("SCHEDCORE_STORE", "sqlite:///from-my-shell.sqlite")
    page = schedcore_cli.render(schedcore_cli.build_parser())
    assert "from-my-shell" not in page
    assert "| `--store URL` | `sqlite:///schedcore.sqlite` |" in page


def test_plan_does_not_take_programme_but_record_does() -> None:
    """The reference is per command: ``--programme`` is shown where the parser has it."""
    page = schedcore_cli.render(schedcore_cli.build_parser())
    sections = {s.split("\n", 1)[0]: s for s in ("\n" + page).split("\n## ")}
    assert "`--programme NAME`" not in sections["`schedcore plan`"]
    assert "`--programme-file FILE.toml`" in sections["`schedcore plan`"]
    assert "`--programme NAME`" in sections["`schedcore record`"]
