"""Realistic bulk data for the restore benchmark, made in SQL with generate_series (no ORM, no Python loop).

Row ``i`` of a batch is one purchase as the pipeline leaves it: a posted document (its OCR text and
extraction), the journal entry it posted (expense, input VAT, bank: balanced by construction) and
the audit event that records it. Businesses take rows in turn (``i % businesses``), so each has its
own entry numbers and its own audit chain.

Every constraint holds: entry numbers unique per business, each line one-sided and positive, each
entry balanced, foreign keys real. The audit chain is linked by the database's own trigger (the
same ``sha256(prev || seq || body)`` the verifier checks). ``fast=True`` (the benchmark, as a
superuser on a scratch cluster) skips the other triggers for the ledger and document rows, since
per-row deferred balance checks would dominate the load; the benchmark then checks balance itself.

A journal entry's description and explanation are sealed by the application (decision 0025) and SQL
cannot seal: bench entries carry ``SEALED_PLACEHOLDER``, shaped like a sealed value (format byte, key
version 0, nonce, tag, about a description's length) so sizes stay realistic, but it never opens. The
benchmark reads counts and balances, never the words.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

BENCH_SLUG = "bench-"
# 0x01 | version 0 (no key has it) | 12-byte nonce | 30 bytes | 16-byte tag, as SQL hex.
SEALED_PLACEHOLDER = "decode('01' || repeat('00', 4 + 12 + 30 + 16), 'hex')"
# code, name, type, VAT control, system account (the posting conventions' codes, apps/ledger/chart.py)
ACCOUNTS = (
    ("090", "Bank", "asset", "", True),
    ("429", "General expenses", "expense", "", False),
    ("820", "VAT on purchases", "liability", "input", True),
)

SETUP = """
INSERT INTO tenancy_tenant (id, name, slug, vat_number, company_number, status, created_at, updated_at)
SELECT md5('bench-tenant-' || k)::uuid, 'Bench Trading ' || k || ' Ltd', %(slug)s || k, '',
       lpad(k::text, 8, '0'), 'active', now(), now()
FROM generate_series(0, %(businesses)s::int - 1) AS k;

INSERT INTO ledger_account (id, code, name, type, vat_control, is_active, is_system, created_at, updated_at, tenant_id)
SELECT md5('bench-account-' || k || '-' || a.code)::uuid, a.code, a.name, a.type, a.vat_control, true, a.is_system,
       now(), now(), md5('bench-tenant-' || k)::uuid
FROM generate_series(0, %(businesses)s::int - 1) AS k
CROSS JOIN (VALUES {accounts}) AS a(code, name, type, vat_control, is_system);
"""

# One purchase per i: the document, its entry and lines. %(first)s..%(last)s is the batch.
# The document's extraction, text and set-aside reason are encrypted columns (decision 0024). The bench has
# no data keys, so each holds bytes of the sealed shape and size: the format byte and key version 1, then random
# bytes as long as nonce, UTF-8 plaintext and tag (rounded up to 16). They never decrypt; they restore like the
# real ones (incompressible, about the same length; the empty set-aside reason is 37 bytes, a sealed "" 33).
ROWS = """
INSERT INTO documents_document (
    id, tenant_id, original_filename, content_type, size, pages, sha256, storage_name, source, uploaded_at,
    state, state_changed_at, failure_reason, failure_step, extraction, text, classification, review_reasons,
    journal_entry_id, reviewed_at, attempts, set_aside_reason, received_on)
SELECT md5('bench-doc-' || i)::uuid, md5('bench-tenant-' || (i %% %(businesses)s::int))::uuid,
       'receipt-' || i || '.pdf', 'application/pdf', 40000 + i %% 90000, 1 + i %% 3,
       encode(sha256(('bench-doc-' || i)::bytea), 'hex'),
       'tenants/' || (i %% %(businesses)s::int) || '/' || encode(sha256(('bench-doc-' || i)::bytea), 'hex') || '.pdf',
       'portal', at, 'posted', at, '', '',
       ('\\x0100000001'::bytea || (SELECT string_agg(uuid_send(gen_random_uuid()), ''::bytea) FROM generate_series(0,
         (octet_length(convert_to(jsonb_build_object('supplier', 'Supplier ' || (i %% 500) || ' Ltd', 'date', at::date,
         'net', net, 'vat', vat, 'total', net + vat, 'vat_rate', 20, 'confidence', 0.9 + (i %% 10) / 100.0)::text,
         'UTF8')) + 28) / 16))),
       ('\\x0100000001'::bytea || (SELECT string_agg(uuid_send(gen_random_uuid()), ''::bytea) FROM generate_series(0,
         (octet_length(convert_to('Supplier ' || (i %% 500) || E' Ltd\\nVAT reg GB'
         || lpad((i %% 999999999)::text, 9, '0') || E'\\n'
         || repeat('Item ' || (i %% 97) || ' x1 @ ' || net || E'\\n', (8 + i %% 8)::int)
         || 'Net ' || net || E'\\nVAT 20%% ' || vat || E'\\nTotal ' || (net + vat) || E'\\nThank you\\n',
         'UTF8')) + 28) / 16))),
       jsonb_build_object('account_code', '429', 'vat_treatment', 'standard', 'rule', 'supplier ' || (i %% 500)),
       '[]'::jsonb, md5('bench-entry-' || i)::uuid, at, 1, '\\x0100000001'::bytea || decode(md5('r' || i), 'hex')
         || decode(md5('s' || i), 'hex'), at::date
FROM generate_series(%(first)s::bigint, %(last)s::bigint) AS i,
     LATERAL (SELECT timestamptz '2024-01-01' + (i %% 700) * interval '1 day' + (i %% 86400) * interval '1 second'
                     AS at, round((1000 + i %% 50000) / 100.0, 2) AS net) AS f,
     LATERAL (SELECT round(net * 0.2, 2) AS vat) AS v;

INSERT INTO ledger_journalentry (
    id, tenant_id, number, date, description, source_document_id, document_posting, kind, explanation, posted_at)
SELECT md5('bench-entry-' || i)::uuid, md5('bench-tenant-' || (i %% %(businesses)s::int))::uuid,
       i / %(businesses)s::int + 1, date '2024-01-01' + (i %% 700)::int,
       {sealed},
       md5('bench-doc-' || i)::uuid, 1, 'purchase', {sealed}, now()
FROM generate_series(%(first)s::bigint, %(last)s::bigint) AS i;

INSERT INTO ledger_journalline (
    id, tenant_id, entry_id, account_id, position, debit, credit, vat_rate, vat_treatment, description)
SELECT md5('bench-line-' || i || '-' || p)::uuid, md5('bench-tenant-' || k)::uuid, md5('bench-entry-' || i)::uuid,
       md5('bench-account-' || k || '-' || (ARRAY['429', '820', '090'])[p + 1])::uuid, p,
       CASE p WHEN 0 THEN net WHEN 1 THEN vat ELSE 0 END, CASE p WHEN 2 THEN net + vat ELSE 0 END,
       CASE p WHEN 0 THEN 20 END, CASE p WHEN 0 THEN 'standard' ELSE '' END,
       (ARRAY['Supplies', 'VAT 20%%', 'Paid from bank'])[p + 1]
FROM generate_series(%(first)s::bigint, %(last)s::bigint) AS i,
     LATERAL (SELECT i %% %(businesses)s::int AS k, round((1000 + i %% 50000) / 100.0, 2) AS net) AS f,
     LATERAL (SELECT round(net * 0.2, 2) AS vat) AS v,
     generate_series(0, 2) AS p;
""".replace("{sealed}", SEALED_PLACEHOLDER)

# The audit event of each posting. seq, prev_hash and hash are placeholders: the chain trigger sets them.
AUDIT = """
INSERT INTO audit_auditevent (
    id, chain, seq, prev_hash, hash, body, occurred_at, action, actor_id, actor_label, on_behalf_of, tenant_id,
    target_type, target_id, request_id)
SELECT md5('bench-audit-' || i)::uuid, tenant, 0, '\\x'::bytea, '\\x'::bytea,
       json_build_object('action', 'documents.document.posted', 'tenant', tenant, 'target', doc,
                         'occurred_at', at,
                         'after', json_build_object('journal_entry', md5('bench-entry-' || i)))::text,
       at, 'documents.document.posted', '', 'system', '', tenant, 'documents.document', doc::text,
       'bench-' || i
FROM generate_series(%(first)s::bigint, %(last)s::bigint) AS i,
     LATERAL (SELECT md5('bench-tenant-' || (i %% %(businesses)s::int))::uuid AS tenant,
                     md5('bench-doc-' || i)::uuid AS doc,
                     timestamptz '2024-01-01' + (i %% 700) * interval '1 day' AS at) AS f
ORDER BY i;
"""

COUNTED = ("documents_document", "ledger_journalentry", "ledger_journalline", "audit_auditevent")


@dataclass
class Generated:
    rows: int  # purchases made (each: one document, one entry, three lines, one audit event)
    database_bytes: int
    counts: dict[str, int]


def _accounts_sql() -> str:
    return ", ".join(
        f"('{code}', '{name}', '{kind}', '{control}', {str(system).lower()})"
        for code, name, kind, control, system in ACCOUNTS
    )


def _run(cursor: Any, sql: str, params: dict[str, Any]) -> None:
    """One statement at a time: a parameterised query may hold only one."""
    for statement in sql.split(";\n"):
        if statement.strip():
            cursor.execute(statement, params)


def setup(cursor: Any, *, businesses: int) -> None:
    """The benchmark's businesses and the three accounts each purchase posts to."""
    _run(cursor, SETUP.format(accounts=_accounts_sql()), {"slug": BENCH_SLUG, "businesses": businesses})


def batch(cursor: Any, *, first: int, last: int, businesses: int, fast: bool) -> None:
    """Purchases ``first``..``last``; ``fast`` (superuser only) skips the non-audit triggers for this batch."""
    params = {"first": first, "last": last, "businesses": businesses}
    if fast:
        cursor.execute("SET session_replication_role = replica")
    _run(cursor, ROWS, params)
    if fast:
        cursor.execute("SET session_replication_role = origin")
    cursor.execute(AUDIT, params)


def database_bytes(cursor: Any) -> int:
    cursor.execute("SELECT pg_database_size(current_database())")
    return int(cursor.fetchone()[0])


def counts(cursor: Any) -> dict[str, int]:
    found = {}
    for table in COUNTED:
        cursor.execute(f"SELECT count(*) FROM {table}")  # noqa: S608 - a fixed list of table names
        found[table] = int(cursor.fetchone()[0])
    return found


def unbalanced_entries(cursor: Any) -> int:
    """Entries whose debits and credits differ (the ledger's own invariant; 0 after any correct restore)."""
    cursor.execute(
        "SELECT count(*) FROM (SELECT entry_id FROM ledger_journalline GROUP BY entry_id"
        " HAVING sum(debit) <> sum(credit)) AS unbalanced"
    )
    return int(cursor.fetchone()[0])


def generate(
    cursor: Any, commit: Any, *, target_bytes: int, businesses: int = 50, batch_rows: int = 20_000, fast: bool = True
) -> Generated:
    """Add purchases in batches until the database reaches ``target_bytes`` (measured by pg_database_size)."""
    setup(cursor, businesses=businesses)
    commit()
    made = 0
    while database_bytes(cursor) < target_bytes:
        batch(cursor, first=made, last=made + batch_rows - 1, businesses=businesses, fast=fast)
        commit()
        made += batch_rows
    return Generated(rows=made, database_bytes=database_bytes(cursor), counts=counts(cursor))
