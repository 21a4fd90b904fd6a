"""Which components the gallery shows, and their states. Adding a component is one ``register`` call."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

Context = dict


@dataclass(frozen=True)
class Component:
    slug: str
    title: str
    template: str  # the app's own template, rendered as its view does (a state may name another: gallery_template)
    description: str
    states: dict[str, Callable[[], Context]] = field(default_factory=dict)
    root: str = "main"  # CSS selector of what the visual suite compares


COMPONENTS: dict[str, Component] = {}


def register(component: Component) -> Component:
    COMPONENTS[component.slug] = component
    return component


def all_states() -> list[tuple[str, str]]:
    """(component slug, state name) for every state, in registration order."""
    return [(c.slug, state) for c in COMPONENTS.values() for state in c.states]


# The fixtures register the components (they import Component and register from above).
from apps.staff_console.gallery import fixtures  # noqa: E402, F401, I001
from apps.staff_console.gallery import filing_fixtures  # noqa: E402, F401
from apps.staff_console.gallery import onboarding_fixtures  # noqa: E402, F401
