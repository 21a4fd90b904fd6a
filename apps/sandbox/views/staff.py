"""The sandbox's staff page: what the sandboxes know and the fault switches (staff with 2FA only)."""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps

from django.contrib import messages
from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_http_methods

from apps.audit.services import record_event
from apps.sandbox import fixtures, selectors
from apps.sandbox.forms import FaultForm
from apps.sandbox.models import Fault, TestOrganisation
from apps.sandbox.services import faults


def staff_required(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
    """As the staff console: staff with a 2FA-verified session; others 403, anonymous to the login page."""

    @wraps(view)
    def wrapper(request: HttpRequest, *args, **kwargs) -> HttpResponse:
        if not request.user.is_authenticated:
            return redirect_to_login(request.get_full_path())
        if not (request.user.is_staff and request.user.is_verified()):
            raise PermissionDenied(
                "The sandbox controls are for Strongroom staff signed in with two-factor authentication."
            )
        return view(request, *args, **kwargs)

    return wrapper


@staff_required
@require_http_methods(["GET", "POST"])
def index(request: HttpRequest) -> HttpResponse:
    form = FaultForm(request.POST or None)
    if request.method == "POST":
        if form.is_valid():
            data = form.cleaned_data
            service = data.pop("service")
            before = faults.current_faults(service)
            faults.set_fault(service, **data, updated_by=request.user.email)
            record_event(
                "sandbox.fault.set",
                actor=request.user,
                target_type="sandbox.fault",
                target_id=service,
                before=before.__dict__,
                after=data,
            )
            messages.success(request, f"Faults for {Fault.Service(service).label} updated.")
            return redirect("sandbox:index")
        status = 400
    else:
        status = 200
    context = {
        "form": form,
        "faults": [(Fault.Service(s).label, s, state) for s, state in faults.all_faults().items()],
        "companies": selectors.companies(),
        "organisations": TestOrganisation.objects.order_by("vrn")[:50],
        "demo_vrn": fixtures.DEMO_VRN,
        "other_vrn": fixtures.OTHER_VRN,
        "accounts": selectors.bank_accounts(),
    }
    return render(request, "sandbox/index.html", context, status=status)
