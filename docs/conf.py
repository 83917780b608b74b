"""Sphinx configuration of the schedcore documentation (``make docs``).

The pages are Markdown (MyST); the API reference is generated from the code by autodoc and the
CLI reference from the ``argparse`` parser by ``_ext/schedcore_cli.py``.  The build is strict
(``-W -n`` in the Makefile): a warning, a broken link or a missing reference fails it.  Nothing
is fetched at build time (no intersphinx inventories, no CDN).
"""

from __future__ import annotations

import sys
from pathlib import Path

HERE = Path(__file__).parent
sys.path.insert(0, str(HERE / "_ext"))
sys.path.insert(0, str(HERE.parent / "src"))

import schedcore  # noqa: E402

project = "schedcore"
author = "The schedcore developers"
copyright = "The schedcore developers (MIT)"
release = version = schedcore.__version__

extensions = [
    "myst_parser",
    "sphinx.ext.autodoc",
    "sphinx.ext.viewcode",
    "schedcore_cli",
    "schedcore_refs",
]

source_suffix = {".md": "markdown"}
root_doc = "index"
exclude_patterns = ["_build", "_ext", "**/README.md"]

# MyST: `#anchor` links to headings resolve (and fail the build when a heading is missing).
myst_heading_anchors = 4
myst_enable_extensions = ["colon_fence"]

# Autodoc: signatures with their types, members in the order of the source.
autodoc_default_options = {
    "members": True,
    "member-order": "bysource",
    "show-inheritance": True,
}
autodoc_typehints = "signature"
autodoc_typehints_format = "short"
autodoc_preserve_defaults = True
autodoc_class_signature = "separated"
python_use_unqualified_type_names = True
add_module_names = False

# Nitpicky (-n): every cross-reference must resolve.  Names outside schedcore have no inventory
# here (no network at build time), so references to them are not checked.
nitpicky = True
nitpick_ignore_regex = [
    ("py:.*", r"(?!schedcore\b).*"),
    # Private modules (``schedcore.projections._database``): annotations may name their types,
    # the reference does not document them.
    ("py:.*", r"schedcore(\.\w+)*\._\w+\..*"),
]
# Internal base classes that "Bases:" lines name; their public members are documented on the
# public subclasses.  Any other unresolved schedcore name fails the build.
nitpick_ignore = [
    ("py:class", "schedcore.application.queries.Queries"),
    ("py:class", "schedcore.application.base.EventStoreApplication"),
    ("py:class", "schedcore.projections.model.HandlerModel"),
    # Named by docstrings of schedcore/application/base.py (inherited by Scheduler): modules
    # and helpers below the public packages, described in the guides rather than here.
    ("py:mod", "schedcore.upcasting"),
    ("py:mod", "schedcore.security"),
    ("py:func", "schedcore.stores.store_environment"),
]
# The aggregates that queries return (``Scheduler.cluster()``): described by the event
# catalogue (reference/events.md), not by the API reference.
nitpick_ignore_regex.append(
    ("py:class", r"schedcore\.domain\.(cluster|session|programme|attendance)\.[A-Z]\w*")
)

# Options like --quiet in prose stay as typed (no en dash, no curly quotes).
smartquotes = False

html_theme = "furo"
html_title = f"schedcore {release}"
html_static_path: list[str] = []
html_show_sourcelink = False
