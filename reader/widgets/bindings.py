"""Textual key bindings from the action registry (reader.actions)."""

from __future__ import annotations

from textual.binding import Binding, BindingType

from reader.actions import bound_on


def bindings(place: str) -> list[BindingType]:
    """The bindings of `place` (reader.actions.APP, MAIN, LIST, ABSTRACT or SIDEBAR), ids and all: settings.toml rebinds by id."""
    return [Binding(a.keys, a.run, a.label, show=bool(a.footer), id=a.id, priority=a.priority) for a in bound_on(place)]
