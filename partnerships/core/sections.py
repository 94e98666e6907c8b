"""Sections a higher domain adds to a lower domain's page, so the page's own domain never
imports it: the agreements domain lists a partner's agreements on the partner page, and the
organisations and agreements domains list a region's partners and agreements on the region
page. A page asks for its slot in the template: `{{ sections("partner", partner=partner) }}`.

Each domain registers its renderers when its routes are imported (once per process; the same
name registered again replaces the earlier one, so building a second app changes nothing).
"""

from collections.abc import Callable

from markupsafe import Markup

Renderer = Callable[..., str]
_SLOTS: dict[str, dict[str, Renderer]] = {}


def register(slot: str, name: str, render: Renderer) -> None:
    """Add `render(**context)` to the page slot `slot`; sections show in registration order,
    which follows the domains' order (lower domains first)."""
    _SLOTS.setdefault(slot, {})[name] = render


def render(slot: str, **context) -> Markup:
    """The HTML of every section registered for `slot`, each rendered with `context`."""
    # Each section is the output of render_template, escaped there by Jinja's autoescape.
    html = "".join(render(**context) for render in _SLOTS.get(slot, {}).values())
    return Markup(html)  # noqa: S704 (already-rendered, autoescaped template output)
