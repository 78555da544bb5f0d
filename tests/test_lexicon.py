"""The cue lexicon (kg/data/cues.toml) is data with examples: every example holds its entry's cue."""
from __future__ import annotations

import re

import pytest

from kg.annotate import annotate
from kg.lexicon import lexicon, phrase_regex
from kg.text import fold

ENTRIES = lexicon().entries


@pytest.mark.parametrize("entry", ENTRIES, ids=[e.id for e in ENTRIES])
def test_every_example_holds_its_cue(entry):
    found = {c.entry for cat in (entry.category,) for c in annotate(entry.example).all(cat)}
    if entry.id in found:
        return
    # categories read by grammar rather than by the sweep (symbols, wrap words, boilerplate lines)
    key = fold(entry.example)
    assert any(re.search(phrase_regex(w), key) for w in entry.folded), f"{entry.id}: example lacks its words"


def test_entries_have_words_and_examples():
    for e in ENTRIES:
        assert e.words and e.example.strip(), e.id
        assert all(w.strip() == w and w for w in e.words), e.id


def test_a_word_means_one_thing_within_a_category():
    seen: dict[tuple[str, str], str | None] = {}
    for e in ENTRIES:
        if e.category in ("section",):
            continue   # section words are tried in file order on purpose
        for w in e.folded:
            key = (e.category, w)
            assert seen.get(key, e.value) == e.value, f"{w!r} is both {seen[key]} and {e.value} in {e.category}"
            seen[key] = e.value


def test_the_annotation_sweeps_every_category_the_readers_ask_for():
    """A reader asking the annotation for a category it does not sweep would silently find nothing."""
    import re
    from pathlib import Path

    from kg.annotate import SWEPT
    code = "\n".join(p.read_text(encoding="utf-8") for p in (Path(__file__).parents[1] / "kg").rglob("*.py"))
    asked = set(re.findall(r"\.(?:within|first|has|all|starting_at)\(\"([a-z_]+)\"", code))
    assert asked and asked <= SWEPT | {"agency", "province"}, asked - SWEPT
    assert not re.search(r"\.(?:within|first|has|all|starting_at)\((?!\"|category)", code)
