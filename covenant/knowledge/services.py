"""Writes of the knowledge base: sources and their editions, and the curation of facts.

Every curated fact names its source (an existing one, or a new one given with the fact) and
every change is kept as a FactChange with the fields before and after. The bulk loading of
the reference files lives in `reference_data.py`; it registers its sources here.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Model, Sum
from django.utils.text import slugify
from django.utils.translation import gettext_lazy as _

from covenant.knowledge.models import (
    CommoditySynonym,
    Composition,
    DocumentedRisk,
    FactChange,
    ProductionShare,
    Source,
)
from covenant.knowledge.selectors import commodities_named

MSG_SOURCE_NEEDED = _(
    "Name the source of this fact: choose one from the list or give a new one "
    "(publisher, title, year and licence)."
)
MSG_CORRECT_REASON = _("Say why the fact is corrected: the history keeps it for later readers.")
MSG_REMOVE_REASON = _("Say why the fact is removed: the history keeps it for later readers.")
MSG_NEW_SOURCE_INCOMPLETE = _(
    "A new source needs a publisher, a title, a year and its licence or terms of use (“all "
    "rights reserved” when it has none), so that readers know what they may reuse."
)
MSG_COMPOSITION_OVER_ONE = _(
    "The components of %(alloy)s would add up to %(total)s, more than 1: the screening uses "
    "the shares of every current source together. Correct or lower another component first."
)

MSG_SYNONYM_TAKEN = _(
    "“%(text)s” already names %(commodity)s: a word can name one commodity only, or the "
    "screening could not tell which one a purchase line means."
)

RISK_FIELDS = {"theme", "commodity", "country", "chain_stage", "severity", "description"}
SHARE_FIELDS = {
    "commodity", "country", "chain_stage", "measure", "year", "value", "unit", "share",
    "is_estimate", "note",
}  # fmt: skip
COMPOSITION_FIELDS = {"alloy", "component", "share"}
SYNONYM_FIELDS = {"commodity", "text", "language"}


@dataclass(frozen=True)
class NewSource:
    """A source given together with a curated fact (a report, an NGO study, a meeting)."""

    publisher: str
    title: str
    year: int | None
    edition: str = ""
    url: str = ""
    licence: str = ""


# Sources and editions -------------------------------------------------------------------------


@transaction.atomic
def source_register(
    *,
    series: str,
    publisher: str,
    title: str,
    edition: str,
    year: int,
    url: str = "",
    licence: str = "",
    file_name: str = "",
    short_name: str = "",
) -> tuple[Source, bool]:
    """Return the source of this edition, creating it when new; return whether it was created.

    A newer edition (a later year) becomes the current one; the edition it replaces stays,
    marked not current and pointing at its successor. An older edition added later is kept
    as a historical one.
    """
    existing = Source.objects.filter(series=series, edition=edition).first()
    if existing is not None:
        return existing, False
    current = Source.objects.select_for_update().filter(series=series, is_current=True).first()
    source = Source(
        series=series,
        publisher=publisher,
        title=title,
        edition=edition,
        year=year,
        url=url,
        licence=licence,
        file_name=file_name,
        short_name=short_name,
        is_current=current is None or year >= current.year,
    )
    if current is not None and source.is_current:
        current.is_current = False
        current.save(update_fields=["is_current"])
    source.full_clean()
    source.save()
    if current is not None:
        if source.is_current:
            current.replaced_by = source
            current.save(update_fields=["replaced_by"])
        else:
            source.replaced_by = current
            source.save(update_fields=["replaced_by"])
    return source, True


def _resolve_source(source: Source | None, new_source: NewSource | None) -> Source:
    if source is not None:
        return source
    if new_source is None:
        raise ValidationError({"source": MSG_SOURCE_NEEDED})
    given = (new_source.publisher, new_source.title, new_source.licence)
    if not (all(text.strip() for text in given) and new_source.year):
        raise ValidationError({"source": MSG_NEW_SOURCE_INCOMPLETE})
    # a curated source is one publication: another year or edition of it is another source
    # beside it, not a newer edition that would take the facts citing this one out of use
    # (that is for the reference data, whose newer file holds them all again)
    # (named by a digest of all four: a long title must not cut the year off)
    identity = "|".join(
        str(part).strip().lower()
        for part in (new_source.publisher, new_source.title, new_source.year, new_source.edition)
    )
    digest = hashlib.sha1(identity.encode(), usedforsecurity=False).hexdigest()[:12]
    series = f"{slugify(f'{new_source.publisher} {new_source.title}')[:60]}-{digest}"
    found, _created = source_register(
        series=series,
        publisher=new_source.publisher.strip(),
        title=new_source.title.strip(),
        edition=new_source.edition.strip(),
        year=new_source.year,
        url=new_source.url.strip(),
        licence=new_source.licence.strip(),
    )
    return found


# Curation with history -----------------------------------------------------------------------


def fact_values(fact: Model, names: set[str]) -> dict:
    """Return the fact's field values as JSON-ready data (foreign keys by their key)."""
    values = {}
    for name in sorted(names | {"source"}):
        field = fact._meta.get_field(name)
        value = getattr(fact, field.attname)
        if name == "country":
            value = str(value or "")
        values[name] = value
    if values.get("source") is not None:
        values["source_label"] = str(fact.source)
    for name in ("commodity", "alloy", "component"):
        if name in names and getattr(fact, f"{name}_id", None):
            values[f"{name}_code"] = getattr(fact, name).code
    return values


def _save_fact(
    *,
    fact: Model,
    kind: str,
    allowed: set[str],
    fields: dict,
    user,
    source: Source | None,
    new_source: NewSource | None,
    reason: str,
    check=None,
) -> Model:
    unknown = set(fields) - allowed
    if unknown:
        raise TypeError(f"Not a field of this fact: {', '.join(sorted(unknown))}")
    is_new = fact.pk is None
    if not is_new and not reason.strip():  # a correction tells later readers why
        raise ValidationError({"reason": MSG_CORRECT_REASON})
    before = {} if is_new else fact_values(fact, allowed)
    fact.source = _resolve_source(source, new_source)
    for name, value in fields.items():
        setattr(fact, name, value)
    if getattr(fact, "wording", ""):  # a loader's wording, filled with these fields
        said = {"description", "theme", "commodity", "country"}
        now = fact_values(fact, said)
        if any(before.get(name) != now[name] for name in said):
            fact.wording = ""  # corrected by a curator: shown as written
    fact.full_clean()
    if check is not None:
        check(fact)
    fact.save()
    after = fact_values(fact, allowed)
    if before != after:
        commodity = getattr(fact, "commodity", None) or getattr(fact, "alloy", None)
        FactChange.objects.create(
            fact_kind=kind,
            fact_id=fact.pk,
            commodity=commodity,
            country=str(getattr(fact, "country", "") or ""),
            action=FactChange.Action.CREATED if is_new else FactChange.Action.CHANGED,
            user=user if getattr(user, "is_authenticated", False) else None,
            before=before,
            after=after,
            reason=reason,
        )
    return fact


@transaction.atomic
def documented_risk_create(
    *,
    user,
    source: Source | None = None,
    new_source: NewSource | None = None,
    reason: str = "",
    **fields,
) -> DocumentedRisk:
    """Add a documented risk (of a commodity, a country, or both), with its source."""
    return _save_fact(
        fact=DocumentedRisk(), kind=FactChange.Kind.RISK, allowed=RISK_FIELDS, fields=fields,
        user=user, source=source, new_source=new_source, reason=reason,
    )  # fmt: skip


@transaction.atomic
def documented_risk_update(
    *,
    risk: DocumentedRisk,
    user,
    source: Source | None = None,
    new_source: NewSource | None = None,
    reason: str = "",
    **fields,
) -> DocumentedRisk:
    """Correct a documented risk; the source of the correction becomes its source."""
    return _save_fact(
        fact=risk, kind=FactChange.Kind.RISK, allowed=RISK_FIELDS, fields=fields, user=user,
        source=source, new_source=new_source, reason=reason,
    )  # fmt: skip


@transaction.atomic
def production_share_create(
    *,
    user,
    source: Source | None = None,
    new_source: NewSource | None = None,
    reason: str = "",
    **fields,
) -> ProductionShare:
    """Add a country's production share of a commodity at a chain stage, with its source."""
    return _save_fact(
        fact=ProductionShare(), kind=FactChange.Kind.SHARE, allowed=SHARE_FIELDS,
        fields=fields, user=user, source=source, new_source=new_source, reason=reason,
    )  # fmt: skip


@transaction.atomic
def production_share_update(
    *,
    production_share: ProductionShare,
    user,
    source: Source | None = None,
    new_source: NewSource | None = None,
    reason: str = "",
    **fields,
) -> ProductionShare:
    """Correct a production share; the source of the correction becomes its source."""
    return _save_fact(
        fact=production_share, kind=FactChange.Kind.SHARE, allowed=SHARE_FIELDS, fields=fields,
        user=user, source=source, new_source=new_source, reason=reason,
    )  # fmt: skip


def _components_fit(composition: Composition) -> None:
    """The alloy's components as the screening expands it (those of every current source,
    this one included) add up to at most 1. A share of an older edition is not screened."""
    if not composition.source.is_current:
        return
    others = (
        Composition.objects.filter(alloy=composition.alloy, source__is_current=True)
        .exclude(pk=composition.pk)
        .aggregate(total=Sum("share"))["total"]
        or 0
    )
    total = others + composition.share
    if total > 1.0001:
        raise ValidationError(
            {
                "share": MSG_COMPOSITION_OVER_ONE
                % {"alloy": composition.alloy, "total": f"{total:.2f}"}
            }
        )


@transaction.atomic
def composition_create(
    *,
    user,
    source: Source | None = None,
    new_source: NewSource | None = None,
    reason: str = "",
    **fields,
) -> Composition:
    """Add a component to an alloy with its typical share; one source's shares add up to ≤ 1."""
    return _save_fact(
        fact=Composition(), kind=FactChange.Kind.COMPOSITION, allowed=COMPOSITION_FIELDS,
        fields=fields, user=user, source=source, new_source=new_source, reason=reason,
        check=_components_fit,
    )  # fmt: skip


@transaction.atomic
def composition_update(
    *,
    composition: Composition,
    user,
    source: Source | None = None,
    new_source: NewSource | None = None,
    reason: str = "",
    **fields,
) -> Composition:
    """Correct a component's typical share (or which component it is)."""
    return _save_fact(
        fact=composition, kind=FactChange.Kind.COMPOSITION, allowed=COMPOSITION_FIELDS,
        fields=fields, user=user, source=source, new_source=new_source, reason=reason,
        check=_components_fit,
    )  # fmt: skip


def _names_one_commodity(synonym: CommoditySynonym) -> None:
    """Refuse a synonym whose word (as the screening compares words: any case, punctuation
    as spaces, "RVS." as "rvs") already names another commodity, by its name or a current
    synonym."""
    others = [
        c
        for c in commodities_named(synonym.text, except_synonym=synonym.pk)
        if c.pk != synonym.commodity_id
    ]
    if others:
        text = synonym.text.strip()
        raise ValidationError(
            {"text": MSG_SYNONYM_TAKEN % {"text": text, "commodity": others[0].name}}
        )


@transaction.atomic
def synonym_create(
    *,
    user,
    source: Source | None = None,
    new_source: NewSource | None = None,
    reason: str = "",
    **fields,
) -> CommoditySynonym:
    """Add a name under which a commodity is bought (RVS, inox), with its source."""
    if "text" in fields:
        fields["text"] = fields["text"].strip()
    return _save_fact(
        fact=CommoditySynonym(), kind=FactChange.Kind.SYNONYM, allowed=SYNONYM_FIELDS,
        fields=fields, user=user, source=source, new_source=new_source, reason=reason,
        check=_names_one_commodity,
    )  # fmt: skip


@transaction.atomic
def synonym_update(
    *,
    synonym: CommoditySynonym,
    user,
    source: Source | None = None,
    new_source: NewSource | None = None,
    reason: str = "",
    **fields,
) -> CommoditySynonym:
    """Correct a synonym."""
    if "text" in fields:
        fields["text"] = fields["text"].strip()
    return _save_fact(
        fact=synonym, kind=FactChange.Kind.SYNONYM, allowed=SYNONYM_FIELDS, fields=fields,
        user=user, source=source, new_source=new_source, reason=reason,
        check=_names_one_commodity,
    )  # fmt: skip


FACT_FIELDS = {
    FactChange.Kind.RISK: RISK_FIELDS,
    FactChange.Kind.SHARE: SHARE_FIELDS,
    FactChange.Kind.COMPOSITION: COMPOSITION_FIELDS,
    FactChange.Kind.SYNONYM: SYNONYM_FIELDS,
}


@transaction.atomic
def fact_remove(*, kind: str, fact: Model, user, reason: str) -> FactChange:
    """Remove a wrong fact (a synonym that links the wrong lines, a risk that was never so).
    Its values stay in the history with who removed it and why; loading its source again does
    not bring it back. Earlier screening runs keep their findings, without the risk's text."""
    if not reason.strip():
        raise ValidationError({"reason": MSG_REMOVE_REASON})
    # one removal, however many curators press the button at once
    if not type(fact).objects.select_for_update().filter(pk=fact.pk).exists():
        raise ValidationError(_("This fact has been removed already."))
    commodity = getattr(fact, "commodity", None) or getattr(fact, "alloy", None)
    change = FactChange.objects.create(
        fact_kind=kind,
        fact_id=fact.pk,
        commodity=commodity,
        country=str(getattr(fact, "country", "") or ""),
        action=FactChange.Action.REMOVED,
        user=user if getattr(user, "is_authenticated", False) else None,
        before=fact_values(fact, FACT_FIELDS[kind]),
        after={},
        reason=reason.strip(),
    )
    fact.delete()
    return change


def removed_keys(kind: str, source: Source, fields: tuple[str, ...]) -> set[tuple]:
    """The facts of `source` as loaded that a curator removed, or corrected into another fact
    (another country, commodity, …, or another source), as tuples of their `fields` (foreign
    keys by id), for a loader to leave out: loading the source again must not undo curation."""
    changes = FactChange.objects.filter(
        fact_kind=kind,
        action__in=[FactChange.Action.REMOVED, FactChange.Action.CHANGED],
        before__source=source.pk,
    )
    keys = set()
    for change in changes:
        before = tuple(change.before.get(f) for f in fields)
        after = tuple(change.after.get(f) for f in fields)
        moved = before != after or change.after.get("source") != source.pk
        if change.action == FactChange.Action.REMOVED or moved:
            keys.add(before)
    return keys
