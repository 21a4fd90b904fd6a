"""Page images of PDFs from many threads at once, against a real threaded server.

PDFium is not thread-safe: before every call went through one lock
(apps/documents/pdfium.py), a dozen concurrent page-image requests killed the
server process with a segfault inside libpdfium.
"""

from __future__ import annotations

import io
import urllib.error
import urllib.request
from concurrent.futures import ThreadPoolExecutor

import pytest
from django.test import Client
from PIL import Image

from apps.documents.services.upload import upload_document
from tests.documents.samples import pdf_bytes

THREADS = 16
ROUNDS = 3


@pytest.fixture
def no_processing(monkeypatch):
    from apps.documents.services import upload as upload_service

    monkeypatch.setattr(upload_service, "enqueue_processing", lambda run: None)


def _busy_pdf(seed: int, pages: int) -> bytes:
    lines = [f"Fictitious Hardware Ltd {seed} line {n} " + "£12.50 " * 8 for n in range(45)]
    return pdf_bytes(lines, pages=pages)


def _get(url: str, cookie: str) -> tuple[int, bytes]:
    request = urllib.request.Request(url, headers={"Cookie": cookie})
    try:
        with urllib.request.urlopen(request, timeout=60) as response:
            return response.status, response.read()
    except urllib.error.HTTPError as exc:
        return exc.code, exc.read()


def test_pdf_pages_rendered_from_many_threads_at_once_all_come_out():
    """The lock itself, without a server or a database (runs on SQLite too)."""
    from apps.documents.preview import render_page_png

    contents = [_busy_pdf(seed, 4) for seed in range(4)]
    jobs = [(content, page) for content in contents for page in range(1, 5)] * ROUNDS
    with ThreadPoolExecutor(max_workers=THREADS) as pool:
        pngs = list(pool.map(lambda job: render_page_png(job[0], "application/pdf", job[1]), jobs))
    assert {abs(Image.open(io.BytesIO(png)).size[0] - 1400) <= 2 for png in pngs} == {True}


@pytest.mark.postgres  # the live server's threads need their own connections: SQLite's in-memory one is shared
@pytest.mark.django_db(transaction=True)
def test_concurrent_pdf_page_images_all_render_and_the_server_survives(
    live_server, tenant_a, bookkeeper_a, no_processing, caplog
):
    documents = [
        upload_document(
            tenant=tenant_a, content=_busy_pdf(seed, 4), filename=f"{seed}.pdf", uploaded_by=bookkeeper_a
        ).document
        for seed in range(4)
    ]
    client = Client()
    client.force_login(bookkeeper_a)
    cookie = f"sessionid={client.cookies['sessionid'].value}"
    base = f"{live_server.url}/t/{tenant_a.slug}/documents"
    urls = [f"{base}/{d.pk}/pages/{page}.png" for d in documents for page in range(1, 5)] * ROUNDS

    with ThreadPoolExecutor(max_workers=THREADS) as pool:
        answers = list(pool.map(lambda u: _get(u, cookie), urls))

    errors = [r.getMessage() + str(r.exc_info and r.exc_info[1]) for r in caplog.records if r.levelname == "ERROR"]
    assert [status for status, _ in answers] == [200] * len(urls), errors
    assert all(Image.open(io.BytesIO(body)).format == "PNG" for _, body in answers)
    status, _ = _get(f"{base}/", cookie)
    assert status == 200  # still alive
