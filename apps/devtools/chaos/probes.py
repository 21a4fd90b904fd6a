"""Steady-state probes of the chaos experiments (called by ``chaos run`` through the python provider).

They read the stack's own database as its superuser (no row-level security:
the probe must see every business), its document store and its health
endpoints, and compare with what the load sent (``load.json``). The figures of
the last drain are written to ``figures.json`` for the runner:

* lost: an accepted upload with no document, or failed (the load's invoices all post); an approved
  return HMRC does not hold; a document or an approved return still moving when the drain timed out;
* duplicated: a document posted by two journal entries, a return with two accepted submissions or two
  returns at HMRC for one period;
* partial: a document whose stored file is missing;
* server_errors: uploads answered with a 500 or a dropped connection (a 503 is a clear refusal);
* drain_seconds: from the recovery (the last action's mark) to the moment everything was final.
"""

from __future__ import annotations

import json
import os
import sys
import time
from pathlib import Path

import psycopg
import requests

from apps.devtools.chaos.stack import WORKER_POOLS, StackState

IN_PIPELINE = ("received", "ocr", "extracted", "classified")
RETURN_PENDING = ("approved", "submitting")


def _home() -> Path:
    return Path(os.environ["STRONGROOM_CHAOS_HOME"])


def _load() -> dict:
    path = _home() / "load.json"
    return json.loads(path.read_text()) if path.exists() else {"tenants": [], "documents": [], "returns": []}


def _marks() -> dict:
    path = _home() / "marks.json"
    return json.loads(path.read_text()) if path.exists() else {}


def mark(name: str) -> None:
    """Note when something happened (``recovered`` starts the drain clock)."""
    marks = _marks()
    marks[name] = time.time()
    (_home() / "marks.json").write_text(json.dumps(marks))


def _query(sql: str, params: tuple = ()) -> list[tuple]:
    state = StackState.load(_home())
    with psycopg.connect(state.dsn(), connect_timeout=5) as conn:
        return conn.execute(sql, params).fetchall()


def health_green(timeout: float = 60.0) -> bool:
    """Web ready (database, cache, broker) and both worker pools answering healthy, within ``timeout``."""
    timeout = float(timeout)
    state = StackState.load(_home())
    urls = [f"{state.url}/health/ready"] + [f"http://127.0.0.1:{port}/health" for _, _, port in WORKER_POOLS.values()]
    session = requests.Session()
    session.trust_env = False
    deadline = time.monotonic() + timeout
    while True:
        bad = []
        for url in urls:
            try:
                if session.get(url, timeout=5).status_code != 200:
                    bad.append(url)
            except requests.RequestException:
                bad.append(url)
        if not bad or time.monotonic() > deadline:
            (_home() / "health.json").write_text(json.dumps({"failing": bad}))
            return not bad
        time.sleep(1)


def figures() -> dict:
    """Where every piece of sent work stands now: what the load was told was accepted, and what the
    database holds for the load's businesses (a row written although the client got an error counts too)."""
    load = _load()
    tenants = [t["tenant"] for t in load["tenants"]]
    accepted = {d["id"] for d in load["documents"]}
    rows = {
        i: (state, name)
        for i, state, name in _query(
            "SELECT id::text, state, storage_name FROM documents_document WHERE tenant_id::text = ANY(%s)", (tenants,)
        )
    }
    docs = {i: state for i, (state, _) in rows.items()}
    postings = dict(_query("SELECT source_document_id::text, count(*) FROM ledger_journalentry "
                           "WHERE tenant_id::text = ANY(%s) AND source_document_id IS NOT NULL GROUP BY 1",
                           (tenants,)))  # fmt: skip
    media = _home() / "media"
    partial = [i for i, (_, name) in rows.items() if name and not any(media.rglob(Path(name).name))]

    # Every return the load's businesses approved, whatever the load was told (an approval whose queueing
    # failed after the commit is approved all the same).
    returns = _query("SELECT r.id::text, r.status, r.vrn, r.period_key FROM filing_vatreturn r "
                     "WHERE r.tenant_id::text = ANY(%s) AND r.status NOT IN ('draft', 'awaiting_approval')",
                     (tenants,))  # fmt: skip
    accepted_twice = dict(_query("SELECT vat_return_id::text, count(*) FROM filing_submissionattempt "
                                 "WHERE outcome = 'submitted' AND tenant_id::text = ANY(%s) GROUP BY 1 "
                                 "HAVING count(*) > 1", (tenants,)))  # fmt: skip
    held = {(v, p): n for v, p, n in _query("SELECT o.vrn, r.period_key, count(*) FROM sandbox_vatreturn r "
                                             "JOIN sandbox_testorganisation o ON o.id = r.organisation_id "
                                             "GROUP BY 1, 2")}  # fmt: skip
    restarts_log = _home() / "restarts.json"
    restarts = [r["name"] for r in json.loads(restarts_log.read_text())] if restarts_log.exists() else []
    return {
        "restarted_by_supervisor": restarts,
        "documents": len(accepted | set(docs)),
        "documents_missing": len(accepted - set(docs)),
        "documents_written_after_an_error": len(set(docs) - accepted),
        "documents_in_pipeline": sum(1 for s in docs.values() if s in IN_PIPELINE),
        "documents_failed": sum(1 for s in docs.values() if s == "failed"),
        "documents_posted": sum(1 for s in docs.values() if s == "posted"),
        "documents_posted_twice": sum(1 for n in postings.values() if n > 1),
        "partial": len(partial),
        "returns": len(returns),
        "returns_pending": sum(1 for _, s, _, _ in returns if s in RETURN_PENDING),
        "returns_submitted": sum(1 for _, s, _, _ in returns if s == "submitted"),
        "returns_held_by_hmrc": sum(1 for _, _, v, k in returns if held.get((v, k), 0) >= 1),
        "returns_submitted_twice": len(accepted_twice) + sum(1 for _, _, v, k in returns if held.get((v, k), 0) > 1),
        "approvals_refused": len(load.get("refused_approvals", [])),
        "server_errors": sum(1 for s in load.get("refused_uploads", []) if s == "error" or s == 500),
        "refused_uploads": len(load.get("refused_uploads", [])),
    }


def _settled(f: dict) -> bool:
    return not f["documents_in_pipeline"] and not f["returns_pending"]


def drained_without_loss(timeout: float = 300.0) -> bool:
    """Wait (up to ``timeout`` after the recovery mark) for all work to be final; then judge and record figures."""
    timeout = float(timeout)
    load = sys.modules.get("apps.devtools.chaos.load")
    if load is not None:  # background load in this process: judge it once all of it was sent
        load.join_background()
    started = _marks().get("recovered", time.time())
    deadline = started + timeout
    f = figures()
    while not _settled(f) and time.time() < deadline:
        time.sleep(2)
        f = figures()
    settled_at = time.time()
    lost = f["documents_missing"] + f["documents_in_pipeline"] + f["documents_failed"] + f["returns_pending"]
    lost += f["returns"] - f["returns_held_by_hmrc"] - f["returns_pending"] if _settled(f) else 0
    duplicated = f["documents_posted_twice"] + f["returns_submitted_twice"]
    result = {
        **f,
        "lost": lost,
        "duplicated": duplicated,
        "drained": _settled(f),
        "drain_seconds": round(settled_at - started, 1) if _settled(f) else None,
        "timeout_seconds": timeout,
    }
    (_home() / "figures.json").write_text(json.dumps(result, indent=1))
    return bool(result["drained"] and not lost and not duplicated and not f["partial"] and not f["server_errors"])


def work_is_final() -> bool:
    """Before the fault: the stack is idle (nothing of earlier load still moving)."""
    return _settled(figures())
