"""Country names as the pages show them, in the active language (django-countries)."""

from __future__ import annotations

from django_countries import countries


def country_name(code: str | None) -> str:
    """The country's name in the active language (django-countries translates it); an unknown
    code as it is, and "" for no country."""
    if not code:
        return ""
    return str(countries.name(code.upper())) or code


def is_country(code: str) -> bool:
    """Whether `code` is a country's ISO-2 code (any case)."""
    return len(code) == 2 and bool(countries.name(code.upper()))


def country_label(code: str | None) -> str:
    """The country's name in the active language with its ISO code: "Zuid-Afrika (ZA)"
    ("Democratische Republiek Congo (DRC, CD)" for a name that ends in brackets)."""
    if not code:
        return ""
    name = country_name(code)
    if name.endswith(")") and name != code:
        return f"{name[:-1]}, {code})"
    return f"{name} ({code})"
