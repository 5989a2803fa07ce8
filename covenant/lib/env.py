"""Typed readers of environment variables for settings.py."""

import os

from django.core.exceptions import ImproperlyConfigured

_TRUE = {"1", "true", "yes", "on"}
_FALSE = {"0", "false", "no", "off", ""}


def envbool(name: str, default: bool) -> bool:
    """Return the boolean in `name`, or `default` when it is unset."""
    value = os.environ.get(name)
    if value is None:
        return default
    if value.strip().lower() in _TRUE:
        return True
    if value.strip().lower() in _FALSE:
        return False
    raise ImproperlyConfigured(f"{name} must be one of true/false/1/0/yes/no, not {value!r}")


def envint(name: str, default: int) -> int:
    """Return the integer in `name`, or `default` when it is unset."""
    value = os.environ.get(name)
    if value is None or value == "":
        return default
    try:
        return int(value)
    except ValueError as exc:
        raise ImproperlyConfigured(f"{name} must be a whole number, not {value!r}") from exc


def envstr(name: str, default: str) -> str:
    """Return the string in `name`, or `default` when it is unset."""
    return os.environ.get(name, default)


def envlist(name: str, default: list[str]) -> list[str]:
    """Return the comma-separated list in `name`, or `default` when it is unset."""
    value = os.environ.get(name)
    if value is None:
        return default
    return [part.strip() for part in value.split(",") if part.strip()]
