"""Resolve references to where the API reference documents a name.

Annotations and docstrings name objects where they are defined
(``schedcore.domain.programme_spec.ProgrammeSpec``) while the reference documents them where a
user imports them (``schedcore.ProgrammeSpec``).  This maps each defining path to the public one
(the first package of :data:`PUBLIC` whose ``__all__`` holds the object) and resolves the
reference there; a name that maps to nothing stays unresolved and, with ``nitpicky``, fails the
build.
"""

from __future__ import annotations

import importlib
from typing import Any

from docutils import nodes
from docutils.statemachine import StringList
from sphinx.application import Sphinx
from sphinx.environment import BuildEnvironment
from sphinx.util.docutils import SphinxDirective

#: Packages whose ``__all__`` the reference documents, the most specific first.
PUBLIC = (
    "schedcore.application",
    "schedcore.planning",
    "schedcore.projections",
    "schedcore.exports",
    "schedcore",
)


def public_paths() -> dict[str, str]:
    """``{defining path: documented path}`` for every name of :data:`PUBLIC`; also
    ``{"id:<id(obj)>": documented path}`` to find an object under any import path."""
    paths: dict[str, str] = {}
    for package_name in PUBLIC:
        package = importlib.import_module(package_name)
        for name in package.__all__:
            obj = getattr(package, name)
            module = getattr(obj, "__module__", None)
            qualname = getattr(obj, "__qualname__", None)
            documented = f"{package_name}.{name}"
            if isinstance(module, str) and isinstance(qualname, str):
                paths.setdefault(f"{module}.{qualname}", documented)
            if isinstance(obj, type) or callable(obj):
                paths.setdefault(f"id:{id(obj)}", documented)
            paths.setdefault(documented, documented)
    return paths


def documented_path(target: str, paths: dict[str, str]) -> str | None:
    """Where the reference documents ``target`` (a module path to a name, perhaps with a
    member after it), or ``None``."""
    parts = target.split(".")
    for split in range(len(parts), 0, -1):
        head = ".".join(parts[:split])
        if head in paths:
            return ".".join([paths[head], *parts[split:]])
    # ``schedcore.reference.Province``: import the module, find the object it names.
    for split in range(len(parts) - 1, 0, -1):
        try:
            obj: object = importlib.import_module(".".join(parts[:split]))
        except ImportError:
            continue
        for index in range(split, len(parts)):
            obj = getattr(obj, parts[index], None)
            documented = paths.get(f"id:{id(obj)}") if obj is not None else None
            if documented:
                return ".".join([documented, *parts[index + 1 :]])
        return None
    return None


def resolve(
    app: Sphinx, env: BuildEnvironment, node: Any, contnode: nodes.Element
) -> nodes.Element | None:
    if node.get("refdomain") != "py":
        return None
    target: str = node["reftarget"]
    paths: dict[str, str] = app.config._schedcore_public_paths  # type: ignore[attr-defined]
    candidates = [target]
    module = node.get("py:module")
    if module and not target.startswith("schedcore"):
        candidates.append(f"{module}.{target}")
    for candidate in candidates:
        new = documented_path(candidate, paths)
        if new and new != target:
            domain = env.get_domain("py")
            return domain.resolve_xref(  # type: ignore[no-any-return]
                env, node["refdoc"], app.builder, node["reftype"], new, node, contnode
            )
    return None


#: Sections of the ``schedcore`` page: the defining module's prefix, the section's title.
SECTIONS = (
    ("schedcore.domain", "Commands' values and results, programmes"),
    ("schedcore.calendar", "Calendars"),
    ("schedcore.reference", "Reference data"),
    ("schedcore.security", "Actors and roles"),
    ("schedcore.errors", "Errors"),
    ("schedcore", "Version"),
)


def defined_in(obj: object) -> str | None:
    module = getattr(obj, "__module__", None)
    return module if isinstance(module, str) and hasattr(obj, "__qualname__") else None


def attribute_docs() -> dict[int, list[str]]:
    """``{id(value): its #: comment}`` for the module-level names of every schedcore module:
    the documentation of a constant or type alias, wherever it is re-exported."""
    import sys

    from sphinx.pycode import ModuleAnalyzer

    for package_name in PUBLIC:
        package = importlib.import_module(package_name)
        for public in getattr(package, "__all__", ()):
            getattr(package, public)  # a lazily imported name loads its module now
    docs: dict[int, list[str]] = {}
    for name, module in sorted(sys.modules.items()):
        if not (name == "schedcore" or name.startswith("schedcore.")) or module is None:
            continue
        try:
            found = ModuleAnalyzer.for_module(name).find_attr_docs()
        except Exception:  # a module without source: nothing to find
            continue
        for (scope, attribute), lines in found.items():
            if scope == "" and hasattr(module, attribute):
                docs.setdefault(id(getattr(module, attribute)), list(lines))
    return docs


def fill_attribute_docs(
    app: Sphinx, what: str, name: str, obj: object, options: Any, lines: list[str]
) -> None:
    """A re-exported constant or alias gets the ``#:`` comment of where it is defined."""
    if what == "data":  # not the docstring of the value's class
        lines[:] = app.config._schedcore_attribute_docs.get(id(obj), [])  # type: ignore[attr-defined]


class PublicNames(SphinxDirective):
    """The names of ``schedcore.__all__``: those no subpackage documents, by section, and a
    table of the others pointing where they are documented."""

    def run(self) -> list[nodes.Node]:
        import schedcore

        paths: dict[str, str] = self.config._schedcore_public_paths  # type: ignore[attr-defined]
        own: dict[str, list[str]] = {title: [] for _, title in SECTIONS}
        elsewhere: list[tuple[str, str]] = []
        for name in schedcore.__all__:
            obj = getattr(schedcore, name)
            module = defined_in(obj)
            documented = paths.get(f"{module}.{obj.__qualname__}") if module else None
            if documented and documented != f"schedcore.{name}":
                elsewhere.append((name, documented))
                continue
            source = module or "schedcore"
            title = next(t for prefix, t in SECTIONS if source.startswith(prefix))
            if isinstance(obj, type):
                kind = "autoexception" if issubclass(obj, BaseException) else "autoclass"
            elif callable(obj) and module:
                kind = "autofunction"
            else:
                kind = "autodata"
            own[title].append(f".. {kind}:: schedcore.{name}")
        text = [".. currentmodule:: schedcore", ""]
        for title, directives in own.items():
            if directives:
                text += [title, "-" * len(title), ""]
                for directive in directives:
                    text += [directive, ""]
        title = "Re-exported from the packages"
        text += [title, "-" * len(title), ""]
        text += ["``schedcore`` also exports these names, documented in their package:", ""]
        text += [f"- :py:obj:`schedcore.{name} <{target}>`" for name, target in elsewhere]
        container = nodes.container()
        self.state.nested_parse(StringList(text), self.content_offset, container, match_titles=True)
        return container.children


def setup(app: Sphinx) -> dict[str, Any]:
    app.config._schedcore_public_paths = public_paths()  # type: ignore[attr-defined]
    app.config._schedcore_attribute_docs = attribute_docs()  # type: ignore[attr-defined]
    app.connect("missing-reference", resolve)
    app.connect("autodoc-process-docstring", fill_attribute_docs)
    app.add_directive("schedcore-public", PublicNames)
    return {"parallel_read_safe": True, "parallel_write_safe": True}
