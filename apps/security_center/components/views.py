"""Gallery pages: an index of components and states, and one state rendered by its component's template."""

from __future__ import annotations

from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_GET

from apps.security_center.components.registry import COMPONENTS
from apps.security_center.views import staff_required


@staff_required
@require_GET
def gallery(request: HttpRequest) -> HttpResponse:
    return render(request, "security_center/components/index.html", {"components": COMPONENTS.values()})


@staff_required
@require_GET
def component_state(request: HttpRequest, component: str, state: str) -> HttpResponse:
    found = COMPONENTS.get(component)
    if found is None or state not in found.states:
        raise Http404("No such component or state.")
    context = found.states[state]()
    response = render(request, context.pop("gallery_template", found.template), context)
    response["X-Robots-Tag"] = "noindex"
    return response
