"""Whether the process named by a lease is gone: dead, a zombie, or its pid reused by another."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
from pathlib import Path

import pytest

from socialleads.store.lease_holders import is_gone, this_process


def _started(pid: int) -> str:
    stat = Path(f"/proc/{pid}/stat").read_text()
    return stat[stat.rindex(")") + 2 :].split()[19]


def _dead_pid() -> int:
    child = subprocess.Popen([sys.executable, "-c", "pass"])
    child.wait(10)
    return child.pid


def test_this_process_holds_its_own_leases() -> None:
    assert this_process() == this_process()
    assert not is_gone(this_process())


def test_a_process_that_exited_is_gone() -> None:
    assert is_gone(f"{socket.gethostname()}/{_dead_pid()}//0badcafe")


@pytest.mark.skipif(not Path("/proc/self/stat").exists(), reason="start times come from Linux's /proc")
def test_a_live_pid_is_gone_only_if_it_started_at_another_time() -> None:
    parent = os.getppid()
    host = socket.gethostname()
    assert not is_gone(f"{host}/{parent}/{_started(parent)}/0badcafe")
    assert is_gone(f"{host}/{parent}/{int(_started(parent)) + 1}/0badcafe")  # the pid was reused


def test_an_earlier_process_with_this_pid_is_gone() -> None:
    # A container restarts its bot as pid 1 every time: the pid alone says nothing.
    host, pid, started, _ = this_process().rsplit("/", 3)
    assert is_gone(f"{host}/{pid}/{started}/0badcafe")


def test_a_holder_on_another_host_or_unreadable_is_not_known_to_be_gone() -> None:
    assert not is_gone(f"not-{socket.gethostname()}/{_dead_pid()}//0badcafe")
    assert not is_gone("something else")
    assert not is_gone(f"{socket.gethostname()}/twelve//0badcafe")
