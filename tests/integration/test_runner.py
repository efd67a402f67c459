"""The runner and the store step on SQLite and PostgreSQL: nothing lost, nothing doubled, cursors honest."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import func, select

from socialleads.store.state import load_state
from socialleads.store.tables import dead_letters, deliveries, leads, raw_events, touches
from tests.support.bots import ScriptedBot, scripted_bot


def count(sb: ScriptedBot, table: Any, *where: Any) -> int:
    query = select(func.count()).select_from(table)
    for condition in where:
        query = query.where(condition)
    with sb.bot.engine.connect() as conn:
        return int(conn.execute(query).scalar_one())


def person(seq: int, **fields: Any) -> dict[str, Any]:
    return {"seq": seq, "name": f"Person {seq}", "email": f"p{seq}@example.com", **fields}


@pytest.fixture
def sb(tmp_path: Path, database_url: str) -> ScriptedBot:
    bot = scripted_bot(
        tmp_path,
        database_url,
        sinks={"console": {"type": "console"}},
        default_route=["console"],
        admin_sinks=["console"],
    )
    yield bot
    bot.bot.close()


def test_a_poll_stores_each_event_as_a_lead_with_one_touch_and_one_delivery(sb: ScriptedBot) -> None:
    sb.set_events([person(1), person(2), person(3)])
    outcome = sb.bot.runner.poll("src")
    assert outcome.status == "ok"
    assert (outcome.counts.events_new, outcome.counts.leads_created) == (3, 3)
    assert count(sb, raw_events) == 3
    assert count(sb, leads) == 3
    assert count(sb, touches) == 3
    assert count(sb, deliveries, deliveries.c.status == "pending") == 3


def test_polling_the_same_events_again_changes_nothing(sb: ScriptedBot) -> None:
    sb.set_events([person(1), person(2), person(3)])
    sb.bot.runner.poll("src")
    again = sb.bot.runner.poll("src")  # the lookback re-reads events 2 and 3
    assert again.counts.events_seen == 2
    assert again.counts.events_new == 0
    assert (count(sb, raw_events), count(sb, leads), count(sb, touches), count(sb, deliveries)) == (
        3,
        3,
        3,
        3,
    )


def test_the_cursor_is_the_newest_position_whatever_the_order(sb: ScriptedBot) -> None:
    sb.set_events([person(5), person(2), person(9), person(1)])  # the source yields them newest first
    sb.bot.runner.poll("src")
    with sb.bot.engine.connect() as conn:
        assert load_state(conn, "src", "scripted").cursor == {"high_water": 9}


def test_the_same_email_twice_is_one_lead_with_two_touches_and_the_reason(sb: ScriptedBot) -> None:
    sb.set_events([person(1, email="Anna@Example.com"), person(2, name="A. J.", email="anna@example.COM")])
    outcome = sb.bot.runner.poll("src")
    assert (outcome.counts.leads_created, outcome.counts.leads_merged) == (1, 1)
    with sb.bot.engine.connect() as conn:
        reasons = [r[0] for r in conn.execute(select(touches.c.merge_reason).order_by(touches.c.id))]
    assert reasons[0] == "new person"
    assert reasons[1].startswith("same email as a new lead")


def test_a_person_seen_in_an_earlier_poll_is_merged_by_phone(sb: ScriptedBot) -> None:
    sb.set_events([person(1, email=None, phone="+354 611 2345")])
    sb.bot.runner.poll("src")
    sb.set_events(
        [person(1, email=None, phone="+354 611 2345"), person(7, email="new@example.com", phone="611 2345")]
    )
    outcome = sb.bot.runner.poll("src")
    assert outcome.counts.leads_merged == 1
    assert count(sb, leads) == 1
    with sb.bot.engine.connect() as conn:
        row = conn.execute(select(leads.c.email, leads.c.phone, leads.c.touch_count, leads.c.revision)).one()
        reason = conn.execute(select(touches.c.merge_reason).where(touches.c.native_id == "e7")).scalar_one()
    assert tuple(row) == ("new@example.com", "+3546112345", 2, 2)  # the new touch filled the missing email
    assert reason.startswith("same phone as lead #")


def test_the_same_handle_is_one_lead_but_the_same_name_alone_is_not(sb: ScriptedBot) -> None:
    sb.set_events(
        [
            {"seq": 1, "name": "Jón Jónsson", "handle": "jonj"},
            {"seq": 2, "name": "Jón Jónsson", "handle": "JonJ"},
            {"seq": 3, "name": "Jón Jónsson", "email": "jon@example.is"},
        ]
    )
    sb.bot.runner.poll("src")
    assert count(sb, leads) == 2


def test_an_invalid_email_is_kept_as_a_flag_and_the_lead_is_not_dropped(sb: ScriptedBot) -> None:
    sb.set_events([person(1, email="anna@@example.com", phone="12")])
    sb.bot.runner.poll("src")
    with sb.bot.engine.connect() as conn:
        lead = conn.execute(select(leads.c.email, leads.c.phone, leads.c.contact_flags)).one()
    assert lead.email is None and lead.phone is None
    assert {(f["field"], f["raw"]) for f in lead.contact_flags} == {
        ("email", "anna@@example.com"),
        ("phone", "12"),
    }


def test_a_malformed_event_is_dead_lettered_verbatim_and_the_rest_go_in(sb: ScriptedBot) -> None:
    sb.set_events([person(1), {"seq": 2, "malformed": True, "junk": "ü\x00"}, person(3)])
    outcome = sb.bot.runner.poll("src")
    assert (outcome.counts.leads_created, outcome.counts.dead_lettered) == (2, 1)
    with sb.bot.engine.connect() as conn:
        letter = conn.execute(select(dead_letters)).mappings().one()
        status = conn.execute(select(raw_events.c.status).where(raw_events.c.native_id == "e2")).scalar_one()
    assert letter["reason"] == "event 2 has no usable fields"
    assert '"junk": "ü\\u0000"' in letter["payload"]
    assert status == "dead"


def test_a_failure_mid_poll_keeps_what_was_fetched_and_does_not_move_the_cursor(sb: ScriptedBot) -> None:
    sb.set_events([person(n) for n in range(1, 6)], fail_after=3, error="transient")
    outcome = sb.bot.runner.poll("src")
    assert outcome.status == "failed"
    assert count(sb, raw_events) == 3  # events 5, 4, 3 (newest first) were stored
    with sb.bot.engine.connect() as conn:
        state = load_state(conn, "src", "scripted")
    assert state.cursor is None
    sb.set_events([person(n) for n in range(1, 6)])
    sb.clock.advance(minutes=5)
    assert sb.bot.runner.poll("src").status == "ok"
    assert count(sb, raw_events) == 5
    assert count(sb, leads) == 5


def test_a_rate_limit_becomes_no_call_before_the_reset(sb: ScriptedBot) -> None:
    sb.set_events([person(1)], fail_after=0, error="rate_limited", reset_in=120)
    assert sb.bot.runner.poll("src").status == "rate_limited"
    source = sb.bot.sources["src"]
    calls = source.fetch_calls  # type: ignore[attr-defined]
    sb.clock.advance(seconds=60)
    assert sb.bot.runner.poll("src").status == "skipped"
    assert source.fetch_calls == calls  # type: ignore[attr-defined]
    sb.set_events([person(1)])
    sb.clock.advance(seconds=61)
    assert sb.bot.runner.poll("src").status == "ok"


def test_an_auth_failure_stops_calls_tells_the_admin_once_and_resumes_on_a_new_config(
    sb: ScriptedBot, capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    sb.set_events([person(1)], fail_after=0, error="auth")
    assert sb.bot.runner.poll("src").status == "needs_reauth"
    for _ in range(3):
        sb.clock.advance(hours=1)
        assert sb.bot.runner.poll("src").status == "skipped"
    out = capsys.readouterr().out
    assert out.count("source src is needs_reauth") == 1

    # The admin replaces the credentials: a new config, so the stop is lifted.
    fixed = scripted_bot(
        tmp_path / "fixed",
        sb.bot.settings.database_url,
        sinks={"console": {"type": "console"}},
        default_route=["console"],
        admin_sinks=["console"],
        clock=sb.clock,
    )
    fixed.set_events([person(1)])
    assert fixed.bot.runner.poll("src").status == "ok"
    assert capsys.readouterr().out.count("source src recovered") == 1
    fixed.bot.close()


def test_repeated_transient_failures_back_off_and_notify_once_then_recover_once(
    sb: ScriptedBot, capsys: pytest.CaptureFixture[str]
) -> None:
    sb.set_events([person(1)], fail_after=0, error="transient")
    delays = []
    for _ in range(4):
        outcome = sb.bot.runner.poll("src")
        assert outcome.status == "failed"
        assert outcome.next_allowed_at is not None
        delays.append((outcome.next_allowed_at - sb.clock.now).total_seconds())
        sb.clock.now = outcome.next_allowed_at
    assert delays == [30, 60, 120, 240]
    sb.set_events([person(1)])
    assert sb.bot.runner.poll("src").status == "ok"
    out = capsys.readouterr().out
    assert out.count("source src is failing") == 1
    assert out.count("source src recovered") == 1


def test_a_new_touch_for_a_delivered_lead_queues_its_delivery_again_at_the_new_revision(
    sb: ScriptedBot,
) -> None:
    sb.set_events([person(1)])
    sb.bot.runner.poll("src")
    assert sb.bot.dispatcher.dispatch_due().delivered == 1
    sb.set_events([person(1), person(2), person(3, email="p1@example.com")])
    sb.bot.runner.poll("src")
    with sb.bot.engine.connect() as conn:
        rows = conn.execute(
            select(
                deliveries.c.lead_id,
                deliveries.c.status,
                deliveries.c.revision,
                deliveries.c.delivered_revision,
            ).order_by(deliveries.c.id)
        ).all()
    assert [tuple(r) for r in rows] == [(1, "pending", 2, 1), (2, "pending", 1, None)]


def test_a_comment_with_buying_intent_becomes_a_lead_with_its_reasons(sb: ScriptedBot) -> None:
    sb.set_events(
        [
            person(
                1,
                kind="comment",
                email=None,
                handle="anna_j",
                message="How much is the grey corner sofa? Can you deliver to Akureyri?",
            )
        ]
    )
    outcome = sb.bot.runner.poll("src")
    assert (outcome.counts.leads_created, outcome.counts.ignored) == (1, 0)
    with sb.bot.engine.connect() as conn:
        lead = conn.execute(select(leads.c.intent_score, leads.c.intent, leads.c.grade)).one()
    assert lead.intent_score >= 0.7
    assert any("How much" in r["detail"] for r in lead.intent["reasons"])
    assert lead.grade in ("A", "B", "C", "D")


def test_chatter_is_kept_as_a_raw_event_with_the_reason_it_is_not_a_lead(sb: ScriptedBot) -> None:
    sb.set_events([person(1, kind="comment", message="congrats on the new store!! looks amazing 😍")])
    outcome = sb.bot.runner.poll("src")
    assert (outcome.counts.ignored, outcome.counts.leads_created) == (1, 0)
    with sb.bot.engine.connect() as conn:
        reason = conn.execute(select(raw_events.c.status_reason)).scalar_one()
    assert reason.startswith("buying intent 0.")
    assert "below the threshold 0.70" in reason


def test_each_arrival_of_an_event_is_counted_with_its_path(sb: ScriptedBot) -> None:
    sb.set_events([person(1), person(2)])
    sb.bot.runner.poll("src")
    sb.bot.runner.poll("src")  # the lookback reads both again
    from socialleads.models import ReceivedVia

    source = sb.bot.sources["src"]
    [again] = [e for e in source.fetch(None) if e.native_id == "e2"]
    sb.bot.runner.ingest("src", [again.model_copy(update={"received_via": ReceivedVia.WEBHOOK})])
    with sb.bot.engine.connect() as conn:
        rows = {
            r.native_id: (r.arrivals, r.via_poll, r.via_webhook)
            for r in conn.execute(
                select(
                    raw_events.c.native_id,
                    raw_events.c.arrivals,
                    raw_events.c.via_poll,
                    raw_events.c.via_webhook,
                )
            )
        }
    assert rows == {"e1": (2, True, False), "e2": (3, True, True)}
