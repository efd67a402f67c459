"""The sandbox's Meta Graph emulator, driven by the real facebook-sdk over real HTTP on loopback.

Clients are built exactly as the product builds them: ``new_session(sandbox_url=...)`` and
``GraphAPI(access_token, timeout, session)`` with ``version`` set afterwards. Every test runs with
warnings as errors, so facebook-sdk and requests must run warning-free.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import math
from collections.abc import Callable, Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlsplit

import facebook
import pytest
import requests

from socialleads.http import new_session
from socialleads.sandbox.chaos import Chaos
from socialleads.sandbox.server import SandboxServer
from socialleads.sandbox.world import fixtures
from socialleads.sandbox.world.entities import Lead
from socialleads.sandbox.world.living import Rates, World

pytestmark = pytest.mark.filterwarnings("error")

START = datetime(2026, 11, 27, 9, 0, tzinfo=UTC)
FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "meta"
MAIN, OUTLET = fixtures.MAIN_PAGE, fixtures.OUTLET_PAGE
CONSULTATION = "880000000000101"
LEAD_FIELDS = (
    "id,created_time,field_data,form_id,is_organic,platform,custom_disclaimer_responses,"
    "ad_id,ad_name,adset_id,adset_name,campaign_id,campaign_name"
)
#: Keys Meta documents as optional: either side may lack them.
OPTIONAL = frozenset(
    {"error_subcode", "error_user_title", "error_user_msg", "is_transient", "previous", "next"}
)


# --- the world, the server, the clients --------------------------------------------------------------


@pytest.fixture(scope="module")
def world() -> World:
    rates = Rates(
        leads=0.3, fb_comments=0.4, ig_comments=0.3, x_posts=0.0, fb_posts_per_hour=1.5, ig_media_per_hour=1.0
    )
    made = World(seed=2, start=START, rates=rates, history=timedelta(hours=2), population=80)
    assert len(made.leads_of(CONSULTATION)) > 12, "the tests need several pages of leads"
    assert any(c.parent_id for c in made.comments) and any(c.parent_id for c in made.ig_comments)
    return made


@pytest.fixture(scope="module")
def served(world: World) -> Iterator[tuple[SandboxServer, Chaos]]:
    chaos = Chaos()
    with SandboxServer(world, chaos) as sandbox:
        yield sandbox, chaos


@pytest.fixture
def chaos(served: tuple[SandboxServer, Chaos]) -> Iterator[Chaos]:
    served[1].reset()
    yield served[1]
    served[1].reset()


@pytest.fixture
def responses() -> list[requests.Response]:
    """Every HTTP response the clients of one test saw (through a session response hook)."""
    return []


@pytest.fixture
def client(
    served: tuple[SandboxServer, Chaos], chaos: Chaos, responses: list[requests.Response]
) -> Iterator[Callable[[str], Any]]:
    """``client(token)``: a facebook-sdk GraphAPI on v26.0, built as the product builds it."""
    sessions: list[requests.Session] = []

    def build(token: str) -> Any:
        session = new_session(sandbox_url=served[0].url)
        session.hooks["response"].append(lambda response, *args, **kwargs: responses.append(response))
        sessions.append(session)
        graph = facebook.GraphAPI(access_token=token, timeout=10, session=session)
        graph.version = "v26.0"
        return graph

    yield build
    for session in sessions:
        session.close()


@pytest.fixture
def page(client: Callable[[str], Any], world: World) -> Any:
    """The main page's client (a page token)."""
    return client(world.tokens.page_tokens[MAIN])


def graph_error(call: Callable[[], Any]) -> facebook.GraphAPIError:
    with pytest.raises(facebook.GraphAPIError) as caught:
        call()
    return caught.value


def app_token(world: World) -> str:
    return f"{world.tokens.app_id}|{world.tokens.app_secret}"


def unix(when: datetime) -> int:
    return int(when.timestamp())


def paid_and_organic(world: World) -> tuple[Lead, Lead]:
    leads = world.leads_of(CONSULTATION)
    return next(x for x in leads if x.ad is not None), next(x for x in leads if x.ad is None)


# --- pages and tokens ------------------------------------------------------------------------------------


def test_me_with_a_page_token_is_the_page(page: Any) -> None:
    got = page.get_object("me", fields="id,name,category")

    assert got == {"id": MAIN, "name": "Heimili Húsgögn", "category": "Furniture Store"}


def test_the_user_token_reads_every_pages_forms(client: Callable[[str], Any], world: World) -> None:
    user = client(world.tokens.user_token)

    forms = {f["id"] for p in (MAIN, OUTLET) for f in user.get_all_connections(p, "leadgen_forms")}

    assert forms == set(world.forms)


# --- lead forms and leads ----------------------------------------------------------------------------


def test_page_lists_its_forms_with_questions(page: Any, world: World) -> None:
    fields = "id,name,status,locale,questions{id,key,label,type},created_time,leads_count"
    forms = list(page.get_all_connections(MAIN, "leadgen_forms", fields=fields))

    mine = {f.id: f for f in world.forms.values() if f.page_id == MAIN}
    assert {f["id"] for f in forms} == set(mine)
    for form in forms:
        assert [q["key"] for q in form["questions"]] == [q.key for q in mine[form["id"]].questions]
        assert set(form["questions"][0]) == {"id", "key", "label", "type"}
        assert form["leads_count"] == len(world.leads_of(form["id"]))
        assert form["status"] == "ACTIVE" and form["created_time"].endswith("+0000")


def test_every_lead_of_a_form_is_read_once_across_pages(page: Any, world: World) -> None:
    leads = list(page.get_all_connections(CONSULTATION, "leads", fields=LEAD_FIELDS, limit=4))

    assert [x["id"] for x in leads] == [x.id for x in world.leads_of(CONSULTATION)]


def test_filtering_greater_than_returns_only_newer_leads(page: Any, world: World) -> None:
    everything = world.leads_of(CONSULTATION)
    cut = unix(everything[len(everything) // 2].created)
    rule = [{"field": "time_created", "operator": "GREATER_THAN", "value": cut}]

    leads = list(page.get_all_connections(CONSULTATION, "leads", filtering=json.dumps(rule), limit=3))

    assert [x["id"] for x in leads] == [x.id for x in everything if unix(x.created) > cut]
    assert 0 < len(leads) < len(everything)


def test_filtering_accepts_a_single_quoted_time_range(page: Any, world: World) -> None:
    everything = world.leads_of(CONSULTATION)
    low, high = unix(everything[-3].created), unix(everything[2].created)
    quoted = (
        f"[{{'field':'time_created','operator':'GREATER_THAN_OR_EQUAL','value':{low}}},"
        f"{{'field':'time_created','operator':'LESS_THAN','value':{high}}}]"
    )

    leads = list(page.get_all_connections(CONSULTATION, "leads", filtering=quoted))

    assert [x["id"] for x in leads] == [x.id for x in everything if low <= unix(x.created) < high]


def test_short_pages_still_lead_to_every_lead(
    page: Any, world: World, chaos: Chaos, responses: list[requests.Response]
) -> None:
    chaos.update({"short_pages": True})

    leads = list(page.get_all_connections(CONSULTATION, "leads", limit=6))

    assert [x["id"] for x in leads] == [x.id for x in world.leads_of(CONSULTATION)]
    short_with_next = [r for r in responses if len(r.json()["data"]) < 6 and "next" in r.json()["paging"]]
    assert short_with_next


def test_next_carries_the_token_and_every_parameter(page: Any, world: World) -> None:
    rule = json.dumps([{"field": "time_created", "operator": "GREATER_THAN", "value": 0}])

    first = page.get_connections(CONSULTATION, "leads", fields="id,created_time", limit=2, filtering=rule)

    paging = first["paging"]
    assert paging["cursors"]["after"] and paging["cursors"]["before"]
    query = parse_qs(urlsplit(paging["next"]).query)
    assert set(query) == {"fields", "filtering", "access_token", "limit", "after"}
    assert query["access_token"] == [world.tokens.page_tokens[MAIN]] and query["filtering"] == [rule]
    assert query["after"] == [paging["cursors"]["after"]] and query["limit"] == ["2"]
    assert (
        paging["next"].startswith("http://127.0.0.1:") and f"/v26.0/{CONSULTATION}/leads?" in paging["next"]
    )


def test_the_last_page_has_an_after_cursor_and_no_next(page: Any, world: World) -> None:
    last = page.get_connections(CONSULTATION, "leads", limit=100)

    assert len(last["data"]) == len(world.leads_of(CONSULTATION))
    assert last["paging"]["cursors"]["after"] and "next" not in last["paging"]


def test_a_lead_has_its_disclaimer_responses_as_strings(page: Any, world: World) -> None:
    lead = world.leads_of(CONSULTATION)[0]

    got = page.get_object(lead.id, fields="custom_disclaimer_responses")

    assert got == {"custom_disclaimer_responses": [dict(r) for r in lead.disclaimer_responses], "id": lead.id}
    assert {r["is_checked"] for r in got["custom_disclaimer_responses"]} <= {"1", ""}


def test_a_paid_lead_names_its_ad_campaign_and_form(page: Any, world: World) -> None:
    paid, _ = paid_and_organic(world)
    assert paid.ad is not None

    got = page.get_object(paid.id, fields=LEAD_FIELDS)

    assert got["ad_id"] == paid.ad.ad_id and got["campaign_name"] == paid.ad.campaign_name
    assert got["adset_name"] == paid.ad.adset_name and got["is_organic"] is False
    assert got["form_id"] == CONSULTATION and got["platform"] in ("fb", "ig")
    assert got["created_time"] == paid.created.strftime("%Y-%m-%dT%H:%M:%S+0000")
    assert got["field_data"] == [{"name": f["name"], "values": f["values"]} for f in paid.field_data]


def test_an_organic_lead_has_no_ad_fields(page: Any, world: World) -> None:
    _, organic = paid_and_organic(world)

    got = page.get_object(organic.id, fields=LEAD_FIELDS)

    assert got["is_organic"] is True
    assert not {"ad_id", "ad_name", "adset_id", "adset_name", "campaign_id", "campaign_name"} & set(got)


def test_a_lead_without_fields_has_only_the_minimal_set(page: Any, world: World) -> None:
    lead = world.leads_of(CONSULTATION)[0]

    assert set(page.get_object(lead.id)) == {"id", "created_time", "field_data"}


def test_an_unknown_field_is_error_100(page: Any, world: World) -> None:
    error = graph_error(lambda: page.get_object(world.leads_of(CONSULTATION)[0].id, fields="id,emial"))

    assert error.code == 100 and "nonexisting field (emial)" in error.message


# --- feed, comments, Instagram -------------------------------------------------------------------------


def test_feed_lists_the_pages_posts_newest_first_since_a_time(page: Any, world: World) -> None:
    posts = sorted((p for p in world.posts if p.page_id == MAIN), key=lambda p: p.created, reverse=True)
    since = unix(posts[-1].created) + 1

    got = list(page.get_all_connections(MAIN, "feed", fields="id,message,created_time", limit=1, since=since))

    assert [p["id"] for p in got] == [p.id for p in posts if unix(p.created) >= since]
    assert got[0]["message"] == posts[0].message


def test_toplevel_comments_leave_out_replies(page: Any, world: World) -> None:
    post = next(p for p in world.posts if any(c.parent_id and c.post_id == p.id for c in world.comments))

    got = list(page.get_all_connections(post.id, "comments", filter="toplevel", limit=3))

    expected = [c.id for c in world.comments if c.post_id == post.id and c.parent_id is None]
    assert [c["id"] for c in got] == expected


def test_stream_comments_include_replies_newest_first_when_asked(page: Any, world: World) -> None:
    post = next(p for p in world.posts if any(c.parent_id and c.post_id == p.id for c in world.comments))
    fields = "id,message,from{id,name},created_time,parent{id},permalink_url"

    got = list(
        page.get_all_connections(
            post.id, "comments", filter="stream", order="reverse_chronological", fields=fields, limit=4
        )
    )

    expected = [c for c in reversed(world.comments) if c.post_id == post.id]
    assert [c["id"] for c in got] == [c.id for c in expected]
    replies = [c for c in got if "parent" in c]
    assert replies and all(
        c["parent"] == {"id": w.parent_id} for c, w in zip(got, expected, strict=True) if w.parent_id
    )
    assert got[0]["from"] == {"id": expected[0].author_id, "name": expected[0].author_name}


def test_a_comments_replies_and_the_reply_itself(page: Any, world: World) -> None:
    reply = next(c for c in world.comments if c.parent_id)
    assert reply.parent_id is not None

    replies = list(page.get_all_connections(reply.parent_id, "comments"))
    alone = page.get_object(reply.id, fields="id,message,from,created_time,parent,permalink_url")

    assert reply.id in [c["id"] for c in replies]
    assert alone["parent"]["id"] == reply.parent_id and alone["message"] == reply.message
    assert "reply_comment_id=" in alone["permalink_url"]


def test_instagram_account_media_and_comments(page: Any, world: World) -> None:
    account = page.get_object(MAIN, fields="instagram_business_account{id,username}")[
        "instagram_business_account"
    ]
    media = list(
        page.get_all_connections(account["id"], "media", fields="id,caption,timestamp,media_product_type")
    )
    commented = next(m for m in world.ig_media if any(c.media_id == m.id for c in world.ig_comments))

    comments = list(page.get_all_connections(commented.id, "comments", limit=2))

    assert account == {"id": fixtures.IG_ACCOUNT, "username": "heimili.husgogn"}
    assert [m["id"] for m in media] == [m.id for m in reversed(world.ig_media)]
    assert all(m["timestamp"].endswith("+0000") and m["media_product_type"] for m in media)
    top = [c for c in world.ig_comments if c.media_id == commented.id and c.parent_id is None]
    assert [c["id"] for c in comments] == [c.id for c in top]
    assert set(comments[0]) == {"id", "text", "timestamp"}


def test_an_instagram_reply_names_its_parent(page: Any, world: World) -> None:
    reply = next(c for c in world.ig_comments if c.parent_id)

    got = page.get_object(reply.id, fields="id,text,timestamp,username,from,parent_id")
    replies = list(page.get_all_connections(str(reply.parent_id), "replies"))

    assert got["parent_id"] == reply.parent_id and got["text"] == reply.text
    assert got["from"] == {"id": reply.user_id, "username": reply.username}
    assert reply.id in [c["id"] for c in replies]


def test_an_instagram_comment_carries_its_replies_as_a_field(page: Any, world: World) -> None:
    reply = next(c for c in world.ig_comments if c.parent_id)
    parent = next(c for c in world.ig_comments if c.id == reply.parent_id)

    got = page.get_object(parent.id, fields="id,text,replies{id,text,timestamp,parent_id}")

    expected = [c.id for c in world.ig_comments if c.parent_id == parent.id]
    assert [r["id"] for r in got["replies"]["data"]] == expected
    assert got["replies"]["data"][0]["parent_id"] == parent.id


def test_an_edge_the_sandbox_does_not_serve_as_a_field_fails_loudly(page: Any, world: World) -> None:
    post = next(p for p in world.posts if p.page_id == MAIN)

    error = graph_error(lambda: page.get_object(post.id, fields="id,comments{id}"))

    assert error.code == 100 and "does not serve the edge (comments)" in error.message


# --- errors ---------------------------------------------------------------------------------------------


def test_an_expired_token_is_190_with_subcode_463(page: Any, chaos: Chaos) -> None:
    chaos.update({"meta_token_expired": True})

    error = graph_error(lambda: page.get_object("me"))

    assert error.code == 190 and error.type == "OAuthException"
    assert error.result["error"]["error_subcode"] == 463


def test_an_unknown_token_is_190_without_subcode(client: Callable[[str], Any]) -> None:
    error = graph_error(lambda: client("EAAPnotatoken").get_object("me"))

    assert error.code == 190 and "Invalid OAuth access token" in error.message
    assert "error_subcode" not in error.result["error"]


@pytest.mark.parametrize("object_id", ["444444444444", "880000000009999"])
def test_an_unknown_id_is_100_with_subcode_33(page: Any, object_id: str) -> None:
    error = graph_error(lambda: page.get_object(object_id))

    assert error.code == 100 and error.type == "GraphMethodException"
    assert error.result["error"]["error_subcode"] == 33
    assert error.message.startswith(f"Unsupported get request. Object with ID '{object_id}' does not exist")


def test_a_page_token_cannot_see_another_pages_forms(page: Any) -> None:
    error = graph_error(lambda: page.get_object("880000000000201"))

    assert error.code == 100 and error.result["error"]["error_subcode"] == 33


@pytest.mark.parametrize(("code", "kind"), [(80001, "pages"), (80005, "leadgen"), (4, "leadgen")])
def test_throttles_are_transient_and_say_when_to_come_back(
    page: Any, chaos: Chaos, responses: list[requests.Response], code: int, kind: str
) -> None:
    chaos.update({"meta_throttle_code": code, "throttle_seconds": 150})
    target = MAIN if kind == "pages" else CONSULTATION
    error = graph_error(
        lambda: page.get_object(target) if kind == "pages" else page.get_connections(target, "leads")
    )

    assert error.code == code and error.result["error"]["is_transient"] is True
    assert responses[-1].status_code == 400
    usage = json.loads(responses[-1].headers["X-Business-Use-Case-Usage"])[MAIN][0]
    assert usage["type"] == kind and usage["call_count"] == 100
    assert usage["estimated_time_to_regain_access"] == math.ceil(150 / 60)


def test_a_removed_permission_is_error_200(page: Any, world: World, chaos: Chaos) -> None:
    chaos.update({"permissions_removed": ["leads_retrieval"]})

    error = graph_error(lambda: page.get_connections(CONSULTATION, "leads"))

    assert error.code == 200 and "leads_retrieval" in error.message


def test_server_errors_are_503_code_1_and_transient(
    page: Any, chaos: Chaos, responses: list[requests.Response]
) -> None:
    chaos.update({"fail_5xx": 1})

    error = graph_error(lambda: page.get_object(MAIN))

    assert responses[-1].status_code == 503
    assert error.code == 1 and error.result["error"]["is_transient"] is True
    assert page.get_object(MAIN)["id"] == MAIN


def test_a_wrong_appsecret_proof_is_refused_and_a_right_one_accepted(page: Any, world: World) -> None:
    token = world.tokens.page_tokens[MAIN]
    right = hmac.new(world.tokens.app_secret.encode(), token.encode(), hashlib.sha256).hexdigest()

    assert page.get_object(MAIN, appsecret_proof=right)["id"] == MAIN
    error = graph_error(lambda: page.get_object(MAIN, appsecret_proof="0" * 64))
    assert error.code == 100 and error.message == "Invalid appsecret_proof provided in the API argument"


# --- headers, versions, usage --------------------------------------------------------------------------


def test_every_response_has_json_content_type_version_and_usage_headers(
    page: Any, chaos: Chaos, responses: list[requests.Response]
) -> None:
    page.get_object(MAIN)
    graph_error(lambda: page.get_object("444444444444"))
    chaos.update({"meta_token_expired": True})
    graph_error(lambda: page.get_object(MAIN))

    assert len(responses) == 3
    for response in responses:
        assert response.headers["Content-Type"] == "application/json; charset=UTF-8"
        assert response.headers["facebook-api-version"] == "v26.0"
        assert set(json.loads(response.headers["X-App-Usage"])) == {
            "call_count",
            "total_time",
            "total_cputime",
        }
    buc = json.loads(responses[0].headers["X-Business-Use-Case-Usage"])
    assert list(buc) == [MAIN] and buc[MAIN][0]["type"] == "pages"
    assert "call_count" in json.loads(responses[0].headers["X-Page-Usage"])


def test_call_count_grows_with_use(page: Any, responses: list[requests.Response]) -> None:
    for _ in range(14):
        page.get_object(MAIN)

    counts = [json.loads(r.headers["X-Page-Usage"])["call_count"] for r in responses]
    assert counts == sorted(counts) and counts[-1] > counts[0]


@pytest.mark.parametrize(("prefix", "version"), [("v27.0/", "v27.0"), ("", "v26.0")])
def test_any_version_and_no_version_are_served(
    page: Any, responses: list[requests.Response], prefix: str, version: str
) -> None:
    got = page.request(f"{prefix}{MAIN}", {"fields": "id,name,category"})

    assert got["id"] == MAIN and got["category"]
    assert responses[-1].headers["facebook-api-version"] == version


# --- tokens, permissions, subscriptions ----------------------------------------------------------------


def test_debug_token_describes_a_page_token_expiring_in_twelve_days(page: Any, world: World) -> None:
    info = page.debug_access_token(
        world.tokens.page_tokens[MAIN], world.tokens.app_id, world.tokens.app_secret
    )

    data = info["data"]
    assert data["type"] == "PAGE" and data["is_valid"] is True and data["profile_id"] == MAIN
    assert data["app_id"] == fixtures.APP_ID and set(data["scopes"]) == set(fixtures.PERMISSIONS)
    left = datetime.fromtimestamp(data["expires_at"], UTC) - world.now
    assert left.days == 12
    assert data["data_access_expires_at"] > data["expires_at"]


def test_debug_token_says_invalid_while_tokens_are_expired(page: Any, world: World, chaos: Chaos) -> None:
    chaos.update({"meta_token_expired": True})

    data = page.request(
        "v26.0/debug_token", {"input_token": world.tokens.user_token, "access_token": app_token(world)}
    )["data"]

    assert data["type"] == "USER" and data["is_valid"] is False
    assert data["expires_at"] < unix(world.now) and data["error"]["subcode"] == 463


def test_me_permissions_shows_what_was_removed(
    client: Callable[[str], Any], world: World, chaos: Chaos
) -> None:
    chaos.update({"permissions_removed": ["leads_retrieval"]})

    user = client(world.tokens.user_token)
    got = user.get_connections("me", "permissions")["data"]

    statuses = {p["permission"]: p["status"] for p in got}
    assert statuses["leads_retrieval"] == "declined"
    assert user.get_permissions("me") == set(fixtures.PERMISSIONS) - {"leads_retrieval"}


def test_subscribed_apps_lists_the_app_until_uninstalled_and_post_reinstalls(
    client: Callable[[str], Any], world: World, chaos: Chaos
) -> None:
    outlet = client(world.tokens.page_tokens[OUTLET])
    assert outlet.get_connections(OUTLET, "subscribed_apps")["data"][0]["id"] == fixtures.APP_ID
    chaos.update({"unsubscribed_pages": [OUTLET]})
    assert outlet.get_connections(OUTLET, "subscribed_apps") == {"data": []}

    answer = outlet.put_object(OUTLET, "subscribed_apps", subscribed_fields="leadgen,feed")

    assert answer == {"success": "true"}
    assert chaos.state.unsubscribed_pages == []
    assert outlet.get_connections(OUTLET, "subscribed_apps")["data"][0]["name"]


# --- shapes against Meta's documented samples -----------------------------------------------------------


def assert_same_shape(actual: Any, expected: Any, where: str = "$") -> None:
    """Same keys for objects (bar ``OPTIONAL``), same JSON types, lists compared by their first element."""
    assert type(actual) is type(expected), f"{where}: {type(actual).__name__} != {type(expected).__name__}"
    if isinstance(expected, dict):
        missing = set(expected) - set(actual) - OPTIONAL
        extra = set(actual) - set(expected) - OPTIONAL
        assert not missing and not extra, f"{where}: missing {sorted(missing)}, extra {sorted(extra)}"
        for key in set(expected) & set(actual):
            assert_same_shape(actual[key], expected[key], f"{where}.{key}")
    elif isinstance(expected, list) and expected:
        assert actual, f"{where}: empty list, expected items"
        assert_same_shape(actual[0], expected[0], f"{where}[0]")


def reference(name: str) -> Any:
    return json.loads((FIXTURES / name).read_text(encoding="utf-8"))


def test_shape_lead_by_id(page: Any, world: World) -> None:
    paid, _ = paid_and_organic(world)

    got = page.get_object(paid.id, fields="created_time,id,ad_id,form_id,field_data")

    assert_same_shape(got, reference("lead_by_id.json"))


def test_shape_form_leads_bulk_read(page: Any, world: World) -> None:
    paid, _ = paid_and_organic(world)
    rule = json.dumps([{"field": "time_created", "operator": "LESS_THAN", "value": unix(paid.created) + 1}])

    got = page.get_connections(
        CONSULTATION, "leads", fields="created_time,id,ad_id,form_id,field_data", filtering=rule
    )

    assert got["data"][0]["id"] == paid.id
    assert_same_shape(got, reference("form_leads_bulk_read.json"))


def test_shape_custom_disclaimer_responses(page: Any, world: World) -> None:
    got = page.get_object(world.leads_of(CONSULTATION)[0].id, fields="custom_disclaimer_responses")

    assert_same_shape(got, reference("lead_custom_disclaimer_responses.json"))


def test_shape_paging_envelope_of_a_middle_page(page: Any) -> None:
    first = page.get_connections(CONSULTATION, "leads", limit=2)
    middle = page.get_connections(CONSULTATION, "leads", limit=2, after=first["paging"]["cursors"]["after"])

    assert {"previous", "next"} <= set(middle["paging"])
    assert_same_shape(middle, reference("graph_paging_envelope.json"))


def test_shape_token_error(page: Any, chaos: Chaos) -> None:
    chaos.update({"meta_token_expired": True})

    error = graph_error(lambda: page.get_object(MAIN))

    assert_same_shape(error.result, reference("graph_error.json"))


@pytest.mark.parametrize(
    ("code", "name"), [(32, "graph_error_rate_limit_32.json"), (80001, "graph_error_rate_limit_80001.json")]
)
def test_shape_throttle_errors(page: Any, chaos: Chaos, code: int, name: str) -> None:
    chaos.update({"meta_throttle_code": code})

    error = graph_error(lambda: page.get_object(MAIN))

    assert_same_shape(error.result, reference(name))
    assert error.message == reference(name)["error"]["message"]


def test_shape_usage_headers(page: Any, responses: list[requests.Response]) -> None:
    page.get_object(MAIN)
    sample = reference("usage_headers.json")

    headers = responses[-1].headers
    assert_same_shape(json.loads(headers["X-App-Usage"]), sample["X-App-Usage"])
    buc = json.loads(headers["X-Business-Use-Case-Usage"])
    assert_same_shape(buc[MAIN], sample["X-Business-Use-Case-Usage"]["10153848260347724"])


def test_shape_instagram_media_comments(page: Any, world: World) -> None:
    commented = next(m for m in world.ig_media if any(c.media_id == m.id for c in world.ig_comments))

    got = page.get_connections(commented.id, "comments")

    assert_same_shape({"data": got["data"]}, reference("ig_media_comments.json"))


def test_shape_subscribed_apps(page: Any) -> None:
    listed = page.get_connections(MAIN, "subscribed_apps")
    posted = page.put_object(MAIN, "subscribed_apps", subscribed_fields="leadgen")

    assert_same_shape(listed, reference("page_subscribed_apps_get.json"))
    assert_same_shape(posted, reference("page_subscribed_apps_post.json"))
