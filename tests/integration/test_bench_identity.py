"""``bench/identity.py`` runs on a small world and ends with its JSON line (issue #18).

Only that it runs and reports: the figures themselves are the benchmark's business, not a test's.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
KINDS = {
    "ordinary",
    "shared_office_phone",
    "family_phone",
    "placeholder_phone",
    "role_mailbox",
    "two_emails",
    "name_twin",
    "email_typo",
    "x_author",
    "bio_hint",
}


def test_the_identity_bench_prints_pairwise_precision_and_recall_last() -> None:
    done = subprocess.run(
        [sys.executable, "bench/identity.py", "--people", "200", "--seed", "3", "--runs", "1"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=60,
        check=True,
    )
    result = json.loads(done.stdout.strip().splitlines()[-1])
    assert result["bench"] == "identity" and result["people"] == 200
    for key in ("pair_precision", "pair_recall", "baseline_pair_precision", "baseline_pair_recall"):
        assert 0.0 <= result[key] <= 1.0, key
    assert result["drafts"] > result["people"] and result["touches"] > 0
    assert result["leads"] > 0 and result["leads_per_s"] > 0 and result["baseline_leads_per_s"] > 0
    assert result["speed_ratio"] > 0 and result["runs"] == 1
    assert set(result["kinds"]) == KINDS
    assert all(figures["people"] > 0 for figures in result["kinds"].values())
