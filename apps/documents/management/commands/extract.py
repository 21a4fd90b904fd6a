"""manage.py extract FILE [--json] [--own-name NAME ...]: read one document and print what was extracted.

The JSON is a contract (an unseen set is scored with it): the keys
``supplier_name``, ``supplier_vat_number``, ``document_number``, ``issue_date``,
``net``, ``vat``, ``gross`` (each ``{"value", "confidence"}``, the confidence
calibrated: decision 0032) and ``lines`` stay as they are
(tests/documents/extraction/test_extract_contract.py). Beside them:
``raw_confidence`` (the parser's, before calibration) and ``review`` (whether
the review gate would post it unchecked, with the default rules, and why not).

Runs the same validation and reader as an upload, without the database (no
models, no migrations, no system checks), so it works on a fresh checkout and
on a worker box while debugging a document. A file we would reject, or
cannot read, ends with CommandError (exit code 1) and the reason in words.
"""

from __future__ import annotations

import json
from pathlib import Path

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone
from stdnum.gb import vat as gb_vat

from apps.documents.extraction import calibration
from apps.documents.extraction.errors import OcrUnavailable, ReadError
from apps.documents.extraction.money import format_money
from apps.documents.extraction.ocr import DEFAULT_TIMEOUT
from apps.documents.extraction.reader import read_document
from apps.documents.validation import UploadInfo, UploadRejected, inspect_upload
from apps.ledger.extraction import EXEMPT_RATE, Extraction
from apps.ledger.rules_engine import LEDGER_FIELDS, classify
from apps.ledger.services.rules import confidence_threshold

KINDS = {"application/pdf": "PDF", "image/png": "PNG image", "image/jpeg": "JPEG image", "image/tiff": "TIFF image"}


class Command(BaseCommand):
    help = "Read one document (PDF, PNG, JPEG or TIFF) and print the extracted fields. Uses no database."
    requires_system_checks: list[str] = []
    requires_migrations_checks = False

    def add_arguments(self, parser) -> None:
        parser.add_argument("file", help="Path of the document to read.")
        parser.add_argument("--json", action="store_true", dest="as_json", help="Print the full result as JSON.")
        parser.add_argument(
            "--own-name",
            action="append",
            default=[],
            dest="own_names",
            metavar="NAME",
            help="A name of the business itself (repeatable): a document it issued is a sales invoice.",
        )
        parser.add_argument(
            "--own-vat-number",
            action="append",
            default=[],
            dest="own_vat_numbers",
            metavar="NUMBER",
            help="The business's own VAT number (repeatable): never taken for the supplier's.",
        )
        parser.add_argument(
            "--ocr-timeout", type=int, default=DEFAULT_TIMEOUT, help="Seconds of OCR allowed per page (default 60)."
        )

    def handle(self, *args, file: str, as_json: bool = False, own_names: list[str] | None = None,
               own_vat_numbers: list[str] | None = None, **options) -> None:  # fmt: skip
        path = Path(file)
        try:
            content = path.read_bytes()
        except OSError as exc:
            raise CommandError(f"Cannot read {file}: {exc.strerror or exc}.") from exc
        try:
            info = inspect_upload(content)
        except UploadRejected as exc:
            raise CommandError(exc.reason) from exc
        try:
            result = read_document(
                content,
                info.content_type,
                max_pages=settings.DOCUMENT_MAX_PAGES,
                own_names=own_names or [],
                own_vat_numbers=own_vat_numbers or [],
                ocr_timeout=options.get("ocr_timeout") or DEFAULT_TIMEOUT,
                received_on=timezone.localdate(),
            )
        except ReadError as exc:
            raise CommandError(exc.message) from exc
        except OcrUnavailable as exc:
            raise CommandError(f"OCR is not available here: {exc}.") from exc
        if as_json:
            data = result.to_json(with_pages=True)
            data["raw_confidence"] = dict(result.raw_confidences)
            data["review"] = review(result, own_vat_numbers or [])
            self.stdout.write(json.dumps(data, indent=2, ensure_ascii=False))
        else:
            gate = review(result, own_vat_numbers or [])
            verdict = "would post unchecked (default rules)" if gate["auto_post"] else "needs review"
            said = [f"  Review:           {verdict}"]
            said += [f"    - {reason}" for reason in gate["reasons"]]
            self.stdout.write(describe(result, info, path.name) + "\n" + "\n".join(said))


def review(result: Extraction, own_vat_numbers: list[str]) -> dict:
    """What the review gate would do with this reading: the default rules, the configured and fitted thresholds."""
    thresholds = calibration.field_thresholds()
    tenant = confidence_threshold()
    decision = classify(result, tenant_rules=[], threshold=tenant, own_vat_numbers=own_vat_numbers,
                        field_thresholds=thresholds)  # fmt: skip
    return {
        "auto_post": not decision.needs_review,
        "reasons": list(decision.reasons),
        "tenant_threshold": tenant,
        "field_thresholds": {name: max(tenant, thresholds.get(name, 0.0)) for name, _ in LEDGER_FIELDS},
        "account_code": decision.account_code,
        "vat_treatment": decision.vat_treatment,
        "calibrated": bool(calibration.current_table().fields),
    }


def _vat(number: str | None) -> str | None:
    return f"GB {gb_vat.format(number)}" if number else None


def _rate(rate) -> str:
    if rate is None:
        return "-"
    return "exempt" if rate == EXEMPT_RATE else f"{rate:g}%"


def describe(result: Extraction, info: UploadInfo, name: str) -> str:
    """A readable summary: fields with their confidences, VAT by rate, lines, checks, pages."""
    currency = result.currency.value or "GBP"

    def money(value) -> str:
        return format_money(value, currency) if value is not None else "-"

    def row(label: str, item, shown: str | None = None) -> str:
        value = shown if shown is not None else ("-" if item.value is None else str(item.value))
        confidence = f"({item.confidence:.2f})" if item.present else ""
        return f"  {label:<18}{value:<40}{confidence}"

    pages = "page" if info.pages == 1 else "pages"
    out = [
        f"{name}: {KINDS.get(info.content_type, info.content_type)}, {info.pages} {pages}, sha256 {info.sha256[:16]}…"
    ]
    out += [
        row("Kind", result.kind, str(result.kind.value.value) if result.kind.present else None),
        row("Supplier", result.supplier_name),
        row("VAT number", result.supplier_vat_number, _vat(result.supplier_vat_number.value)),
        row("Customer", result.customer_name),
        row("Number", result.document_number),
        row(
            "Date",
            result.issue_date,
            result.issue_date.value.strftime("%d %B %Y") if result.issue_date.present else None,
        ),
        row("Currency", result.currency),
        row("Net", result.net, money(result.net.value)),
        row("VAT", result.vat, money(result.vat.value)),
        row("Total", result.gross, money(result.gross.value)),
    ]
    if result.vat_breakdown:
        out.append("  VAT by rate:")
        out += [f"    {_rate(b.rate):<8} net {money(b.net):>12}   VAT {money(b.vat):>10}" for b in result.vat_breakdown]
    if result.lines:
        out.append(f"  Lines ({len(result.lines)}):")
        for li in result.lines:
            qty = f"{li.quantity:g} × {money(li.unit_price)}" if li.quantity is not None else ""
            out.append(f"    {li.description[:44]:<44} {qty:>16} {money(li.net):>12}  {_rate(li.vat_rate)}")
    out.append("  Arithmetic:       " + ("adds up" if result.arithmetic_ok else "does NOT add up"))
    out += [f"  Warning: {w}" for w in result.warnings]
    for page in result.pages:
        method = "text layer" if page.method == "text_layer" else "OCR"
        out.append(f"  Page {page.number}: {method}, confidence {page.confidence:.2f}, {page.seconds:.2f} s")
    return "\n".join(out)
