"""Keep each cycle's data_version current.

The monitoring dashboard is cached under the cycle's data_version (and the covenant's and the
cycle's own settings, read from their rows): every saved or deleted row that the dashboard is
computed from raises it, in the same transaction as the change. Writes that bypass the model's
save (queryset.update, bulk_create) must raise it themselves with `bump`.
"""

from __future__ import annotations

from django.db.models import F
from django.db.models.signals import post_delete, post_save
from django.dispatch import receiver

from covenant.covenants.models import Membership, Organisation
from covenant.monitoring.models import CompanyFigures, Cycle, Indicator, Part


def bump(cycles) -> None:
    """Raise the data_version of the cycles in the queryset `cycles`."""
    cycles.update(data_version=F("data_version") + 1)


@receiver([post_save, post_delete], sender=Part)
@receiver([post_save, post_delete], sender=CompanyFigures)
def _cycle_row_changed(sender, instance, **kwargs) -> None:
    bump(Cycle.objects.filter(pk=instance.cycle_id))


@receiver([post_save, post_delete], sender=Indicator)
@receiver([post_save, post_delete], sender=Membership)
def _covenant_row_changed(sender, instance, **kwargs) -> None:
    bump(Cycle.objects.filter(covenant_id=instance.covenant_id))


@receiver([post_save, post_delete], sender=Organisation)
def _organisation_changed(sender, instance, **kwargs) -> None:
    bump(Cycle.objects.filter(covenant__memberships__organisation_id=instance.pk))
