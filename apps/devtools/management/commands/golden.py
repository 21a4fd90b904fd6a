"""manage.py golden: the golden dataset through the real pipeline, compared field by field.

Each document goes through the same upload service and the same Celery task
the product uses (run in-process), for a throwaway tenant, inside one
transaction that is rolled back at the end and with files in a temporary
folder: a golden run leaves nothing behind. It exits non-zero when field
accuracy falls below golden/threshold.json, when any classification or
ledger posting differs from the expectation, when a bad input is not refused
with its reason, or when the trial balance of the set differs or does not
balance. ``--update`` deliberately rewrites the expectations from this run.

Both sets also report the seven ledger fields' accuracy, silent errors (wrong ledger fields on documents
posted without review) and the review rate (holdout.score). ``--holdout`` runs the held-out set instead
(holdout/, a second generator nobody tunes on) for its own tenant: it has no classification or posting
expectations, so it checks only that what posts balances and that a document expected in review is not
posted, and exits non-zero below holdout/threshold.json (overall and photo-like ledger accuracy, silent
errors). ``--json PATH`` writes the figures as JSON ("-" for stdout).
"""

from __future__ import annotations

import json
import logging
import tempfile
import time
import uuid
from collections import defaultdict
from datetime import date
from decimal import Decimal
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError
from django.db import transaction
from django.test.utils import override_settings

from apps.documents.models import Document, TaskRun
from apps.documents.services.upload import upload_document
from apps.documents.tasks import process_document
from apps.documents.validation import UploadRejected
from apps.filing.boxes import LedgerLine, compute_boxes
from apps.ledger.extraction import Extraction
from apps.ledger.models import JournalLine
from apps.ledger.services.accounts import seed_chart_of_accounts
from apps.tenancy.context import tenant_context
from apps.tenancy.models import Tenant

GOLDEN_VAT_NUMBER = "980780684"


class _Rollback(Exception):
    pass


def _postings(document: Document) -> list[dict[str, str]]:

    if not document.journal_entry_id:
        return []
    lines = JournalLine.objects.filter(entry_id=document.journal_entry_id).select_related("account")
    return sorted(
        ({"account": li.account.code, "debit": f"{li.debit:.2f}", "credit": f"{li.credit:.2f}"} for li in lines),
        key=lambda p: (p["account"], p["debit"], p["credit"]),
    )


def _sorted_postings(postings: list[dict[str, str]]) -> list[dict[str, str]]:
    return sorted(postings, key=lambda p: (p["account"], p["debit"], p["credit"]))


class Command(BaseCommand):
    help = "Run the golden dataset through the real pipeline and compare with the expectations."

    def add_arguments(self, parser) -> None:
        parser.add_argument("--update", action="store_true", help="Rewrite the expectations from this run.")
        parser.add_argument("--only", default="", help="Only the documents whose file name contains this.")
        parser.add_argument("--all-fields", action="store_true", help="Show every field, not only the wrong ones.")
        parser.add_argument("--holdout", action="store_true", help="Run the held-out set (holdout/) instead.")
        parser.add_argument("--json", default="", metavar="PATH", help='Write the figures as JSON ("-": stdout).')

    def handle(self, *args, update: bool = False, only: str = "", all_fields: bool = False, holdout: bool = False,
               json: str = "", **options) -> None:  # fmt: skip
        from golden.cases import load_cases, load_trial_balance, threshold

        self.holdout = holdout
        self.json_path = json
        self.outcomes: list = []
        if holdout:
            if update:
                raise CommandError("golden --holdout: the holdout's truth comes from its generator, never from a run")
            from holdout.cases import load_cases as load_holdout_cases

            cases = [c for c in load_holdout_cases() if only in c.file]
        else:
            cases = [c for c in load_cases() if only in c.file]
        self.problems: list[str] = []
        self.results: list = []
        self.actual_postings: dict[str, list[dict[str, str]]] = {}
        self.updates: dict[str, dict[str, Any]] = {}
        self.all_fields = all_fields
        started = time.monotonic()
        logging.getLogger("celery.app.trace").setLevel(logging.WARNING)  # one line per task drowns the diff
        with tempfile.TemporaryDirectory(prefix="golden-media-") as media, override_settings(MEDIA_ROOT=media):
            try:
                with transaction.atomic():
                    self._run(cases)
                    raise _Rollback
            except _Rollback:
                pass
        elapsed = time.monotonic() - started
        if holdout:
            self._report_holdout(cases, elapsed)
            return
        try:
            self._report(cases, only, load_trial_balance(), threshold(), elapsed)
        finally:
            if update:
                self._write_updates(cases)

    # --- running ------------------------------------------------------------

    def _run(self, cases) -> None:
        name, vat_number = "Hollybush Bakery Ltd", GOLDEN_VAT_NUMBER
        if self.holdout:
            from holdout.cases import load_tenant

            name, vat_number = load_tenant()["name"], load_tenant()["vat_number"]
        tenant = Tenant.objects.create(
            name=name, slug=f"golden-{uuid.uuid4().hex[:12]}", vat_number=vat_number, status=Tenant.Status.ACTIVE,
        )  # fmt: skip
        with tenant_context(tenant):
            seed_chart_of_accounts(tenant)
        uploaded: dict[str, Document] = {}
        for case in cases:
            if case.group == "bad_input":
                self._bad_input(tenant, case)
            elif case.group == "duplicate":
                self._duplicate(tenant, case, uploaded)
            else:
                uploaded[case.file] = self._good(tenant, case)
        with tenant_context(tenant):
            self.actual_vat = self._vat_return()

    @staticmethod
    def _vat_return() -> dict[str, str]:
        """The set's VAT return as the filing app computes it from the posted ledger (one period covering all)."""
        # The golden run exercises the whole pipeline, filing included: this command sits above the apps it drives.

        lines = [
            LedgerLine(li.pk, li.entry.date, li.account.code, li.account.type, li.account.vat_control,
                       li.vat_treatment, li.debit, li.credit)
            for li in JournalLine.objects.select_related("entry", "account")
        ]  # fmt: skip
        boxes = compute_boxes(lines, period_start=date.min).boxes
        return {name: str(value) for name, value in boxes.as_dict().items()}

    def _check_vat_return(self, expected: dict[str, str]) -> None:
        actual = getattr(self, "actual_vat", {})
        wrong = [
            f"{box}: expected {expected[box]}, actual {actual.get(box)}"
            for box in expected
            if actual.get(box) != expected[box]
        ]
        if wrong:
            self.problems.append("VAT return of the set differs:\n      " + "\n      ".join(wrong))

    def _bad_input(self, tenant: Tenant, case) -> None:
        expected = case.expected["expected_rejection"]
        try:
            upload_document(tenant=tenant, content=case.content(), filename=case.file, source=Document.Source.GOLDEN)
        except UploadRejected as exc:
            if expected not in exc.reason:
                self.problems.append(f"{case.file}: refused with “{exc.reason}”, expected “{expected}”")
            return
        self.problems.append(f"{case.file}: was accepted, expected a refusal (“{expected}”)")

    def _duplicate(self, tenant: Tenant, case, uploaded: dict[str, Document]) -> None:
        outcome = upload_document(tenant=tenant, content=case.content(), filename=case.file,
                                  source=Document.Source.GOLDEN)  # fmt: skip
        original = uploaded.get(case.expected["duplicate_of"])
        if outcome.duplicate_of is None or original is None or outcome.duplicate_of.pk != original.pk:
            self.problems.append(f"{case.file}: not recognised as a duplicate of {case.expected['duplicate_of']}")

    def _good(self, tenant: Tenant, case) -> Document:
        from golden.compare import compare_extraction

        outcome = upload_document(tenant=tenant, content=case.content(), filename=case.file,
                                  source=Document.Source.GOLDEN)  # fmt: skip
        document = outcome.document
        with tenant_context(tenant):
            run = TaskRun.objects.get(document=document)
        # The product's own task, in this process (its message would be sent on commit, which never comes).
        process_document.apply(
            kwargs={"tenant_id": str(tenant.pk), "document_id": str(document.pk), "run_id": str(run.pk)}
        )
        with tenant_context(tenant):
            document.refresh_from_db()
            postings = _postings(document)
            extraction = document.extraction  # encrypted at rest: opened inside the tenant's context
        self.actual_postings[case.file] = postings
        if extraction is None:
            self.problems.append(f"{case.file}: not read ({document.state}: {document.failure_reason})")
            if self.holdout:  # scored as every field wrong, not dropped from the denominator
                results = compare_extraction(case.expected["extraction"], Extraction(), document=case.file)
                self.results.extend(results)
                self._record(case, document, results)
            return document
        actual = Extraction.from_json(extraction)
        results = compare_extraction(case.expected["extraction"], actual, document=case.file)
        self.results.extend(results)
        self._record(case, document, results)
        if self.holdout:
            self._check_holdout(case, document, postings)
            return document
        self._check_ledger(case, document, postings)
        self.updates[case.file] = {
            "extraction": actual.to_json(with_confidence=False),
            "classification": {k: (document.classification or {}).get(k) for k in ("account_code", "vat_treatment")},
            "postings": postings,
        }
        return document

    def _record(self, case, document: Document, results: list) -> None:
        from holdout.score import Outcome

        reasons = tuple(document.review_reasons or [document.failure_reason or ""])
        about = case.expected.get("about") or {}
        photo = bool(case.expected.get("photo"))
        self.outcomes.append(
            Outcome(case.file, document.state, tuple(results), photo=photo, about=about, reasons=reasons)
        )

    def _check_holdout(self, case, document: Document, postings: list[dict[str, str]]) -> None:
        """No classification or posting truth here: what posts must balance; a review case must not post."""
        debit = sum((Decimal(p["debit"]) for p in postings), Decimal("0"))
        credit = sum((Decimal(p["credit"]) for p in postings), Decimal("0"))
        if debit != credit:
            self.problems.append(f"{case.file}: posted entry does not balance (Dr {debit} ≠ Cr {credit})")
        expected_state = case.expected.get("expected_state")
        if expected_state and document.state != expected_state:
            why = "; ".join(document.review_reasons or []) or document.failure_reason
            self.problems.append(f"{case.file}: ended {document.state}, expected {expected_state} ({why})")

    def _check_ledger(self, case, document: Document, postings: list[dict[str, str]]) -> None:
        expected_state = case.expected.get("expected_state", "posted")
        if document.state != expected_state:
            why = "; ".join(document.review_reasons or []) or document.failure_reason
            self.problems.append(f"{case.file}: ended {document.state}, expected {expected_state} ({why})")
        want = case.expected.get("classification") or {}
        got = document.classification or {}
        for key in ("account_code", "vat_treatment"):
            if want.get(key) != got.get(key):
                self.problems.append(
                    f"{case.file}: classification {key} is {got.get(key)!r}, expected {want.get(key)!r}"
                )
        expected_postings = _sorted_postings(case.expected.get("postings", [])) if expected_state == "posted" else []
        if postings != expected_postings:
            self.problems.append(
                f"{case.file}: postings differ\n      expected {self._show(expected_postings)}\n"
                f"      actual   {self._show(postings)}"
            )

    @staticmethod
    def _show(postings: list[dict[str, str]]) -> str:
        if not postings:
            return "(none)"
        return ", ".join(
            f"{p['account']} " + (f"Dr {p['debit']}" if Decimal(p["debit"]) else f"Cr {p['credit']}") for p in postings
        )

    # --- reporting ----------------------------------------------------------

    def _trial_balance(self) -> dict[str, tuple[Decimal, Decimal]]:
        totals: dict[str, list[Decimal]] = defaultdict(lambda: [Decimal("0.00"), Decimal("0.00")])
        for postings in self.actual_postings.values():
            for p in postings:
                totals[p["account"]][0] += Decimal(p["debit"])
                totals[p["account"]][1] += Decimal(p["credit"])
        return {code: (d, c) for code, (d, c) in sorted(totals.items())}

    def _check_trial_balance(self, expected: dict[str, Any]) -> None:
        actual = self._trial_balance()
        debit = sum((d for d, _ in actual.values()), Decimal("0"))
        credit = sum((c for _, c in actual.values()), Decimal("0"))
        if debit != credit:
            self.problems.append(f"trial balance does not balance: debits {debit} ≠ credits {credit}")
        want = {
            code: (Decimal(row["debit"]), Decimal(row["credit"]))
            for code, row in (expected.get("accounts") or {}).items()
        }
        if actual != want:
            diff = sorted(set(actual) | set(want))
            lines = [
                f"      {code}: expected Dr {want.get(code, (0, 0))[0]} Cr {want.get(code, (0, 0))[1]}, "
                f"actual Dr {actual.get(code, (0, 0))[0]} Cr {actual.get(code, (0, 0))[1]}"
                for code in diff
                if actual.get(code) != want.get(code)
            ]
            self.problems.append("trial balance of the set differs:\n" + "\n".join(lines))

    def _report(self, cases, only: str, expected_tb: dict[str, Any], minimum: float, elapsed: float) -> None:
        from golden.compare import render_diff, render_summary, summarise

        summary = summarise(self.results)
        diff = render_diff(self.results, only_wrong=not self.all_fields)
        if diff:
            self.stdout.write(diff)
        if not only:
            from golden.cases import load_vat_return

            self._check_trial_balance(expected_tb)
            self._check_vat_return(load_vat_return())
        self.stdout.write(render_summary(summary))
        self._write_scores("Golden")
        if getattr(self, "actual_vat", None):
            self.stdout.write("VAT return of the set: " + ", ".join(f"{k} {v}" for k, v in self.actual_vat.items()))
        groups = defaultdict(int)
        for case in cases:
            groups[case.group] += 1
        self.stdout.write(
            f"{len(cases)} documents ({', '.join(f'{n} {g}' for g, n in sorted(groups.items()))}) in {elapsed:.1f} s; "
            f"field accuracy {summary.accuracy:.1%} (threshold {minimum:.1%})"
        )
        for problem in self.problems:
            self.stdout.write(self.style.ERROR(f"  ✗ {problem}"))
        failed = []
        if self.results and summary.accuracy < minimum:
            failed.append(f"field accuracy {summary.accuracy:.1%} is below the threshold {minimum:.1%}")
        if self.problems:
            failed.append(f"{len(self.problems)} expectation(s) not met")
        if failed:
            raise CommandError("golden: " + "; ".join(failed))
        self.stdout.write(self.style.SUCCESS("golden: all expectations met"))

    def _write_scores(self, title: str, extra: dict[str, Any] | None = None) -> dict[str, Any]:
        """Ledger accuracy, silent errors and review rate (holdout.score); the JSON file when asked for."""
        from holdout.score import render, report

        self.stdout.write(render(self.outcomes, title))
        figures = {**report(self.outcomes), **(extra or {})}
        if self.json_path == "-":
            self.stdout.write(json.dumps(figures, indent=2))
        elif self.json_path:
            Path(self.json_path).write_text(json.dumps(figures, indent=2) + "\n")
        return figures

    def _report_holdout(self, cases, elapsed: float) -> None:
        from golden.compare import render_diff, render_summary, summarise
        from holdout.cases import thresholds

        summary = summarise(self.results)
        diff = render_diff(self.results, only_wrong=not self.all_fields)
        if diff:
            self.stdout.write(diff)
        self.stdout.write(render_summary(summary))
        limits = thresholds()
        figures = self._write_scores("Holdout", {"seconds": round(elapsed, 1), "thresholds": limits})
        photos = sum(bool(c.expected.get("photo")) for c in cases)
        self.stdout.write(
            f"{len(cases)} holdout documents ({len(cases) - photos} clean, {photos} photo-like) in {elapsed:.1f} s; "
            f"ledger field accuracy {figures['ledger_field_accuracy']:.1%} "
            f"(threshold {limits['ledger_field_accuracy']:.1%}), photo-like "
            f"{figures['photo_ledger_field_accuracy']:.1%} (threshold {limits['photo_ledger_field_accuracy']:.1%})"
        )
        for problem in self.problems:
            self.stdout.write(self.style.ERROR(f"  ✗ {problem}"))
        failed = []
        if self.outcomes and figures["ledger_field_accuracy"] < limits["ledger_field_accuracy"]:
            failed.append(f"ledger field accuracy {figures['ledger_field_accuracy']:.1%} is below the threshold "
                          f"{limits['ledger_field_accuracy']:.1%}")  # fmt: skip
        if photos and figures["photo_ledger_field_accuracy"] < limits["photo_ledger_field_accuracy"]:
            failed.append(f"photo-like ledger field accuracy {figures['photo_ledger_field_accuracy']:.1%} is below "
                          f"the threshold {limits['photo_ledger_field_accuracy']:.1%}")  # fmt: skip
        if figures["silent_errors"] > limits["silent_errors"]:
            failed.append(f"{figures['silent_errors']} silent error(s) (threshold {limits['silent_errors']:.0f})")
        if self.problems:
            failed.append(f"{len(self.problems)} expectation(s) not met")
        if failed:
            raise CommandError("golden --holdout: " + "; ".join(failed))
        self.stdout.write(self.style.SUCCESS("golden --holdout: all thresholds met"))

    def _write_updates(self, cases) -> None:
        from golden.cases import GOLDEN_DIR

        for case in cases:
            if case.file not in self.updates:
                continue
            path = Path(GOLDEN_DIR) / "expected" / (Path(case.file).stem + ".json")
            data = json.loads(path.read_text())
            data.update(self.updates[case.file])
            path.write_text(json.dumps(data, indent=2, ensure_ascii=False) + "\n")
        self.stdout.write(self.style.WARNING(f"Rewrote {len(self.updates)} expectation files from this run."))
