"""``make demo`` runs ``socialleads demo``: the committed demo configuration, against the sandbox."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]


def test_the_demo_runs_and_delivers_lead_cards(tmp_path: Path) -> None:
    done = subprocess.run(
        [sys.executable, "-m", "socialleads", "demo", "--seconds", "6", "--data-dir", str(tmp_path / "demo")],
        cwd=REPO,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )

    out = done.stdout + done.stderr
    assert done.returncode == 0, out[-3000:]
    assert "Traceback" not in out
    assert "lead cards delivered" in out
    assert (tmp_path / "demo" / "socialleads.db").exists()
