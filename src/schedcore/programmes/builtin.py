"""The built-in 2022 programme: a programme file shipped in the package, like any other."""

from __future__ import annotations

from functools import cache
from importlib import resources

from schedcore.programmes.file import ProgrammeFile, load_programme_file

__all__ = ["BUILTIN_NAME_2022", "builtin_programme"]

#: The built-in programme's name (the name its events are recorded under).
BUILTIN_NAME_2022 = "Community Digital Technology Teams training, September 2022"


@cache
def builtin_programme() -> ProgrammeFile:
    """Vietnam's September 2022 programme (``programmes/data/vietnam_2022/programme.toml``)."""
    data = resources.files("schedcore.programmes").joinpath("data/vietnam_2022/programme.toml")
    with resources.as_file(data) as path:
        programme = load_programme_file(path)
    return programme
