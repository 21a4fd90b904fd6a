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

pytestmark = pytest.mark.django_db(transaction=True)

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


def test_concurrent_pdf_page_images_all_render_and_the_server_survives(
    live_server, tenant_a, bookkeeper_a, no_processing
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

    assert [status for status, _ in answers] == [200] * len(urls)
    assert all(Image.open(io.BytesIO(body)).format == "PNG" for _, body in answers)
    status, _ = _get(f"{base}/", cookie)
    assert status == 200  # still alive
