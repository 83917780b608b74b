"""What every picture shares: an Agg figure without pyplot, colours, short labels, PNG output."""

from __future__ import annotations

import datetime as dt
import io
from pathlib import Path
from typing import TYPE_CHECKING

from schedcore.errors import MissingDependencyError
from schedcore.exports._files import write_bytes_atomically

if TYPE_CHECKING:
    from matplotlib.figure import Figure

__all__ = [
    "Colour",
    "cluster_colours",
    "new_figure",
    "save_png",
    "short_date",
    "text_colour",
    "unwrap_name",
    "wrap_name",
]

Colour = tuple[float, float, float, float]


def new_figure(width: float, height: float) -> Figure:
    """A figure on its own Agg canvas: no pyplot state, no window, safe in threads."""
    try:
        from matplotlib.backends.backend_agg import FigureCanvasAgg
        from matplotlib.figure import Figure
    except ImportError:
        raise MissingDependencyError(
            "pictures need matplotlib: pip install 'schedcore[pictures]'"
        ) from None
    figure = Figure(figsize=(width, height), layout="constrained")
    FigureCanvasAgg(figure)
    return figure


def cluster_colours(count: int) -> list[Colour]:
    """Distinct colours: tab10 up to 10 clusters, tab20 up to 20, then an even spread."""
    from matplotlib import colormaps

    if count <= 10:
        palette = colormaps["tab10"]
        return [palette(i) for i in range(count)]
    if count <= 20:
        palette = colormaps["tab20"]
        return [palette(i) for i in range(count)]
    palette = colormaps["turbo"]
    return [palette(0.05 + 0.9 * i / (count - 1)) for i in range(count)]


def text_colour(background: Colour) -> str:
    """Black or white, whichever reads better on ``background``."""
    red, green, blue, _ = background
    return "black" if 0.299 * red + 0.587 * green + 0.114 * blue > 0.55 else "white"


def short_date(day: dt.date) -> str:
    return f"{day.day} {day:%b}"


def wrap_name(name: str, width: int = 11) -> str:
    """Break a long name over two lines where that balances them best.

    A name breaks at a space (dropped) or after a hyphen (kept: "Nordrhein-" and
    "Westfalen"); a name without either stays whole.  Joining the lines back with
    :func:`unwrap_name` gives the name again.
    """
    if len(name) <= width:
        return name

    def lines(at: int) -> tuple[str, str]:
        if name[at] == " ":
            return name[:at], name[at + 1 :]
        return name[: at + 1], name[at + 1 :]

    # A space is dropped and a hyphen joining two words kept; a break that would not join
    # back to the same name (a space after such a hyphen) is not used.
    breaks = [
        at
        for at, char in enumerate(name)
        if 0 < at < len(name) - 1
        and (char == " " or (char == "-" and " " not in name[at - 1 : at + 2]))
        and unwrap_name("\n".join(lines(at))) == name
    ]
    if not breaks:
        return name

    first, second = lines(min(breaks, key=lambda at: abs(len(lines(at)[0]) - len(lines(at)[1]))))
    return f"{first}\n{second}"


def unwrap_name(text: str) -> str:
    """The name :func:`wrap_name` broke: lines joined by a space, or directly after a hyphen
    that joins two words ("Nordrhein-" and "Westfalen")."""
    name = ""
    for line in text.split("\n"):
        joined = name.endswith("-") and not name.endswith(" -")
        name += line if not name or joined else f" {line}"
    return name


def save_png(figure: Figure, path: str | Path, *, dpi: int = 120) -> Path:
    """Render ``figure`` as PNG and write it whole to ``path``."""
    buffer = io.BytesIO()
    figure.savefig(buffer, format="png", dpi=dpi, facecolor="white")
    return write_bytes_atomically(path, buffer.getvalue())
