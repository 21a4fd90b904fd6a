"""VAT pages of one business: the control tower, a period's return, approval. The middleware entered the tenant."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import BadRequest
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from apps.core.errors import ApplicationError
from apps.filing import calculation, figures, presenters, selectors
from apps.filing.errors import FilingError
from apps.filing.forms import ApproveForm, FiguresForm, ReturnToDraftForm, VatSettingsForm
from apps.filing.models import VatObligation
from apps.filing.presenters import BOX_LABELS, Viewer
from apps.filing.services import returns as return_services
from apps.filing.services.obligations import sync_obligations
from apps.filing.services.vat_settings import save_vat_settings
from apps.filing.tasks import refresh_period_financials
from apps.integrations.hmrc.initiator import BrowserFactsMissing, capture_user_context, user_initiated
from apps.permissions import check, refusal
from apps.permissions.decorators import permission_required_for


def _integration_message(exc: Exception) -> str:
    return getattr(exc, "message", "") or str(exc)


def _obligation_or_404(period_key: str) -> VatObligation:
    obligation = selectors.obligation_by_key(period_key)
    if obligation is None:
        raise Http404("No such VAT period.")
    return obligation


@require_GET
@permission_required_for("tenancy.view_business")
def control_tower(request: HttpRequest, tenant_slug: str) -> HttpResponse:
    context = {
        "rows": selectors.control_tower_rows(),
        "todos": calculation.document_todos(),
        "settings": selectors.vat_settings_for(request.tenant),
        "can_prepare": check(request.user, "filing.prepare_return", request.tenant),
        "can_change_settings": check(request.user, "filing.change_settings", request.tenant),
    }
    return render(request, "filing/control_tower.html", context)


@require_POST
@permission_required_for("filing.prepare_return")
def sync(request: HttpRequest, tenant_slug: str) -> HttpResponse:
    try:
        found = sync_obligations(tenant=request.tenant, initiator=user_initiated(request), actor=request.user)
    except ApplicationError as exc:  # any refusal, HMRC's or ours: said on the page it came from
        messages.error(request, f"Could not read your VAT periods from HMRC: {exc.message}")
        return redirect("filing:home", tenant_slug=tenant_slug)
    messages.success(request, f"Read {len(found)} VAT period(s) from HMRC.")
    return redirect("filing:home", tenant_slug=tenant_slug)


def _period_context(request: HttpRequest, obligation: VatObligation, **forms) -> dict:
    viewer = Viewer(
        request.user.pk,
        check(request.user, "filing.prepare_return", request.tenant),
        check(request.user, "filing.approve_return", request.tenant),
    )
    page = presenters.period_page(obligation, tenant=request.tenant, viewer=viewer)
    return {
        **page,
        "approve_refusal": refusal(request.user, "filing.approve_return", request.tenant),
        "approve_form": forms.get("approve_form") or ApproveForm(initial={"fingerprint": page["fingerprint"]}),
        "prepare_form": FiguresForm(initial={"fingerprint": page["fingerprint"]}),
        "draft_form": ReturnToDraftForm(),
    }


@require_GET
@permission_required_for("tenancy.view_business")
def period(request: HttpRequest, tenant_slug: str, period_key: str) -> HttpResponse:
    obligation = _obligation_or_404(period_key)
    return render(request, "filing/period.html", _period_context(request, obligation))


@require_GET
@permission_required_for("tenancy.view_business")
def box_lines(request: HttpRequest, tenant_slug: str, period_key: str, box: int) -> HttpResponse:
    """One page of the lines behind a box (keyset on date, journal number, position; decision 0034)."""
    if box not in BOX_LABELS:
        raise Http404("There are nine boxes on a VAT return.")
    obligation = _obligation_or_404(period_key)
    after = None
    if request.GET.get("after"):
        try:
            after = figures.Cursor.decode(request.GET["after"])
        except ValueError:
            raise BadRequest("That page of the drill-down does not exist: start again from the first page.") from None
    settings = selectors.vat_settings_for(request.tenant)
    vat_return = selectors.return_for(obligation)
    period = figures.period_figures(obligation, vat_return, settings)
    page = figures.box_page(obligation, vat_return, settings, box, after=after)
    context = {
        "obligation": obligation,
        "box": box,
        "label": BOX_LABELS[box],
        "value": getattr(period.boxes, f"box{box}"),
        "count": period.counts.get(box, 0),
        "lines": page.rows,
        "next_cursor": page.next_cursor,
        "paged": after is not None,
        "frozen": period.frozen,
    }
    return render(request, "filing/box_lines.html", context)


def _refused(request: HttpRequest, obligation: VatObligation, exc: FilingError) -> HttpResponse:
    """The period page again, with why the action was refused (409: the return's state said no)."""
    context = {**_period_context(request, obligation), "action_error": str(exc)}
    return render(request, "filing/period.html", context, status=409)


def _back(tenant_slug: str, obligation: VatObligation) -> HttpResponse:
    return redirect(reverse("filing:period", kwargs={"tenant_slug": tenant_slug, "period_key": obligation.period_key}))


@require_POST
@permission_required_for("filing.prepare_return")
def send_for_approval(request: HttpRequest, tenant_slug: str, period_key: str) -> HttpResponse:
    obligation = _obligation_or_404(period_key)
    form = FiguresForm(request.POST)
    if not form.is_valid():
        messages.error(request, "The form was incomplete: reload the page and try again.")
        return _back(tenant_slug, obligation)
    try:
        return_services.send_for_approval(
            obligation=obligation, actor=request.user, expected_fingerprint=form.cleaned_data["fingerprint"]
        )
    except FilingError as exc:
        return _refused(request, obligation, exc)
    messages.success(request, "The figures are frozen and waiting for approval.")
    return _back(tenant_slug, obligation)


@require_POST
@permission_required_for("filing.approve_return")
def approve(request: HttpRequest, tenant_slug: str, period_key: str) -> HttpResponse:
    obligation = _obligation_or_404(period_key)
    form = ApproveForm(request.POST)
    if form.is_valid():
        try:
            # The submission is sent later by a worker, on this person's behalf: with this device's facts.
            fraud_context = capture_user_context(request)
        except BrowserFactsMissing as exc:
            form.add_error(None, exc.message)
    if not form.is_valid():
        context = _period_context(request, obligation, approve_form=form)
        return render(request, "filing/period.html", context, status=400)
    try:
        approved = return_services.approve_return(
            obligation=obligation,
            actor=request.user,
            declaration=form.cleaned_data["declaration"],
            expected_fingerprint=form.cleaned_data["fingerprint"],
            fraud_context=fraud_context,
        )
    except FilingError as exc:
        return _refused(request, obligation, exc)
    # From the state now, not "being sent": the embedded mode sends it during this request.
    approved.refresh_from_db()
    level, text = selectors.sending_outcome(approved)
    getattr(messages, level)(request, text)
    return _back(tenant_slug, obligation)


@require_POST
@permission_required_for("filing.prepare_return")
def return_to_draft(request: HttpRequest, tenant_slug: str, period_key: str) -> HttpResponse:
    obligation = _obligation_or_404(period_key)
    vat_return = selectors.return_for(obligation)
    form = ReturnToDraftForm(request.POST)
    if vat_return is None or not form.is_valid():
        raise Http404("No return to send back to draft.")
    try:
        return_services.return_to_draft(vat_return=vat_return, actor=request.user, reason=form.cleaned_data["reason"])
    except FilingError as exc:
        return _refused(request, obligation, exc)
    messages.success(request, "The return is a draft again: its figures follow the ledger until you freeze them.")
    return _back(tenant_slug, obligation)


@require_POST
@permission_required_for("filing.submit_return")
def retry(request: HttpRequest, tenant_slug: str, period_key: str) -> HttpResponse:
    obligation = _obligation_or_404(period_key)
    vat_return = selectors.return_for(obligation)
    if vat_return is None:
        raise Http404("No return to send.")
    try:
        return_services.retry_submission(vat_return=vat_return, actor=request.user)
    except FilingError as exc:
        return _refused(request, obligation, exc)
    vat_return.refresh_from_db()
    level, text = selectors.sending_outcome(vat_return)
    getattr(messages, level)(request, text)
    return _back(tenant_slug, obligation)


@require_GET
@permission_required_for("tenancy.view_business")
def financials(request: HttpRequest, tenant_slug: str, period_key: str) -> HttpResponse:
    """Liabilities and payments HMRC holds for the period (an htmx fragment): from the cache, refreshed by a worker.

    The read a person triggers stays theirs: their fraud-prevention context is
    captured here and travels with the task (decision 0008).
    """
    obligation = _obligation_or_404(period_key)

    def refresh() -> None:
        refresh_period_financials.apply_async(kwargs={
            "tenant_id": str(request.tenant.pk), "obligation_id": str(obligation.pk),
            "fraud_context": capture_user_context(request)})  # fmt: skip

    try:
        poll = max(0, int(request.GET.get("poll", "0")))
    except ValueError:
        poll = 0
    context = presenters.financials_fragment(obligation, refresh=refresh, poll=poll)
    return render(request, "filing/_financials.html", context)


@require_http_methods(["GET", "POST"])
@permission_required_for({"GET": "tenancy.view_business", "POST": "filing.change_settings"})
def vat_settings(request: HttpRequest, tenant_slug: str) -> HttpResponse:
    current = selectors.vat_settings_for(request.tenant)
    allowed = check(request.user, "filing.change_settings", request.tenant)
    if request.method == "POST":
        form = VatSettingsForm(request.POST)
        if form.is_valid():
            try:
                save_vat_settings(tenant=request.tenant, actor=request.user, **form.cleaned_data)
            except FilingError as exc:
                form.add_error(None, str(exc))
            else:
                messages.success(request, "VAT settings saved.")
                return redirect("filing:home", tenant_slug=tenant_slug)
        return render(request, "filing/settings.html", {"form": form, "allowed": allowed}, status=400)
    initial = (
        {
            "scheme": current.scheme,
            "stagger": current.stagger,
            "first_period_start": current.first_period_start,
            "four_eyes": current.four_eyes,
        }
        if current
        else {}
    )
    return render(request, "filing/settings.html", {"form": VatSettingsForm(initial=initial), "allowed": allowed})
