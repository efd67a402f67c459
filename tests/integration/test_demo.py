"""``make demo`` runs ``socialleads demo``: the committed demo configuration, against the sandbox.

The demo runs on the real clock, as a user runs it: its sandbox world is built around "now", so no
date is fixed anywhere.
"""

from __future__ import annotations

import json
import os
import re
import sqlite3
import subprocess
import sys
from datetime import datetime, timedelta
from pathlib import Path

from tests.support.ports import free_port

REPO = Path(__file__).resolve().parents[2]
#: How long a lead form the sandbox made may take to be stored (its webhook, the Graph read).
SETTLE = timedelta(seconds=3)


def count(pattern: str, text: str) -> int:
    """The number the summary line matching ``pattern`` prints (one group); 0 when no line matches."""
    found = re.search(pattern, text)
    return int(found.group(1)) if found else 0


def test_the_demo_shows_every_platform_and_delivers_to_the_sales_pipeline(tmp_path: Path) -> None:
    data = tmp_path / "demo"
    done = subprocess.run(
        [sys.executable, "-m", "socialleads", "demo", "--seconds", "8", "--data-dir", str(data)],
        cwd=REPO,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
        env={**os.environ, "SOCIALLEADS_WEB__PORT": str(free_port())},  # not 8787: tests run side by side
    )

    out = done.stdout + done.stderr
    assert done.returncode == 0, out[-3000:]
    assert "Traceback" not in out
    summary = out[out.index("demo summary") :]
    assert count(r"heimili_x_mentions: (\d+) became leads", summary) > 0, summary
    assert count(r"heimili_x_search: (\d+) became leads", summary) > 0, summary
    assert count(r"trade_show_inbox: (\d+) became leads", summary) > 0, summary
    assert re.search(r"Latest touch: x (mention|post) from heimili_x_", out), "no X lead card"
    assert count(r"(\d+) to crm", summary) > 0, summary
    assert count(r"(\d+) to sales_channel", summary) > 0, summary
    assert count(r"HubSpot \(emulated\): (\d+) contacts created", summary) > 0, summary
    assert count(r"Slack #sales \(emulated\): (\d+) messages posted", summary) > 0, summary

    with sqlite3.connect(data / "socialleads.db") as db:
        twice = db.execute(
            "SELECT native_id FROM touches WHERE platform = 'x' GROUP BY native_id HAVING count(*) > 1"
        ).fetchall()
        stored_twice = db.execute(
            "SELECT native_id FROM raw_events WHERE source LIKE 'heimili_x_%' "
            "GROUP BY native_id HAVING count(*) > 1"
        ).fetchall()
        forms = db.execute(
            "SELECT r.native_id, count(t.id) FROM raw_events r LEFT JOIN touches t ON t.raw_event_id = r.id "
            "WHERE r.kind = 'lead_form' GROUP BY r.native_id"
        ).fetchall()
    assert twice == [], "an X post became a lead (a touch) twice"
    assert stored_twice == [], "an X post was read by both X sources"
    # The sandbox's ground truth: every lead form it made (test leads included) is stored once, as
    # one touch; raw_events keeps one row per (source, native id), so a second would be a second source.
    # Forms made in the last seconds before the demo stopped may still be on their way: not counted.
    truth = json.loads((data / "truth.json").read_text(encoding="utf-8"))
    stopped = max(datetime.fromisoformat(item["created_at"]) for item in truth)
    made = [item for item in truth if item["kind"] == "lead_form"]
    settled = {i["native_id"] for i in made if datetime.fromisoformat(i["created_at"]) < stopped - SETTLE}
    stored = {native_id for native_id, _ in forms}
    assert settled and settled <= stored, f"lead forms the sandbox made were not stored: {settled - stored}"
    assert stored <= {i["native_id"] for i in made}, "a lead form was stored that the sandbox never made"
    assert {touches for _, touches in forms} == {1}, "a lead form was not stored as exactly one touch"
