"""The chaos stack's bookkeeping (no process is started here): state on disk, the served environment."""

from __future__ import annotations

from apps.devtools.chaos.stack import DB_NAME, PORT_BASE, WORKER_POOLS, ChaosStack, StackState


def test_state_round_trips_through_stack_json(tmp_path):
    state = StackState(home=str(tmp_path), pids={"web": 123}, appendonly=True, store_mounted=True)
    state.save()
    again = StackState.load(tmp_path)
    assert (again.pids, again.appendonly, again.store_mounted, again.ports) == (
        {"web": 123}, True, True, state.ports,
    )  # fmt: skip


def test_every_port_is_in_the_stack_range_and_distinct():
    state = StackState(home="/nowhere")
    ports = [*vars(state.ports).values(), *(port for _, _, port in WORKER_POOLS.values())]
    assert len(set(ports)) == len(ports)
    assert all(PORT_BASE < p < PORT_BASE + 10 for p in ports)


def test_served_processes_use_the_proxies_and_never_the_owner_role(tmp_path, monkeypatch):
    monkeypatch.setenv("DATABASE_OWNER_URL", "postgres://strongroom_owner@127.0.0.1:5432/shared")
    monkeypatch.setenv("CELERY_BROKER_URL", "redis://127.0.0.1:6379/12")
    state = StackState(home=str(tmp_path))
    env = state.env()
    p = state.ports
    assert "DATABASE_OWNER_URL" not in env
    assert env["DATABASE_URL"] == f"postgres://strongroom_app@127.0.0.1:{p.postgres}/{DB_NAME}"
    assert env["CELERY_BROKER_URL"] == f"redis://127.0.0.1:{p.redis_proxy}/0"
    assert env["HMRC_API_BASE_URL"] == f"http://127.0.0.1:{p.hmrc_proxy}/sandbox/hmrc"
    assert env["STRONGROOM_CHAOS_HOME"] == str(tmp_path)


def test_the_supervisor_leaves_a_forgotten_process_alone(tmp_path):
    """An action that kills a process forgets it first: the supervisor must not start a second copy."""
    state = StackState(home=str(tmp_path), pids={})
    state.save()
    assert ChaosStack(state).supervise_once() == []
