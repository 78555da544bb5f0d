"""Abbreviations (kg/data/abbreviations.toml) and the one normalisation of both sides of a word match.

`search_words("Chỉ số CCHC")` and `search_words("chi so cai cach hanh chinh")` are the same words:
folded (no case, no diacritics, old and new tone placement alike, đ → d) with abbreviations
expanded.  Lookups apply it to the user's query and to the stored target text; the indicator
linker applies it to a target's words and to the catalogue's phrases.
"""
from __future__ import annotations

import re
from functools import lru_cache

from .lexicon import load_toml
from .text import fold

_WORD = re.compile(r"[a-z0-9&%]+")


@lru_cache(maxsize=1)
def abbreviations() -> dict[str, str]:
    """Folded abbreviation -> folded words it stands for."""
    out: dict[str, str] = {}
    for entry in load_toml("abbreviations.toml").get("abbreviation", []):
        out[fold(entry["short"])] = " ".join(_WORD.findall(fold(entry["long"])))
    return out


def search_words(text: str) -> list[str]:
    """The words `text` is matched by: folded, abbreviations expanded."""
    table = abbreviations()
    out: list[str] = []
    for token in _WORD.findall(fold(text)):
        out.extend(table.get(token, token).split())
    return out


def search_key(text: str) -> str:
    """`search_words` space-separated with a space at each end: a phrase is found with `in`."""
    return " " + " ".join(search_words(text)) + " "
