"""`{{ message|translated }}`: a message stored with an upload, in the viewer's language."""

from __future__ import annotations

from django import template

from covenant.screening.engine import fill_message

register = template.Library()


@register.filter
def translated(message: dict | str | None) -> str:
    """A stored {"message": template, "params": {...}} translated into the active language
    and filled in; a plain string (as older uploads stored it) as it is."""
    if isinstance(message, dict):
        return fill_message(message["message"], message.get("params"), translate=True)
    return message or ""
