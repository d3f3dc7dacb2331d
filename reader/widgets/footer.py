"""The footer: the keys that fit, chosen by their rank in the action registry (reader.actions).

Textual's footer shows every key marked for it and cuts the row at the
screen's edge, so at 80 columns the keys a new user looks for (`/`, `e`, `o`,
`m`) fell off the end. This one leaves out the highest-ranked keys until the
rest fit, and fits again when the terminal is resized.
"""

from __future__ import annotations

from textual.app import ComposeResult
from textual.screen import Screen
from textual.widgets import Footer
from textual.widgets._footer import FooterKey

from reader.actions import footer_rank
from reader.text import fit

# Textual's command palette key, docked right: its binding has no id of ours.
_PALETTE_ID = "command-palette"


class FittedFooter(Footer):
    def __init__(self) -> None:
        super().__init__(compact=True)

    def compose(self) -> ComposeResult:
        if not self._bindings_ready:
            return
        app, active = self.app, self.screen.active_bindings
        keys: list[tuple[FooterKey, int]] = []
        actions: set[str] = set()
        for _, binding, enabled, tooltip in active.values():
            if binding.show and binding.action not in actions:  # one key per action, as Textual's
                actions.add(binding.action)
                key = FooterKey(
                    binding.key, app.get_key_display(binding), binding.description, binding.action,
                    disabled=not enabled, tooltip=tooltip,
                )  # fmt: skip
                keys.append((key.data_bind(compact=Footer.compact), footer_rank(binding.id or "")))
        palette = active.get(app.COMMAND_PALETTE_BINDING) if app.ENABLE_COMMAND_PALETTE else None
        if palette is not None:
            _, binding, enabled, tooltip = palette
            key = FooterKey(
                binding.key, app.get_key_display(binding), binding.description, binding.action,
                classes="-command-palette", disabled=not enabled, tooltip=binding.tooltip or binding.description,
            )  # fmt: skip
            keys.append((key, footer_rank(_PALETTE_ID)))
        widths = [(_width(key), rank) for key, rank in keys]
        for index in fit(widths, self.size.width or app.size.width):
            yield keys[index][0]

    def bindings_changed(self, screen: Screen) -> None:
        self._bindings_ready = True
        if screen.app.app_focus and self.is_attached and screen is self.screen:
            self.call_after_refresh(self._recompose_shown)

    def on_resize(self) -> None:
        self.call_after_refresh(self._recompose_shown)

    async def _recompose_shown(self) -> None:
        """Recompose, unless a dialog is over the screen: behind one the new keys are never
        laid out and the row shows blank. A palette command that opens a dialog does so
        as the screen gets focus back, and its footer is asked for then; it keeps its keys."""
        if self.screen.is_active:
            await self.recompose()


def _width(key: FooterKey) -> int:
    """Its columns in the compact footer: key, space, label, and the margin (or the palette key's border)."""
    return len(key.key_display) + 1 + len(key.description) + 1
