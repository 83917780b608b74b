"""Programmes as files: the programme TOML, the units table, the built-in 2022 programme and
the template ``schedcore init`` writes."""

from schedcore.programmes.builtin import BUILTIN_NAME_2022, builtin_programme
from schedcore.programmes.file import ProgrammeFile, load_programme_file
from schedcore.programmes.template import write_template
from schedcore.programmes.units_csv import load_distances, load_unit_table, load_units

__all__ = [
    "BUILTIN_NAME_2022",
    "ProgrammeFile",
    "builtin_programme",
    "load_distances",
    "load_programme_file",
    "load_unit_table",
    "load_units",
    "write_template",
]
