"""Built-in reference data: the 63 provinces of 2022 and the 2022 programme."""

from schedcore.reference.programme_2022 import calendar_2022, programme_2022
from schedcore.reference.provinces import (
    Province,
    ProvinceTable,
    load_province_table,
    vietnam_2022,
)

__all__ = [
    "Province",
    "ProvinceTable",
    "calendar_2022",
    "load_province_table",
    "programme_2022",
    "vietnam_2022",
]
