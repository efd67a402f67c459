"""``/api/v1/leads`` over real HTTP on both databases: filters, search, paging while leads arrive,
sorts, a lead in full, PATCH with its audit entries, and what sales see of their team's leads."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import update

from socialleads.accounts.roles import Role
from socialleads.bot import Bot, build_bot
from socialleads.settings import ApiSettings, Settings
from socialleads.store import accounts, lead_queries
from socialleads.store.db import reading
from socialleads.store.lead_queries import LeadFilters
from socialleads.store.tables import leads, touches
from tests.support.api import ANY_PORT, ApiServer, Caller, serving_api
from tests.support.bots import Clock
from tests.support.configs import write_config
from tests.support.scripted_source import registry_with_scripted, write_script

T0 = datetime(2026, 11, 27, 12, 0, tzinfo=UTC)
TEAMS = {"north": ["Björn Berg", "anna@example.com"], "south": ["elena@example.com"]}
HOSTILE_NAME = '<script>alert("x")</script> Ross'
BUYING = "How much does the sofa cost? I want to buy two, please send me a price"


@dataclass
class Shop:
    """A bot with two scripted sources (``src`` in campaign spring, ``fair`` in campaign expo), a console
    sink every lead goes to, the teams above, and its API served on loopback."""

    bot: Bot
    api: ApiServer
    clock: Clock
    scripts: dict[str, Path]
    admin: Caller

    def store(self, source: str, events: list[dict[str, Any]]) -> None:
        """``events`` become what ``source`` returns; poll it, and deliver what it made due."""
        write_script(self.scripts[source], events)
        assert self.bot.runner.poll(source).status == "ok"
        self.bot.dispatcher.dispatch_due()

    def leads(self, caller: Caller | None = None, /, **params: Any) -> list[dict[str, Any]]:
        """Every lead the caller lists with ``params`` (one page of up to 200)."""
        answer = (caller or self.admin).get("/api/v1/leads", params={"limit": 200, **params})
        assert answer.status_code == 200, answer.text
        assert answer.json()["next_cursor"] is None
        items: list[dict[str, Any]] = answer.json()["items"]
        return items


def shop_bot(tmp_path: Path, database_url: str, **settings: Any) -> tuple[Bot, Clock, dict[str, Path]]:
    """The bot of ``Shop``; ``settings`` go to ``Settings`` (``api=ApiSettings(sales_see="team")``)."""
    scripts = {name: tmp_path / f"{name}.json" for name in ("src", "fair")}
    for script in scripts.values():
        write_script(script, [])
    config = write_config(
        tmp_path / "config",
        sources={
            name: {"type": "scripted", "phone_region": "IS", "config": {"script": str(path)}}
            for name, path in scripts.items()
        },
        sinks={"out": {"type": "console"}},
        campaigns={
            "spring": {"sources": ["src"], "owner_team": "north", "intent_threshold": 0.5},
            "expo": {"sources": ["fair"]},
        },
        default_route=["out"],
        teams=TEAMS,
    )
    clock = Clock(T0)
    bot = build_bot(
        Settings(database_url=database_url, config_dir=config, web=ANY_PORT, **settings),
        registry=registry_with_scripted(),
        clock=clock,
    )
    return bot, clock, scripts


@pytest.fixture
def shop(tmp_path: Path, database_url: str) -> Iterator[Shop]:
    bot, clock, scripts = shop_bot(tmp_path, database_url)
    try:
        with serving_api(bot) as api:
            yield Shop(bot, api, clock, scripts, api.person("ada@example.com", Role.ADMIN))
    finally:
        bot.close()


def people(first: int, count: int, **extra: Any) -> list[dict[str, Any]]:
    """Lead-form events ``first``.. with a name, an email and an Icelandic mobile each."""
    return [
        {"seq": n, "name": f"Person {n}", "email": f"p{n}@example.com", "phone": f"+354 6{n:06d}", **extra}
        for n in range(first, first + count)
    ]


def stock(shop: Shop) -> None:
    """Spring leads at T0 (lead forms, a comment, a merge, a bad phone, a hostile name), then an hour
    later the fair's imported rows."""
    shop.store(
        "src",
        [
            *people(1, 6),
            {"seq": 7, "name": "Anna Jónsdóttir", "email": "anna.j@example.is", "phone": "+354 661 2345"},
            {"seq": 8, "name": HOSTILE_NAME, "email": "ross@example.com", "phone": "12345"},
            {"seq": 9, "kind": "comment", "name": "Carla", "handle": "carla", "message": BUYING},
            {"seq": 10, "name": "Dan", "email": "dan@example.com", "message": "Do you have oak tables?"},
        ],
    )
    shop.clock.advance(hours=1)
    shop.store("fair", [{"seq": n, "kind": "import_row", "name": f"Visitor {n}", "email": f"v{n}@fair.dk"}
                        for n in range(1, 5)])  # fmt: skip


def keys(items: list[dict[str, Any]]) -> set[str]:
    return {item["id"] for item in items}


def test_each_filter_selects_exactly_the_leads_that_match_it(shop: Shop) -> None:
    stock(shop)
    everyone = shop.leads()
    assert len(everyone) == 14
    first = everyone[-1]["id"]
    assert shop.admin.patch(f"/api/v1/leads/{first}", json={"status": "contacted"}).status_code == 200
    everyone = shop.leads()
    cases: list[tuple[dict[str, str], Any]] = [
        ({"campaign": "expo"}, lambda i: i["campaign"] == "expo"),
        ({"source": "fair"}, lambda i: "fair" in i["sources"]),
        ({"kind": "import_row"}, lambda i: "import_row" in i["kinds"]),
        ({"kind": "comment", "source": "src"}, lambda i: i["kinds"] == ["comment"]),
        ({"status": "contacted"}, lambda i: i["status"] == "contacted"),
        ({"owner": "Björn Berg"}, lambda i: i["owner"] == "Björn Berg"),
        ({"language": "en"}, lambda i: i["language"] == "en"),
        ({"created_after": (T0 + timedelta(minutes=30)).isoformat()}, lambda i: i["campaign"] == "expo"),
        ({"created_before": "2026-11-27T13:30:00+01:00"}, lambda i: i["campaign"] == "spring"),
    ]
    for grade in {i["grade"] for i in everyone}:
        cases.append(({"grade": grade}, lambda i, g=grade: i["grade"] == g))
    for params, matches in cases:
        wanted = {i["id"] for i in everyone if matches(i)}
        assert wanted and wanted != keys(everyone), params  # each case selects some, not all
        assert keys(shop.leads(**params)) == wanted, params
    assert shop.leads(platform="x") == [] and len(shop.leads(platform="test")) == 14
    assert shop.leads(campaign="spring", source="fair") == []


def test_search_finds_names_emails_phones_and_messages_but_no_wildcards(shop: Shop) -> None:
    stock(shop)
    shop.store(
        "src", [{"seq": 11, "name": "Dan D.", "email": "dan@example.com", "message": "walnut, please"}]
    )

    def names(q: str) -> list[str]:
        return [item["name"] for item in shop.leads(q=q)]

    assert names("JÓNSDÓTTIR".lower()) == ["Anna Jónsdóttir"] == names("ANNA J")
    assert names("anna.j@exam") == ["Anna Jónsdóttir"]
    assert names("661 2345") == ["Anna Jónsdóttir"] == names("+354 661-2345")
    assert names("price") == ["Carla"]  # the comment's words
    assert names("walnut") == ["Dan"] == names("oak tab")  # either touch's message finds the lead
    assert names("<script>") == [HOSTILE_NAME]
    assert names("%%") == [] and names("__") == []  # LIKE's wildcards are taken literally
    assert names("nobody wrote this") == []
    assert shop.admin.get("/api/v1/leads", params={"q": "a"}).status_code == 422


def test_searching_from_the_index_and_row_by_row_find_the_same_leads(shop: Shop) -> None:
    stock(shop)
    with reading(shop.bot.engine) as conn:
        for q in ("person", "example", "Anna", "oak", "+3546", "nothing like it"):
            by_index = lead_queries.list_leads(conn, LeadFilters(q=q), limit=5, search_candidates=1000)
            row_by_row = lead_queries.list_leads(conn, LeadFilters(q=q), limit=5, search_candidates=0)
            assert by_index == row_by_row, q
            if by_index.next_cursor:
                pages = [
                    lead_queries.list_leads(
                        conn, LeadFilters(q=q), limit=5, cursor=by_index.next_cursor, search_candidates=n
                    )
                    for n in (1000, 0)
                ]
                assert pages[0] == pages[1] and pages[0].items, q


def page_through(shop: Shop, sort: str, limit: int, between: Any = None) -> list[str]:
    """Every lead's id, a page of ``limit`` at a time in ``sort`` order, calling ``between(page)``
    after each page."""
    seen: list[str] = []
    cursor, page = None, 0
    while True:
        params: dict[str, Any] = {"sort": sort, "limit": limit, **({"cursor": cursor} if cursor else {})}
        answer = shop.admin.get("/api/v1/leads", params=params)
        assert answer.status_code == 200, answer.text
        seen += [item["id"] for item in answer.json()["items"]]
        cursor, page = answer.json()["next_cursor"], page + 1
        if cursor is None:
            return seen
        if between is not None:
            between(page)


def test_paging_shows_every_lead_once_while_new_leads_arrive(shop: Shop) -> None:
    shop.store("src", people(1, 23))
    before = keys(shop.leads())
    arrivals = iter(range(100, 1000, 3))

    def new_leads_arrive(page: int) -> None:
        shop.clock.advance(minutes=1)
        shop.store("src", people(next(arrivals), 3))

    newest_first = page_through(shop, "-created_at", 4, new_leads_arrive)
    assert len(newest_first) == len(set(newest_first)) == 23 and set(newest_first) == before
    everyone = keys(shop.leads())
    oldest_first = page_through(shop, "created_at", 5, new_leads_arrive)
    assert len(oldest_first) == len(set(oldest_first))  # nobody twice
    assert set(oldest_first) >= everyone  # nobody missed; those arriving meanwhile come at the end
    assert len(oldest_first) > len(everyone)


def test_every_sort_pages_in_its_order(shop: Shop) -> None:
    stock(shop)
    shop.clock.advance(hours=1)
    shop.store(
        "src", [{"seq": 12, "name": "Person 2 again", "email": "p2@example.com", "message": "me again"}]
    )
    everyone = shop.leads()
    by_id = {item["id"]: item for item in everyone}
    for sort, key, reverse in (
        ("-created_at", "created_at", True),
        ("created_at", "created_at", False),
        ("-updated_at", "updated_at", True),
        ("-quality_score", "quality_score", True),
    ):
        paged = page_through(shop, sort, 3)
        assert sorted(paged) == sorted(by_id), sort
        values = [by_id[i][key] for i in paged]
        assert values == sorted(values, reverse=reverse), sort
        assert paged == [item["id"] for item in shop.leads(sort=sort)], sort
    returning = next(i for i in everyone if i["email"] == "p2@example.com")
    assert shop.leads(sort="-updated_at")[0]["id"] == returning["id"] != shop.leads()[0]["id"]


def test_leads_without_a_quality_score_come_last_when_sorted_by_it(shop: Shop) -> None:
    shop.store("src", people(1, 7))
    unscored = [item["number"] for item in shop.leads()[2:5]]  # stored before scoring, say
    with shop.bot.engine.begin() as conn:
        conn.execute(update(leads).where(leads.c.id.in_(unscored)).values(quality_score=None))
    paged = page_through(shop, "-quality_score", 2)
    numbers = {item["id"]: item["number"] for item in shop.leads()}
    assert len(paged) == len(set(paged)) == 7
    assert [numbers[key] for key in paged[4:]] == sorted(unscored, reverse=True)


def test_a_cursor_from_elsewhere_is_refused(shop: Shop) -> None:
    shop.store("src", people(1, 3))
    cursor = shop.admin.get("/api/v1/leads", params={"limit": 1}).json()["next_cursor"]
    other_sort = shop.admin.get("/api/v1/leads", params={"limit": 1, "cursor": cursor, "sort": "-updated_at"})
    assert other_sort.status_code == 400 and "sort" in other_sort.json()["detail"]
    assert shop.admin.get("/api/v1/leads", params={"cursor": "bm90IG91cnM"}).status_code == 400
    assert shop.admin.get("/api/v1/leads", params={"limit": 201}).status_code == 422
    assert shop.admin.get("/api/v1/leads?grade=A&grade=B").status_code == 422
    for not_a_time in ("0.5", "2026-11-27", "2026-11-27T12:00:00"):
        assert shop.admin.get("/api/v1/leads", params={"created_after": not_a_time}).status_code == 422


def test_a_lead_in_full(shop: Shop) -> None:
    stock(shop)
    shop.clock.advance(hours=1)
    shop.store(
        "src", [{"seq": 13, "name": HOSTILE_NAME, "email": "ross@example.com", "message": "still keen"}]
    )
    item = next(i for i in shop.leads() if i["email"] == "ross@example.com")
    with shop.bot.engine.begin() as conn:
        conn.execute(
            update(touches).where(touches.c.native_id == "e13").values(url="https://example.com/p/13")
        )
    answer = shop.admin.get(f"/api/v1/leads/{item['id']}")
    assert answer.status_code == 200, answer.text
    assert not any(HOSTILE_NAME in value or "script" in value for value in answer.headers.values())
    lead = answer.json()
    assert lead["id"] == item["id"] and lead["number"] == item["number"]
    assert lead["contact"]["display_name"] == HOSTILE_NAME and lead["contact"]["phone"] is None
    assert lead["contact"]["flags"] == [
        {"field": "phone", "raw": "12345", "problem": lead["contact"]["flags"][0]["problem"]}
    ]
    assert [t["native_id"] for t in lead["touches"]] == ["e8", "e13"]
    assert lead["touches"][0]["merge_reason"].startswith("new person")
    assert lead["touches"][1]["merge_reason"].startswith("same email")
    assert [t["url"] for t in lead["touches"]] == [None, "https://example.com/p/13"]
    assert lead["touches"][1]["message"] == "still keen"
    assert lead["quality"]["grade"] == item["grade"]
    assert sum(r["points"] for r in lead["quality"]["reasons"]) == pytest.approx(
        lead["quality"]["score"], abs=1
    )
    assert lead["route"] == {"rules": "default", "owner": lead["owner"], "sinks": {"out": "default"}}
    assert lead["owner"] in TEAMS["north"]
    [delivery] = lead["deliveries"]
    assert delivery["sink"] == "out" and delivery["status"] == "delivered" and delivery["attempts"] >= 1
    assert lead["status"] == "new" and lead["notes"] == [] and lead["touch_count"] == 2


def test_a_comment_lead_shows_its_intent_and_reasons(shop: Shop) -> None:
    stock(shop)
    item = next(i for i in shop.leads() if i["name"] == "Carla")
    lead = shop.admin.get(f"/api/v1/leads/{item['id']}").json()
    assert lead["intent"]["is_lead"] and lead["intent"]["language"] == "en" and lead["intent"]["reasons"]
    handle = {
        "platform": "test",
        "user_id": None,
        "username": "carla",
        "display_name": None,
        "profile_url": None,
    }
    assert lead["handles"] == [handle]
    assert lead["touches"][0]["message"] == BUYING
    # The spans point into the message of the touch the intent was read from, for highlighting.
    assert lead["intent"]["touch_id"] == lead["touches"][0]["id"]
    spans = [r["span"] for r in lead["intent"]["reasons"] if r["span"]]
    assert spans and all(0 <= start < end <= len(BUYING) for start, end in spans)
    # The list shows the strongest reasons in words, and when the person wrote.
    strongest = sorted(lead["intent"]["reasons"], key=lambda r: -(r["points"] or 0))[:3]
    assert item["reasons"] == [r["detail"] for r in strongest]
    assert item["last_touch_at"] == max(t["occurred_at"] for t in lead["touches"])
    assert shop.admin.get("/api/v1/leads/sl1-nothing-like-it").status_code == 404


def audit_of(shop: Shop, key: str) -> list[dict[str, Any]]:
    answer = shop.admin.get("/api/v1/audit", params={"target": f"lead:{key}"})
    assert answer.status_code == 200, answer.text
    entries: list[dict[str, Any]] = answer.json()
    return entries


def test_patch_changes_status_owner_and_notes_and_audits_each(shop: Shop) -> None:
    shop.store("src", people(1, 2))
    key = shop.leads()[0]["id"]
    sam = shop.api.person("sam@example.com", Role.SALES)
    shop.clock.advance(minutes=5)
    answer = sam.patch(
        f"/api/v1/leads/{key}", json={"status": "contacted", "note": "Called, call back Monday"}
    )
    assert answer.status_code == 200, answer.text
    lead = answer.json()
    assert (lead["status"], lead["status_changed_by"]) == ("contacted", "sam@example.com")
    assert lead["status_changed_at"] == "2026-11-27T12:05:00Z"
    assert lead["notes"] == [
        {
            "author": "sam@example.com",
            "body": "Called, call back Monday",
            "created_at": "2026-11-27T12:05:00Z",
        }
    ]
    refused = sam.patch(f"/api/v1/leads/{key}", json={"status": "lost", "note": "not written"})
    assert refused.status_code == 422 and "reason" in refused.json()["detail"]
    shop.clock.advance(minutes=5)
    lost = sam.patch(
        f"/api/v1/leads/{key}", json={"status": "lost", "status_reason": "chose a rival", "owner": None}
    )
    assert lost.status_code == 200, lost.text
    lead = lost.json()
    assert (lead["status"], lead["status_reason"], lead["owner"]) == ("lost", "chose a rival", None)
    assert len(lead["notes"]) == 1  # the refused request wrote nothing
    assert sam.patch(f"/api/v1/leads/{key}", json={"owner": "Zoë"}).json()["owner"] == "Zoë"
    assert (
        sam.patch(
            f"/api/v1/leads/{key}", json={"status": "lost", "status_reason": "chose a rival"}
        ).status_code
        == 200
    )
    entries = [(e["action"], e["actor"], e["before"], e["after"]) for e in reversed(audit_of(shop, key))]
    owner_before = entries[3][2]["owner"]
    assert owner_before in TEAMS["north"]
    assert entries == [
        (
            "lead.status",
            "sam@example.com",
            {"status": "new", "status_reason": None},
            {"status": "contacted", "status_reason": None},
        ),
        (
            "lead.note",
            "sam@example.com",
            None,
            {
                "author": "sam@example.com",
                "body": "Called, call back Monday",
                "created_at": "2026-11-27T12:05:00+00:00",
            },
        ),
        (
            "lead.status",
            "sam@example.com",
            {"status": "contacted", "status_reason": None},
            {"status": "lost", "status_reason": "chose a rival"},
        ),
        ("lead.owner", "sam@example.com", {"owner": owner_before}, {"owner": None}),
        ("lead.owner", "sam@example.com", {"owner": None}, {"owner": "Zoë"}),
    ]  # fmt: skip  (the same status again changed nothing and wrote nothing)


def test_patch_refuses_what_it_cannot_do(shop: Shop) -> None:
    shop.store("src", people(1, 1))
    key = shop.leads()[0]["id"]
    for body in (
        {"status": "archived"},
        {"status": None},
        {"status_reason": "no status"},
        {"note": ""},
        {"note": "   "},
        {"colour": "red"},
    ):
        answer = shop.admin.patch(f"/api/v1/leads/{key}", json=body)
        assert answer.status_code == 422, body
        assert answer.headers["content-type"].startswith("application/problem+json")
    assert shop.admin.patch("/api/v1/leads/sl1-unknown", json={"status": "won"}).status_code == 404
    assert audit_of(shop, key) == []


def test_strangers_and_forged_browser_changes_are_refused(shop: Shop) -> None:
    shop.store("src", people(1, 1))
    key = shop.leads()[0]["id"]
    stranger = shop.api.anonymous()
    for answer in (
        stranger.get("/api/v1/leads"),
        stranger.get(f"/api/v1/leads/{key}"),
        stranger.patch(f"/api/v1/leads/{key}", json={"status": "won"}),
    ):
        assert answer.status_code == 401
    revoked = shop.api.person("rev@example.com", Role.MANAGER)
    with shop.bot.engine.begin() as conn:
        user = accounts.find_user(conn, "rev@example.com")
        assert user is not None
        for token in accounts.tokens_of(conn, user.id):
            accounts.revoke_token(conn, token.id, shop.clock())
    assert revoked.get("/api/v1/leads").status_code == 401
    shop.api.person("mia@example.com", Role.MANAGER)
    browser, csrf = shop.api.signed_in("mia@example.com")
    assert browser.get(f"/api/v1/leads/{key}").status_code == 200  # reading needs no CSRF header
    assert browser.patch(f"/api/v1/leads/{key}", json={"status": "won"}).status_code == 403
    changed = browser.patch(f"/api/v1/leads/{key}", json={"status": "won"}, headers={"X-CSRF-Token": csrf})
    assert changed.status_code == 200 and changed.json()["status"] == "won"
    assert [e["actor"] for e in audit_of(shop, key)] == ["mia@example.com"]


@pytest.fixture
def team_shop(tmp_path: Path, database_url: str) -> Iterator[Shop]:
    bot, clock, scripts = shop_bot(tmp_path, database_url, api=ApiSettings(sales_see="team"))
    try:
        with serving_api(bot) as api:
            yield Shop(bot, api, clock, scripts, api.person("ada@example.com", Role.ADMIN))
    finally:
        bot.close()


def test_sales_see_only_their_teams_leads_when_so_set(team_shop: Shop) -> None:
    shop = team_shop
    shop.store("src", people(1, 4))  # owned in turn by the north team: Björn Berg, anna@example.com
    shop.store("fair", people(20, 5))  # no owner
    fair = [i["id"] for i in shop.leads(campaign="expo")]
    owners = {fair[0]: "elena@example.com", fair[1]: "dora@example.com", fair[2]: "SAM", fair[3]: "Stranger"}
    for key, owner in owners.items():
        assert shop.admin.patch(f"/api/v1/leads/{key}", json={"owner": owner}).status_code == 200
    sam = shop.api.person("sam@example.com", Role.SALES, team="north", name="Sam")
    shop.api.person("dora@example.com", Role.SALES, team="north")  # in the team by the users table only
    eve = shop.api.person("elena@example.com", Role.SALES, team="south")
    loner = shop.api.person("lone@example.com", Role.SALES)
    manager = shop.api.person("max@example.com", Role.MANAGER)
    north = {i["id"] for i in shop.leads(campaign="spring")} | {fair[1], fair[2]}
    assert keys(shop.leads(sam)) == north
    assert keys(shop.leads(sam, q="example")) == north & keys(shop.leads(q="example"))
    assert keys(shop.leads(eve)) == {fair[0]}
    assert shop.leads(loner) == []
    assert keys(shop.leads(manager)) == keys(shop.leads()) and len(shop.leads()) == 9
    assert sam.get(f"/api/v1/leads/{fair[1]}").status_code == 200
    for out_of_sight in (fair[0], fair[3], fair[4]):
        assert sam.get(f"/api/v1/leads/{out_of_sight}").status_code == 404
        assert sam.patch(f"/api/v1/leads/{out_of_sight}", json={"status": "won"}).status_code == 404
    assert audit_of(shop, fair[0])[0]["action"] == "lead.owner"  # the admin's, and nothing of Sam's
    assert len(audit_of(shop, fair[0])) == 1


def test_sales_see_every_lead_by_default(shop: Shop) -> None:
    shop.store("src", people(1, 3))
    shop.store("fair", people(20, 2))
    sam = shop.api.person("sam@example.com", Role.SALES, team="north")
    assert keys(shop.leads(sam)) == keys(shop.leads()) and len(shop.leads(sam)) == 5
