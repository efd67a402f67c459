"""The sandbox's Graph emulator serves the real-world shapes of ``socialleads/sandbox/world/meta_shapes.py``,
read with the real facebook-sdk over loopback: forms with their questions' types and keys, leads of forms
with custom-question names and upper-case keys, Lead Ads Testing Tool leads, edited and photo comments;
and the world's truth stays one item per lead and per comment.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

import facebook
import pytest
import requests

from socialleads.http import new_session
from socialleads.sandbox.chaos import Chaos
from socialleads.sandbox.server import SandboxServer
from socialleads.sandbox.world import fixtures, meta_shapes
from socialleads.sandbox.world.living import Rates, World

pytestmark = pytest.mark.filterwarnings("error")

START = datetime(2026, 11, 27, 9, 0, tzinfo=UTC)
MAIN, OUTLET = fixtures.MAIN_PAGE, fixtures.OUTLET_PAGE
LEAD_FIELDS = "id,created_time,field_data,form_id,is_organic,platform,ad_id,custom_disclaimer_responses"


@pytest.fixture(scope="module")
def world() -> World:
    rates = Rates(leads=0.5, fb_comments=1.0, ig_comments=0.5, x_posts=0)
    made = World(seed=6, start=START, rates=rates, history=timedelta(hours=2), population=100)
    assert made.comment_edits and any(c.photo for c in made.comments)
    assert not any(lead.testing_tool for lead in made.leads), "people make test leads, the world does not"
    made.testing_tool_lead(meta_shapes.RESERVATION_FORM)
    return made


@pytest.fixture(scope="module")
def graph(world: World) -> Iterator[Callable[[str], Any]]:
    """``graph(page_id)``: a facebook-sdk client with the page's token, built as the product builds it."""
    sessions: list[requests.Session] = []
    with SandboxServer(world, Chaos()) as sandbox:

        def build(page_id: str) -> Any:
            sessions.append(new_session(sandbox_url=sandbox.url))
            client = facebook.GraphAPI(
                access_token=world.tokens.page_tokens[page_id], timeout=10, session=sessions[-1]
            )
            client.version = "v26.0"
            return client

        yield build
        for session in sessions:
            session.close()


def test_a_form_serves_its_questions_types_and_keys(graph: Callable[[str], Any]) -> None:
    outlet = graph(OUTLET)

    reservation = outlet.get_object(meta_shapes.RESERVATION_FORM, fields="questions")
    delivery = outlet.get_object(meta_shapes.DELIVERY_FORM, fields="questions")

    assert [(q["key"], q["type"]) for q in reservation["questions"]] == [
        ("FULL_NAME", "FULL_NAME"),
        ("EMAIL", "EMAIL"),
        ("PHONE", "PHONE"),
        ("SOFA_MODEL", "CUSTOM"),
    ]
    assert [(q["key"], q["type"], q["label"]) for q in delivery["questions"][:2]] == [
        ("nafn", "CUSTOM", "Nafn"),
        ("hvar_naum_vid_i_thig", "CUSTOM", "Hvar náum við í þig? (netfang)"),
    ]


def test_leads_answer_under_upper_case_keys_and_custom_questions(
    graph: Callable[[str], Any], world: World
) -> None:
    outlet = graph(OUTLET)
    reservation = next(x for x in world.leads_of(meta_shapes.RESERVATION_FORM) if x.person_key)
    delivery = next(x for x in world.leads_of(meta_shapes.DELIVERY_FORM) if x.person_key)

    upper = outlet.get_object(reservation.id, fields=LEAD_FIELDS)["field_data"]
    custom = outlet.get_object(delivery.id, fields=LEAD_FIELDS)["field_data"]

    person = world.person[str(reservation.person_key)]
    assert {f["name"]: f["values"] for f in upper}["FULL_NAME"] == [person.name]
    assert {f["name"] for f in upper} == {"FULL_NAME", "EMAIL", "PHONE", "SOFA_MODEL"}
    person = world.person[str(delivery.person_key)]
    answers = {f["name"]: f["values"][0] for f in custom}
    assert (answers["nafn"], answers["hvar_naum_vid_i_thig"]) == (person.name, person.email)


def test_a_testing_tool_lead_is_organic_with_dummy_values(graph: Callable[[str], Any], world: World) -> None:
    tool = next(lead for lead in world.leads if lead.testing_tool)

    got = graph(tool.page_id).get_object(tool.id, fields=LEAD_FIELDS)

    assert got["is_organic"] is True and "ad_id" not in got
    values = [f["values"][0] for f in got["field_data"]]
    assert all(v.startswith("<test lead: dummy data for ") or v in meta_shapes.TEST_EMAILS for v in values)
    truth = [item for item in world.truth if item.native_id == tool.id]
    assert [(t.kind, t.person, t.where["test"]) for t in truth] == [("lead_form", None, "true")]


def test_an_edited_comment_is_served_with_its_new_text_under_its_own_id(
    graph: Callable[[str], Any], world: World
) -> None:
    edit = next(e for e in world.comment_edits if e.comment.post_id.startswith(MAIN))
    main = graph(MAIN)

    alone = main.get_object(edit.comment.id, fields="id,message,created_time")
    listed = list(main.get_all_connections(edit.comment.post_id, "comments", filter="stream"))

    assert alone["message"] == edit.comment.message != edit.previous_message
    assert alone["created_time"] == edit.comment.created.strftime("%Y-%m-%dT%H:%M:%S+0000")
    assert [c["message"] for c in listed if c["id"] == edit.comment.id] == [edit.comment.message]


def test_a_photo_comment_has_its_photo_as_attachment(graph: Callable[[str], Any], world: World) -> None:
    comment = next(c for c in world.comments if c.photo and c.post_id.startswith(MAIN))

    got = graph(MAIN).get_object(comment.id, fields="id,attachment")

    assert got["attachment"]["type"] == "photo"
    assert got["attachment"]["media"]["image"]["src"] == comment.photo


def test_the_truth_holds_each_lead_and_each_comment_once_edits_included(world: World) -> None:
    truth = Counter((item.kind, item.native_id) for item in world.truth)

    assert all(n == 1 for n in truth.values())
    assert {i for k, i in truth if k == "lead_form"} == {lead.id for lead in world.leads}
    assert {i for k, i in truth if k == "fb_comment"} == {c.id for c in world.comments}
    edited = {item.native_id: item.where["edits"] for item in world.truth if "edits" in item.where}
    assert set(edited) == {edit.comment.id for edit in world.comment_edits}
    decorated = {c.author_name for c in world.comments if c.person_key} - {p.name for p in world.people}
    assert decorated, "some profile names carry emoji or symbols"


def test_a_running_sandbox_makes_testing_tool_leads_after_the_handshake_then_now_and_then() -> None:
    from socialleads.sandbox.runtime import Sandbox, SandboxOptions
    from socialleads.testing.http_receiver import LoopbackReceiver

    quiet = Rates(leads=0, fb_comments=0, ig_comments=0, x_posts=0)
    with LoopbackReceiver() as callback:
        options = SandboxOptions(
            port=0,
            seed=4,
            history=timedelta(0),
            tick=0.05,
            callback_url=callback.url,
            rates=quiet,
            testing_tool_every=0.3,
        )
        with Sandbox(options) as sandbox:
            handshake, dashboard, first, second = callback.wait_for(4, timeout=10)[:4]
            made = [lead for lead in sandbox.world.leads if lead.testing_tool]

    assert handshake.method == "GET" and dashboard.json()["entry"][0]["id"] == "0"
    announced = [r.json()["entry"][0]["changes"][0]["value"] for r in (first, second)]
    assert [(v["leadgen_id"], v["form_id"]) for v in announced] == [(x.id, x.form_id) for x in made[:2]]
    assert [x.form_id for x in made[:2]] == list(sandbox.world.forms)[:2]  # each form in turn
    assert all(item.where.get("test") == "true" for item in sandbox.world.truth if item.kind == "lead_form")
