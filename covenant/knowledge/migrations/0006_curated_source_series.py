"""Curated sources under the series name they have had since session 9: a digest of publisher,
title, year and edition, one publication per series. Sources a curator gave before were named
by publisher and title (later also year and edition, cut at 80 characters): another year of
them became a newer edition and took the facts citing the first out of use, and typing one
again now would make a second source beside it. Each gets its own series and is current
again. Reference-data sources (named by their loader) are left as they are."""

import hashlib

from django.db import migrations
from django.utils.text import slugify


def curated_series(publisher, title, year, edition) -> str:
    """As `knowledge.services._resolve_source` names a curated source (frozen here)."""
    identity = "|".join(str(part).strip().lower() for part in (publisher, title, year, edition))
    digest = hashlib.sha1(identity.encode(), usedforsecurity=False).hexdigest()[:12]
    return f"{slugify(f'{publisher} {title}')[:60]}-{digest}"


def earlier_names(source) -> set[str]:
    publisher, title = source.publisher, source.title
    return {
        slugify(f"{publisher} {title}")[:80] or "source",
        slugify(f"{publisher} {title} {source.year} {source.edition}")[:80] or "source",
    }


def rename_curated_sources(apps, schema_editor):
    Source = apps.get_model("knowledge", "Source")
    for source in Source.objects.order_by("pk"):
        if source.series not in earlier_names(source):
            continue
        series = curated_series(source.publisher, source.title, source.year, source.edition)
        if Source.objects.filter(series=series).exclude(pk=source.pk).exists():
            continue
        Source.objects.filter(pk=source.pk).update(
            series=series, is_current=True, replaced_by=None
        )


class Migration(migrations.Migration):
    dependencies = [
        ("knowledge", "0005_risk_wording"),
    ]

    operations = [
        migrations.RunPython(rename_curated_sources, migrations.RunPython.noop),
    ]
