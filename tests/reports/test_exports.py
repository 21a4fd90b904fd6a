"""Exports: CSV and PDF carry the page's figures (the PDF read back with pypdf), CSV cells cannot run as formulas,
the whole ledger streams as a zip, and a VAT return's PDF carries HMRC's receipt."""

from __future__ import annotations

import csv
import hashlib
import io
import zipfile
from datetime import date, datetime
from decimal import Decimal

import pytest
from django.http import StreamingHttpResponse
from django.urls import reverse
from django.utils import timezone
from pypdf import PdfReader

from apps.filing import calculation
from apps.filing.domain import ReturnStatus
from apps.filing.models import VatReturn, VatSettings
from apps.filing.services.returns import fingerprint, send_for_approval
from apps.ledger.services.journal import LineSpec
from apps.ledger.services.posting import post_manual_entry
from apps.reports.exports import ledger_zip as ledger_zip_module
from apps.reports.exports.csv_rows import csv_lines, safe_cell
from apps.tenancy.context import tenant_context

pytestmark = pytest.mark.django_db

Q1 = {"date_from": "2025-01-01", "date_to": "2025-03-31"}
D = Decimal


def url(name, tenant, **kwargs):
    return reverse(f"reports:{name}", kwargs={"tenant_slug": tenant.slug, **kwargs})


def body(response) -> bytes:
    return b"".join(response.streaming_content) if isinstance(response, StreamingHttpResponse) else response.content


def pdf_text(data: bytes) -> str:
    return "\n".join(page.extract_text() for page in PdfReader(io.BytesIO(data)).pages)


def csv_rows(data: bytes) -> list[list[str]]:
    return list(csv.reader(io.StringIO(data.decode("utf-8"))))


class TestFormulaInjection:
    @pytest.mark.parametrize("text", ['=HYPERLINK("http://x")', "+1+1", "-2+3", "@SUM(A1)", "\tx", "\rx"])
    def test_text_that_a_spreadsheet_would_run_is_prefixed(self, text):
        assert safe_cell(text) == "'" + text

    def test_numbers_dates_and_plain_text_are_left_as_they_are(self):
        assert safe_cell(D("-12.50")) == D("-12.50")
        assert safe_cell(3) == 3
        assert safe_cell(date(2025, 1, 2)) == "2025-01-02"
        assert safe_cell("Viking Direct") == "Viking Direct"
        assert safe_cell(None) == ""

    def test_a_journal_description_with_a_formula_reaches_the_ledger_export_as_text(
        self, viewer_client, tenant_with_books
    ):
        tenant = tenant_with_books.tenant
        with tenant_context(tenant):
            post_manual_entry(
                entry_date=date(2025, 3, 1), description="=cmd|' /C calc'!A0", actor=tenant_with_books.owner,
                lines=[LineSpec("404", debit=D("5.00"), description="@SUM(1+1)"), LineSpec("090", credit=D("5.00"))],
            )  # fmt: skip
        archive = zipfile.ZipFile(io.BytesIO(body(viewer_client.get(url("ledger-export", tenant)))))
        rows = csv_rows(archive.read("journal_lines.csv"))
        charge = next(r for r in rows if r[5] == "404")
        assert charge[3] == "'=cmd|' /C calc'!A0" and charge[11] == "'@SUM(1+1)"
        assert all(not cell.startswith(("=", "+", "@")) for row in rows for cell in row)


class TestReportExports:
    def test_profit_and_loss_csv_and_pdf_carry_the_figures(self, viewer_client, tenant_with_books):
        tenant = tenant_with_books.tenant
        response = viewer_client.get(url("profit-and-loss", tenant), {**Q1, "export": "csv"})
        assert response["Content-Type"].startswith("text/csv")
        assert 'filename="profit-and-loss-2025-01-01-2025-03-31.csv"' in response["Content-Disposition"]
        rows = csv_rows(body(response))
        assert rows[0] == ["Code", "Account", "This period", "Previous period", "Change"]
        assert ["", "Net profit", "10000.00", "0.00", "10000.00"] in rows
        assert ["200", "Sales", "14500.00", "0.00", "14500.00"] in rows
        pdf = viewer_client.get(url("profit-and-loss", tenant), {**Q1, "export": "pdf"})
        assert pdf["Content-Type"] == "application/pdf"
        text = pdf_text(body(pdf))
        assert "Profit and loss" in text and "£14,500.00" in text and "£4,500.00" in text and "£10,000.00" in text

    def test_balance_sheet_trial_balance_and_aged_exports(self, viewer_client, tenant_with_books):
        tenant = tenant_with_books.tenant
        sheet = csv_rows(body(viewer_client.get(url("balance-sheet", tenant), {**Q1, "export": "csv"})))
        assert ["", "Total assets", "17350.00", "0.00", "17350.00"] in sheet
        assert ["", "Liabilities and equity", "17350.00", "0.00", "17350.00"] in sheet
        text = pdf_text(body(viewer_client.get(url("balance-sheet", tenant), {**Q1, "export": "pdf"})))
        assert "£17,350.00" in text and "Balanced" in text
        trial = csv_rows(body(viewer_client.get(url("trial-balance", tenant), {"export": "csv"})))
        assert trial[-1][:4] == ["", "Totals", "21850.00", "21850.00"]
        assert "£21,850.00" in pdf_text(body(viewer_client.get(url("trial-balance", tenant), {"export": "pdf"})))
        aged = csv_rows(body(viewer_client.get(url("aged", tenant, kind="payables"),
                                               {"as_of": "2025-03-31", "export": "csv"})))  # fmt: skip
        assert ["", "", "Total", "", "5300.00", "", ""] in aged
        assert "£5,300.00" in pdf_text(body(viewer_client.get(url("aged", tenant, kind="payables"),
                                                              {"as_of": "2025-03-31", "export": "pdf"})))  # fmt: skip


class TestVatExports:
    def test_the_vat_detail_csv_lists_every_line_and_adds_up_to_the_boxes(self, viewer_client, tenant_with_books):
        tenant, q1 = tenant_with_books.tenant, tenant_with_books.q1
        rows = csv_rows(body(viewer_client.get(url("vat-detail", tenant, period_key=q1.period_key), {"export": "csv"})))
        by_box: dict[str, Decimal] = {}
        for row in rows[1:]:
            by_box[row[0]] = by_box.get(row[0], D("0")) + D(row[7])
        assert by_box == {"1": D("2050.00"), "4": D("800.00"), "6": D("14500.00"), "7": D("4500.00")}
        text = pdf_text(body(viewer_client.get(url("vat-detail", tenant, period_key=q1.period_key), {"export": "pdf"})))
        assert "VAT detail" in text and "£10,000.00" in text

    def test_a_submitted_return_pdf_carries_hmrcs_receipt(self, viewer_client, tenant_with_books):
        tenant, q1 = tenant_with_books.tenant, tenant_with_books.q1
        with tenant_context(tenant):
            settings = VatSettings.objects.first()
            boxes = calculation.figures_for(q1, None, settings).boxes
            vat_return = send_for_approval(obligation=q1, actor=tenant_with_books.owner,
                                           expected_fingerprint=fingerprint(boxes))  # fmt: skip
            VatReturn.objects.filter(pk=vat_return.pk).update(
                status=ReturnStatus.SUBMITTED, form_bundle_number="123456789012", charge_ref_number="XQ002610151786",
                processing_date=timezone.make_aware(datetime(2025, 4, 20, 10, 30)), payment_indicator="DD",
            )  # fmt: skip
        response = viewer_client.get(url("vat-return-pdf", tenant, period_key=q1.period_key))
        assert response.status_code == 200 and response["Content-Type"] == "application/pdf"
        text = pdf_text(body(response))
        assert "123456789012" in text and "XQ002610151786" in text and "20 April 2025" in text
        assert "£2,050.00" in text and "£1,250.00" in text and "Submitted" in text

    def test_a_draft_return_pdf_says_there_is_no_receipt(self, viewer_client, tenant_with_books):
        tenant, q1 = tenant_with_books.tenant, tenant_with_books.q1
        text = pdf_text(body(viewer_client.get(url("vat-return-pdf", tenant, period_key=q1.period_key))))
        assert "no receipt" in text and "£1,250.00" in text
        assert viewer_client.get(url("vat-return-pdf", tenant, period_key="ZZZZ")).status_code == 404


class TestLedgerZip:
    def test_the_zip_holds_accounts_lines_and_documents(self, viewer_client, tenant_with_books):
        response = viewer_client.get(url("ledger-export", tenant_with_books.tenant))
        assert isinstance(response, StreamingHttpResponse) and response["Content-Type"] == "application/zip"
        archive = zipfile.ZipFile(io.BytesIO(body(response)))
        assert archive.namelist() == ["accounts.csv", "journal_lines.csv", "documents.csv"]
        lines = csv_rows(archive.read("journal_lines.csv"))
        assert len(lines) == 1 + 17  # the worked example's seven entries: 17 lines
        assert sum(D(r[7]) for r in lines[1:]) == sum(D(r[8]) for r in lines[1:]) == D("21850.00")
        assert csv_rows(archive.read("accounts.csv"))[1][:2] == ["090", "Business current account"]

    def test_it_is_written_as_it_streams_never_whole(self, tenant_with_books, monkeypatch):
        """Many rows go out in several pieces, each well under the whole archive (no list of the ledger)."""
        monkeypatch.setattr(ledger_zip_module, "FLUSH_EVERY", 100)
        rows = ([n, hashlib.sha256(str(n).encode()).hexdigest(), D("1.00")] for n in range(20000))
        big = [("big.csv", ["n", "text", "amount"], lambda tenant_id: rows)]
        pieces = list(ledger_zip_module.ledger_zip(tenant_with_books.tenant.pk, big))
        data = b"".join(pieces)
        assert len([p for p in pieces if p]) > 10
        assert max(len(p) for p in pieces) < len(data) / 5
        assert zipfile.ZipFile(io.BytesIO(data)).read("big.csv").decode().count("\n") == 20001

    def test_csv_lines_go_out_one_at_a_time(self):
        lines = csv_lines(["a"], ([n] for n in range(3)))
        assert next(lines) == "a\r\n" and list(lines) == ["0\r\n", "1\r\n", "2\r\n"]


def test_ledger_lines_in_small_chunks_are_every_line_once(tenant_with_books, monkeypatch):
    tenant = tenant_with_books.tenant
    whole = list(ledger_zip_module.journal_line_rows(tenant.pk))
    monkeypatch.setattr(ledger_zip_module, "CHUNK", 2)
    assert list(ledger_zip_module.journal_line_rows(tenant.pk)) == whole
    assert len(whole) == 17 and len({(r[0], r[4]) for r in whole}) == 17
