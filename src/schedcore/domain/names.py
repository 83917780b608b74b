"""Normalising place names so that every common spelling finds its province.

Vietnamese sources disagree on tone-mark placement ("Hoà" / "Hòa"), on hyphens and spaces
("Thừa Thiên-Huế", "Hanoi" / "Hà Nội"), on administrative prefixes ("Tỉnh", "Thành phố", "TP.")
and some write "Đ" as U+00D0 (Icelandic eth).  We compare names by a *key*: NFC, eth folded to
đ, diacritics and đ folded to ASCII, prefixes and suffixes dropped, then only letters and digits.
"""

from __future__ import annotations

import re
import unicodedata

__all__ = ["name_key"]

_PREFIXES = ("thanhpho", "tinh", "tp")
_SUFFIXES = ("city", "province")
_NON_ALNUM = re.compile(r"[^a-z0-9]+")


def name_key(name: str) -> str:
    """Return the comparison key of a place name (``"Thành phố Hà Nội"`` -> ``"hanoi"``)."""
    text = unicodedata.normalize("NFC", name).replace("\u00d0", "Đ").replace("\u00f0", "đ")
    text = text.replace("Đ", "D").replace("đ", "d")
    decomposed = unicodedata.normalize("NFD", text)
    ascii_text = "".join(ch for ch in decomposed if not unicodedata.combining(ch)).lower()
    # "TP." and "TP HCM": split off a leading prefix before squashing the separators.
    ascii_text = re.sub(r"^(tp\.?\s+|tp\.)", "", ascii_text.strip())
    key = _NON_ALNUM.sub("", ascii_text)
    for prefix in _PREFIXES:
        if key.startswith(prefix) and len(key) > len(prefix) + 2:
            key = key[len(prefix) :]
            break
    for suffix in _SUFFIXES:
        if key.endswith(suffix) and len(key) > len(suffix) + 2:
            key = key[: -len(suffix)]
            break
    return key
