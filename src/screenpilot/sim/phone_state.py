"""``PhoneState``: what the simulated phone remembers between one input and the next."""

from __future__ import annotations

from dataclasses import dataclass, field

from PIL import Image

from screenpilot.sim.navigation import Dialog, Page
from screenpilot.sim.state import PhoneData


@dataclass
class PhoneState:
    """The phone's content and where its UI stands. Navigation, input and the apps change it;
    the screen is laid out from it, again whenever ``version`` moves."""

    data: PhoneData = field(default_factory=PhoneData)
    """Settings, contacts, messages, alarms, notes, browsing: what tasks check."""
    clock: str = "9:41"
    stack: list[Page] = field(default_factory=lambda: [Page("", "home")])
    """The back stack, home screen first; the last page is on screen."""
    dialog: Dialog | None = None
    fields: dict[str, str] = field(default_factory=dict)
    """Each text field's text, by field key (kept when its page is left)."""
    focus: str | None = None
    """The key of the field being typed into; the keyboard shows while there is one."""
    shifted: bool = False
    """The keyboard's shift: the next letter is a capital."""
    symbols: bool = False
    """The keyboard shows symbols instead of letters."""
    recents: list[str] = field(default_factory=list)
    """Recently launched apps' labels, most recent first."""
    snapshots: dict[str, Image.Image] = field(default_factory=dict, repr=False)
    """Each recent app's last screen, shown on its card in the recent-apps view."""
    version: int = 0
    """Counts changes; what was laid out, drawn or encoded for one version is reused."""

    @property
    def page(self) -> Page:
        """The page on screen."""
        return self.stack[-1]

    def changed(self) -> None:
        self.version += 1
