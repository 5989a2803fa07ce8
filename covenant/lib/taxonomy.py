"""The shared taxonomy of themes and chain stages, used by monitoring, screening and activities."""

from django.db import models
from django.utils.translation import gettext_lazy as _


class Theme(models.TextChoices):
    CHILD_LABOUR = "child_labour", _("child labour")
    FORCED_LABOUR = "forced_labour", _("forced labour")
    HEALTH_SAFETY = "health_safety", _("health and safety")
    FREEDOM_OF_ASSOCIATION = "freedom_of_association", _("freedom of association")
    WAGES = "wages", _("wages")
    DISCRIMINATION = "discrimination", _("discrimination")
    LAND_RIGHTS = "land_rights", _("land rights")
    ENVIRONMENT = "environment", _("environment and pollution")
    WATER = "water", _("water")
    CLIMATE = "climate", _("climate")
    BIODIVERSITY = "biodiversity", _("biodiversity")
    CONFLICT = "conflict", _("conflict and security")
    CORRUPTION = "corruption", _("corruption")


class ChainStage(models.TextChoices):
    MINING = "mining", _("mining")
    SMELTING_REFINING = "smelting_refining", _("smelting and refining")
    TRADE = "trade", _("trade")
    MANUFACTURING = "manufacturing", _("manufacturing")
    RECYCLING = "recycling", _("recycling")
    OWN_OPERATIONS = "own_operations", _("own operations")
