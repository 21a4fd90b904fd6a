"""Chaos actions (called by ``chaos run`` through the python provider): kill, restart, slow down, cut off.

Each acts on the stack found in ``STRONGROOM_CHAOS_HOME`` and marks the moment
of recovery (``recovered``) from which the drain is timed.
"""

from __future__ import annotations

import os
import signal
import time
from pathlib import Path

import psycopg

from apps.devtools.chaos import probes
from apps.devtools.chaos.proxy import control
from apps.devtools.chaos.stack import ChaosStack, StackState, _alive


def _stack() -> ChaosStack:
    return ChaosStack(StackState.load(Path(os.environ["STRONGROOM_CHAOS_HOME"])))


def _in_flight(timeout: float) -> int:
    """Wait until documents are being read (a task mid-run); how many are in the pipeline then."""
    deadline = time.monotonic() + timeout
    while True:
        rows = probes._query("SELECT state, count(*) FROM documents_document WHERE state IN "
                             "('received', 'ocr', 'extracted', 'classified') GROUP BY 1")  # fmt: skip
        states = dict(rows)
        if states.get("ocr") or states.get("extracted") or time.monotonic() > deadline:
            return sum(states.values())
        time.sleep(0.05)


def _busy_child(stack: ChaosStack, pool: str) -> int | None:
    """The prefork child using the most CPU over a short look (the one reading a document)."""
    children = stack.worker_children(pool)
    ticks = {pid: _cpu_ticks(pid) for pid in children}
    time.sleep(0.2)
    moved = sorted(children, key=lambda pid: _cpu_ticks(pid) - ticks[pid], reverse=True)
    return moved[0] if moved else None


def _cpu_ticks(pid: int) -> int:
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        return int(fields[11]) + int(fields[12])
    except (OSError, IndexError):
        return 0


def kill_worker_child(pool: str = "ocr", timeout: float = 30.0) -> dict:
    """SIGKILL one prefork child mid-task (the main process replaces it; the task is redelivered)."""
    stack = _stack()
    in_flight = _in_flight(float(timeout))
    pid = _busy_child(stack, pool)
    if pid:
        os.kill(pid, signal.SIGKILL)
    probes.mark("recovered")
    return {"killed": pid, "documents_in_pipeline": in_flight}


def kill_worker(pool: str = "ocr", down_seconds: float = 5.0) -> dict:
    """SIGKILL a whole worker (main process and children) mid-task, then start it again."""
    stack = _stack()
    in_flight = _in_flight(30.0)
    stack.kill(f"worker-{pool}")
    time.sleep(float(down_seconds))
    stack.start_worker(pool)
    probes.mark("recovered")
    return {"restarted": pool, "documents_in_pipeline": in_flight}


def kill_worker_after_hmrc_answered(hold_seconds: float = 8.0) -> dict:
    """HMRC's answers are held by the proxy; SIGKILL the filing worker while one is held (HMRC has the
    return, our database does not know), then release the answers and start the worker again."""
    stack = _stack()
    port = stack.info.ports.hmrc_control
    control(port, {"response_delay_ms": int(hold_seconds * 1000)})
    time.sleep(hold_seconds / 2)
    stack.kill("worker-filing")
    control(port, {"clear": True})
    stack.start_worker("filing")
    probes.mark("recovered")
    return {"restarted": "filing"}


FILLER = ".chaos-filler"


def fill_document_store(leave_bytes: int = 4096) -> dict:
    """Fill the document store (its own tmpfs) up to ``leave_bytes``: the next upload finds the disk full."""
    stack = _stack()
    if not stack.info.store_mounted:
        raise RuntimeError("the document store is not a tmpfs of its own (needs root): not filling a real disk")
    free = os.statvfs(stack.media)
    size = max(free.f_bavail * free.f_frsize - int(leave_bytes), 0)
    with open(stack.media / FILLER, "wb") as f:
        f.truncate(0)
        chunk = b"\0" * (1 << 20)
        while size > 0:
            try:
                size -= f.write(chunk[: min(size, len(chunk))])
            except OSError:
                break
    after = os.statvfs(stack.media)
    return {"free_bytes": after.f_bavail * after.f_frsize}


def free_document_store() -> dict:
    """Remove the filler; the recovery starts now."""
    (_stack().media / FILLER).unlink(missing_ok=True)
    probes.mark("recovered")
    return {"freed": True}


def pause_workers() -> dict:
    """SIGSTOP every worker pool: the queues fill up in Redis (a backlog at the moment of the next fault)."""
    _stack().signal_pools(signal.SIGSTOP)
    return {"paused": True}


def resume_workers() -> dict:
    """SIGCONT every worker pool; the recovery starts now."""
    _stack().signal_pools(signal.SIGCONT)
    probes.mark("recovered")
    return {"resumed": True}


def restart_redis(appendonly: bool = False, down_seconds: float = 3.0) -> dict:
    """Crash Redis (SIGKILL) and start it again, with or without its append-only file."""
    stack = _stack()
    stack.stop_redis()
    time.sleep(down_seconds)
    stack.start_redis(appendonly=appendonly)
    probes.mark("recovered")
    return {"appendonly": appendonly}


def terminate_postgres_backends() -> dict:
    """pg_terminate_backend on every client connection of the application role."""
    with psycopg.connect(_stack().info.dsn(), autocommit=True) as conn:
        rows = conn.execute("SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
                            "WHERE usename = 'strongroom_app' AND pid <> pg_backend_pid()").fetchall()  # fmt: skip
    probes.mark("recovered")
    return {"terminated": len(rows)}


def restart_postgres(down_seconds: float = 3.0) -> dict:
    """Stop PostgreSQL (fast: connections cut, transactions rolled back) and start it again."""
    _stack().restart_postgres(down_seconds)
    probes.mark("recovered")
    return {"down_seconds": down_seconds}


def proxy_fault(target: str, **change) -> dict:
    """Set a fault on the ``redis`` or ``hmrc`` proxy (latency_ms, jitter_ms, reset, blackhole, down)."""
    state = _stack().info
    port = state.ports.redis_control if target == "redis" else state.ports.hmrc_control
    return control(port, change)


def proxy_clear(targets: str = "redis,hmrc") -> dict:
    """Take every fault off; the recovery starts now."""
    answers = {t: proxy_fault(t, clear=True) for t in targets.split(",")}
    probes.mark("recovered")
    return answers


def outage(target: str = "hmrc", seconds: float = 20.0, mode: str = "down") -> dict:
    """A fault held for ``seconds`` (the load keeps flowing meanwhile), then cleared."""
    proxy_fault(target, **{mode: True})
    time.sleep(float(seconds))
    return proxy_clear(target)


def slow(targets: str = "redis,hmrc", latency_ms: int = 500, jitter_ms: int = 50, seconds: float = 20.0) -> dict:
    """Latency on the connections through the proxies for ``seconds``, then cleared."""
    for target in targets.split(","):
        proxy_fault(target, latency_ms=int(latency_ms), jitter_ms=int(jitter_ms))
    time.sleep(float(seconds))
    return proxy_clear(targets)


def resets(targets: str = "redis,hmrc", seconds: float = 10.0) -> dict:
    """Every connection reset (RST) for ``seconds``, then cleared."""
    for target in targets.split(","):
        proxy_fault(target, reset=True)
    time.sleep(float(seconds))
    return proxy_clear(targets)


def wait(seconds: float) -> dict:
    time.sleep(float(seconds))
    return {"waited": seconds}


def ensure_running() -> dict:
    """Rollback: every fault cleared and every process of the stack up again (whatever the method left)."""
    stack = _stack()
    stack.signal_pools(signal.SIGCONT)  # a method that stopped midway may have left them paused
    (stack.media / FILLER).unlink(missing_ok=True)
    started = []
    for target in ("redis", "hmrc"):
        try:
            proxy_fault(target, clear=True)
        except OSError:
            started.append(f"proxy-{target}?")
    if not (Path(stack.pgdata) / "postmaster.pid").exists():
        stack.start_postgres()
        started.append("postgres")
    if not _alive(stack.info.pids.get("redis", 0)):
        stack.start_redis()
        started.append("redis")
    for pool in ("ocr", "filing"):
        if not _alive(stack.info.pids.get(f"worker-{pool}", 0)):
            stack.start_worker(pool)
            started.append(f"worker-{pool}")
    return {"started": started}
