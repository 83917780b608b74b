"""The built-in 2022 programme: a programme file shipped in the package, like any other."""

from __future__ import annotations

from importlib import resources

import attrs

from schedcore.programmes.file import ProgrammeFile, load_programme_file

__all__ = ["BUILTIN_NAME_2022", "builtin_programme"]

#: The built-in programme's name (the name its events are recorded under).
BUILTIN_NAME_2022 = "Community Digital Technology Teams training, September 2022"


_BUILTIN: list[ProgrammeFile] = []


def builtin_programme() -> ProgrammeFile:
    """Vietnam's September 2022 programme (``programmes/data/vietnam_2022/programme.toml``),
    read once per process."""
    if not _BUILTIN:
        _BUILTIN.append(_read_builtin())
    return _BUILTIN[0]


def _read_builtin() -> ProgrammeFile:
    data = resources.files("schedcore.programmes").joinpath("data/vietnam_2022/programme.toml")
    with resources.as_file(data) as path:
        programme = load_programme_file(path)
    units = attrs.evolve(programme.units, source="the built-in 2022 programme's units table")
    return attrs.evolve(programme, units=units, path="built-in: vietnam_2022/programme.toml")
