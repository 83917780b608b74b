"""The CLI reference, rendered from the ``argparse`` parser at build time.

``render(parser)`` turns ``schedcore.cli.build_parser()`` into Markdown: for every command its
usage, its description (the command module's docstring) and one table per argument group with
every option, its value, its default and its help.  The ``schedcore-cli`` directive puts that
Markdown into a page (``docs/reference/cli.md``), so the page cannot drift from the parser;
``tests/test_docs_reference.py`` checks that every option of the parser is in it.
"""

from __future__ import annotations

import argparse
import os
import re
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any, ClassVar

from docutils import nodes
from sphinx.application import Sphinx
from sphinx.util.docutils import SphinxDirective

#: Environment variables whose value the parser takes as a default: unset while rendering, so
#: the page shows the documented default whatever the builder's environment holds.
ENVIRONMENT_DEFAULTS = ("SCHEDCORE_STORE",)

_SPECIAL = re.compile(r"([\\`*_\[\]<>|#~])")


def escape(text: str) -> str:
    """``text`` as literal Markdown text (no emphasis, links or table breaks)."""
    return _SPECIAL.sub(r"\\\1", text)


def code(text: str) -> str:
    """``text`` as inline code, in a table cell too."""
    text = text.replace("|", "\\|")
    fence = "``" if "`" in text else "`"
    return f"{fence}{text}{fence}"


@contextmanager
def documented_environment() -> Iterator[None]:
    saved = {name: os.environ.pop(name) for name in ENVIRONMENT_DEFAULTS if name in os.environ}
    try:
        yield
    finally:
        os.environ.update(saved)


def build_parser() -> argparse.ArgumentParser:
    """``schedcore``'s parser, built as a user with no ``$SCHEDCORE_STORE`` gets it."""
    from schedcore.cli import build_parser as build

    with documented_environment():
        return build()


def subcommands(parser: argparse.ArgumentParser) -> list[tuple[str, str, argparse.ArgumentParser]]:
    """``(name, one-line help, parser)`` of every command, in the parser's order."""
    for action in parser._actions:
        if isinstance(action, argparse._SubParsersAction):
            helps = {choice.dest: choice.help or "" for choice in action._choices_actions}
            return [(name, helps.get(name, ""), sub) for name, sub in action.choices.items()]
    return []


def option_rows(parser: argparse.ArgumentParser) -> Iterator[tuple[str, list[argparse.Action]]]:
    """``(group title, its actions)`` for each argument group that has any besides ``--help``."""
    for group in parser._action_groups:
        actions = [
            a
            for a in group._group_actions
            if not isinstance(a, argparse._HelpAction | argparse._SubParsersAction)
        ]
        if actions:
            yield group.title or "options", actions


def spelling(action: argparse.Action) -> str:
    """``--name VALUE`` (or ``NAME`` for a positional), as a user types it."""
    if not action.option_strings:
        return str(action.metavar or action.dest)
    names = ", ".join(action.option_strings)
    if action.nargs == 0:
        return names
    if action.choices is not None and action.metavar is None:
        value = "{" + ",".join(str(c) for c in action.choices) + "}"
    else:
        value = str(action.metavar or action.dest.upper())
    return f"{names} {value}"


def default_of(action: argparse.Action) -> str:
    if action.default is None or action.default is argparse.SUPPRESS:
        return "–"
    if action.nargs == 0:  # store_true and the like: off unless given
        return "off" if action.default is False else code(repr(action.default))
    if isinstance(action.default, list) and not action.default:
        return "–"
    return code(str(action.default))


def help_of(parser: argparse.ArgumentParser, action: argparse.Action) -> str:
    text = parser._get_formatter()._expand_help(action) if action.help else ""
    notes = []
    if action.required:
        notes.append("required")
    if isinstance(action, argparse._AppendAction):
        notes.append("repeatable")
    if action.choices is not None:
        notes.append("one of " + ", ".join(code(str(c)) for c in action.choices))
    cell = escape(" ".join(text.split()))
    if notes:
        cell += (" " if cell else "") + "(" + "; ".join(notes) + ")"
    return cell or "–"


def description_of(parser: argparse.ArgumentParser) -> str:
    paragraphs = re.split(r"\n\s*\n", (parser.description or "").strip())
    return "\n\n".join(escape(" ".join(p.split())) for p in paragraphs if p.strip())


def usage_of(parser: argparse.ArgumentParser) -> str:
    formatter = parser._get_formatter()
    formatter.add_usage(parser.usage, parser._actions, parser._mutually_exclusive_groups)
    return formatter.format_help().strip().removeprefix("usage: ")


def options_table(parser: argparse.ArgumentParser, heading: str) -> list[str]:
    lines: list[str] = []
    for title, actions in option_rows(parser):
        lines += [f"{heading} {escape(title[:1].upper() + title[1:])}", ""]
        lines += ["| option | default | meaning |", "|---|---|---|"]
        for action in actions:
            row = (code(spelling(action)), default_of(action), help_of(parser, action))
            lines.append("| " + " | ".join(row) + " |")
        lines.append("")
    return lines


def render(parser: argparse.ArgumentParser, level: int = 2) -> str:
    """The reference of ``parser`` and of each of its commands as Markdown, headings at
    ``level``: a summary table, then a section per command."""
    heading = "#" * level
    commands = subcommands(parser)
    lines = [f"{heading} `schedcore`", "", "```text", usage_of(parser), "```", ""]
    lines += [description_of(parser), ""]
    lines += options_table(parser, heading + "#")
    lines += [f"{heading}# Commands", "", "| command | does |", "|---|---|"]
    lines += [
        f"| [{code(name)}](#schedcore-{name}) | {escape(text)} |" for name, text, _ in commands
    ]
    lines.append("")
    for name, _, sub in commands:
        lines += [f"{heading} `schedcore {name}`", "", "```text", usage_of(sub), "```", ""]
        lines += [description_of(sub), ""]
        lines += options_table(sub, heading + "#")
    return "\n".join(lines)


class CliReference(SphinxDirective):
    """```` ```{schedcore-cli} ```` : the generated reference of the ``schedcore`` command."""

    has_content = False
    option_spec: ClassVar[dict[str, Any]] = {}

    def run(self) -> list[nodes.Node]:
        import schedcore.cli

        self.env.note_dependency(schedcore.cli.__file__)
        text = render(build_parser())
        container = nodes.container()
        self.state.nested_parse(
            text.splitlines(), self.content_offset, container, match_titles=True
        )
        return container.children


def setup(app: Sphinx) -> dict[str, Any]:
    app.add_directive("schedcore-cli", CliReference)
    return {"parallel_read_safe": True, "parallel_write_safe": True}
