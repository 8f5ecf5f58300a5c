"""The keyed seal and signed checkpoints: what someone with database access alone cannot hide."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

import pytest
from sqlalchemy import select, text

from tests.audit import writing
from tests.cli_runner import run_cli
from watchfloor.audit import service as audit
from watchfloor.audit.chain import GENESIS, SEAL_PLAIN, chain_of, event_hash
from watchfloor.audit.checkpoints import read_last
from watchfloor.audit.models import AuditEvent
from watchfloor.clock import SettableClock
from watchfloor.db import session_scope
from watchfloor.runtime import Runtime
from watchfloor.settings import Settings
from watchfloor.worker import JOBS

OBJECT = "target"
CHAIN = chain_of("x", OBJECT)


def write(runtime: Runtime, object_id: str = OBJECT, events: int = 4) -> None:
    writing.write(runtime, object_id, events)


def rewrite(
    runtime: Runtime, *, key: bytes | None, from_seq: int, seal: int, keep: int, edit: bool = True
) -> None:
    """What someone with database access does: change event ``from_seq`` of CHAIN, drop the
    events after ``keep``, recompute the hashes from there on (with ``key``, or plain SHA-256
    when None) and move the chain's head back, so the chain is consistent again."""
    with session_scope(runtime.sessions) as s:
        events = s.scalars(
            select(AuditEvent).where(AuditEvent.chain == CHAIN).order_by(AuditEvent.seq)
        ).all()
    updates, prev = [], GENESIS
    for ev in events[:keep]:
        digest = ev.hash
        if ev.seq >= from_seq:
            actor = "user:mallory" if edit and ev.seq == from_seq else ev.actor
            digest = event_hash(
                chain=CHAIN,
                seq=ev.seq,
                occurred_at=ev.occurred_at,
                actor=actor,
                action=ev.action,
                object_type=ev.object_type,
                object_id=ev.object_id,
                before=ev.before,
                after=ev.after,
                prev_hash=prev,
                key=key,
            )
            updates.append({"i": ev.id, "a": actor, "p": prev, "h": digest, "s": seal})
        prev = digest
    with runtime.engine.begin() as conn:
        conn.execute(
            text("DELETE FROM audit_events WHERE chain = :c AND seq > :k"), {"c": CHAIN, "k": keep}
        )
        if updates:
            conn.execute(
                text(
                    "UPDATE audit_events SET actor = :a, prev_hash = :p, hash = :h, seal = :s "
                    "WHERE id = :i"
                ),
                updates,
            )
        conn.execute(
            text("UPDATE audit_chain_head SET seq = :s, hash = :h WHERE id = :c"),
            {"s": keep, "h": prev, "c": CHAIN},
        )


def verify(runtime: Runtime, **kwargs: object) -> audit.VerifyResult:
    with session_scope(runtime.sessions) as s:
        return audit.verify(s, **kwargs)  # type: ignore[arg-type]


def test_a_rewrite_with_recomputed_plain_hashes_is_caught_by_the_key(runtime: Runtime) -> None:
    write(runtime)
    rewrite(runtime, key=None, from_seq=2, seal=1, keep=4)
    result = verify(runtime)
    assert not result.ok and "#2: x.step1" in (result.problem or "")
    assert "does not match its seal" in (result.problem or "")


def test_a_rewrite_passed_off_as_written_before_the_key_is_caught(runtime: Runtime) -> None:
    write(runtime)
    rewrite(runtime, key=None, from_seq=3, seal=SEAL_PLAIN, keep=4)
    result = verify(runtime)
    assert not result.ok and "not sealed with the key although earlier ones are" in (
        result.problem or ""
    )


def test_events_from_before_the_key_still_verify(runtime: Runtime) -> None:
    write(runtime)
    # As migration 0015 leaves a log written before it: plain SHA-256, seal 0.
    rewrite(runtime, key=None, from_seq=1, seal=SEAL_PLAIN, keep=4, edit=False)
    write(runtime)
    result = verify(runtime)
    assert result.ok, result.problem
    assert (result.events, result.plain, result.keyed) == (8, 4, 4)


def test_a_different_key_fails_verification(runtime: Runtime) -> None:
    write(runtime)
    result = verify(runtime, key=b"k" * 32)
    assert not result.ok and "WATCHFLOOR_AUDIT_KEY" in (result.problem or "")


def checkpoint(db_url: str, path: Path) -> None:
    done = run_cli(db_url, "audit", "checkpoint", "--file", str(path))
    assert done.returncode == 0, done.stderr
    assert done.stdout.startswith(f"checkpoint written to {path}: 1 chains, 4 events")


def test_truncation_behind_a_checkpoint_is_caught(
    runtime: Runtime, db_url: str, tmp_path: Path
) -> None:
    write(runtime)
    checkpoints = tmp_path / "audit-checkpoints.jsonl"
    checkpoint(db_url, checkpoints)
    # Delete the newest event and move the head back: consistent, keys untouched.
    rewrite(runtime, key=None, from_seq=99, seal=1, keep=3)
    plain = run_cli(db_url, "audit", "verify")
    assert plain.returncode == 0, "without a checkpoint a clean truncation is not visible"
    done = run_cli(db_url, "audit", "verify", "--checkpoints", str(checkpoints))
    assert done.returncode == 1
    assert f"chain {CHAIN} ends at event #3 but the checkpoint of" in done.stderr
    assert "saw #4" in done.stderr and "deleted" in done.stderr
    assert "Traceback" not in done.stderr
    # The configured file is read when none is named.
    configured = run_cli(
        db_url, "audit", "verify", WATCHFLOOR_AUDIT_CHECKPOINT_FILE=str(checkpoints)
    )
    assert configured.returncode == 1 and "saw #4" in configured.stderr


def test_a_checkpointed_event_rewritten_with_the_key_is_caught(
    runtime: Runtime, db_url: str, tmp_path: Path
) -> None:
    write(runtime)
    checkpoints = tmp_path / "audit-checkpoints.jsonl"
    checkpoint(db_url, checkpoints)
    # Someone with the key as well as the database re-seals their edit...
    rewrite(runtime, key=runtime.settings.audit_seal_key, from_seq=2, seal=1, keep=4)
    assert run_cli(db_url, "audit", "verify").returncode == 0
    # ...but the checkpoint outside the database still names the hash that was there.
    done = run_cli(db_url, "audit", "verify", "--checkpoints", str(checkpoints))
    assert done.returncode == 1
    assert "is not the event the last checkpoint saw: rewritten" in done.stderr


def test_an_edited_checkpoint_file_fails_its_signature(
    runtime: Runtime, db_url: str, tmp_path: Path
) -> None:
    write(runtime)
    checkpoints = tmp_path / "audit-checkpoints.jsonl"
    checkpoint(db_url, checkpoints)
    write(runtime)
    checkpoint_text = checkpoints.read_text()
    assert f"[{CHAIN},4," in checkpoint_text
    checkpoints.write_text(checkpoint_text.replace(f"[{CHAIN},4,", f"[{CHAIN},3,"))
    done = run_cli(db_url, "audit", "verify", "--checkpoints", str(checkpoints))
    assert done.returncode == 1
    assert "line 1 does not match its signature" in done.stderr


def test_checkpoints_need_a_file(db_url: str) -> None:
    done = run_cli(db_url, "audit", "checkpoint")
    assert done.returncode == 1
    assert done.stderr.strip() == (
        "error: no checkpoint file: pass --file or set WATCHFLOOR_AUDIT_CHECKPOINT_FILE"
    )


def test_the_worker_writes_checkpoints_on_its_schedule(runtime: Runtime, tmp_path: Path) -> None:
    path = tmp_path / "audit-checkpoints.jsonl"
    settings = runtime.settings.model_copy(
        update={"audit_checkpoint_file": path, "audit_checkpoint_minutes": 15.0}
    )
    job = next(j for j in JOBS if j.name == "audit-checkpoint")
    clock = runtime.clock
    assert isinstance(clock, SettableClock)
    scheduled = Runtime(
        settings=settings,
        engine=runtime.engine,
        sessions=runtime.sessions,
        clock=clock,
        config=runtime.config,
    )
    write(runtime)
    assert job.run(scheduled) == 1
    assert job.run(scheduled) == 0  # not due yet
    clock.advance(timedelta(minutes=14))
    assert job.run(scheduled) == 0
    write(runtime)
    clock.advance(timedelta(minutes=1))
    assert job.run(scheduled) == 1
    assert len(path.read_text().splitlines()) == 2
    last, problem = read_last(path, settings.audit_seal_key)
    assert problem is None and last is not None and last.heads[CHAIN][0] == 8
    assert verify(runtime, checkpoint=last).ok


def test_the_worker_job_needs_no_file(runtime: Runtime) -> None:
    job = next(j for j in JOBS if j.name == "audit-checkpoint")
    assert runtime.settings.audit_checkpoint_file is None
    assert job.run(runtime) == 0


def test_a_short_audit_key_is_refused() -> None:
    with pytest.raises(ValueError, match="WATCHFLOOR_AUDIT_KEY must be at least 32"):
        Settings(environment="test", audit_key="short")
    derived = Settings(environment="test").audit_seal_key
    assert derived != Settings(environment="test", secret_key="another-secret").audit_seal_key
    assert Settings(environment="test", audit_key="k" * 32).audit_seal_key == b"k" * 32
