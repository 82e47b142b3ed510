"""Place names (countries in several languages, states and provinces) from Faker's address providers.

Used to tell a key column of countries (rows that are countries, not people) and a country or state of
residence in a table about people.
"""

from __future__ import annotations

import importlib
from functools import lru_cache

from .text import tokens

PLACE_SOURCES = ("en_US", "en_GB", "nl_NL", "de_DE", "fr_FR", "es_ES", "it_IT", "pt_PT", "pl_PL", "sv_SE")


@lru_cache(maxsize=1)
def place_names() -> frozenset[str]:
    """Country names in several languages, and the states and provinces of a few countries."""
    out: set[str] = set()
    for locale in PLACE_SOURCES:
        try:
            provider = importlib.import_module(f"faker.providers.address.{locale}").Provider
        except ImportError:
            continue
        for attr in ("countries", "states", "provinces", "regions"):
            out.update(place_key(str(p)) for p in getattr(provider, attr, ()) or ())
    out.update(
        ("usa", "us", "uk", "united states of america", "great britain", "england", "scotland", "wales")
    )
    return frozenset(out)


@lru_cache(maxsize=1)
def region_codes() -> frozenset[str]:
    """Postal abbreviations of states and provinces (NY, CA, MI ...), folded."""
    out: set[str] = set()
    for locale in PLACE_SOURCES:
        try:
            provider = importlib.import_module(f"faker.providers.address.{locale}").Provider
        except ImportError:
            continue
        out.update(place_key(str(p)) for p in getattr(provider, "states_abbr", ()) or ())
    return frozenset(out)


def place_key(text: str) -> str:
    """A place name normalised for look-up: folded words, underscores as spaces."""
    return " ".join(tokens(text.replace("_", " ")))
