"""Gallery pages: an index of components and states, and one state rendered by its component's template."""

from __future__ import annotations

from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_GET

from apps.staff_console.gallery.registry import COMPONENTS


@require_GET
def gallery(request: HttpRequest) -> HttpResponse:
    return render(request, "staff_console/gallery/index.html", {"components": COMPONENTS.values()})


@require_GET
def component_state(request: HttpRequest, component: str, state: str) -> HttpResponse:
    found = COMPONENTS.get(component)
    if found is None or state not in found.states:
        raise Http404("No such component or state.")
    context = found.states[state]()
    response = render(request, context.pop("gallery_template", found.template), context)
    response["X-Robots-Tag"] = "noindex"
    return response
