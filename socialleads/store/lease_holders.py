"""Who holds a delivery's lease, and whether the process behind a lease is gone.

A lease names its holder ``host/pid/start/nonce``: the host name, the process id, the process's
start time as the kernel counts it (field 22 of Linux's ``/proc/<pid>/stat``, clock ticks since
boot; empty where there is no ``/proc``) and a nonce drawn when the process first claimed. A
process that starts takes back at once the leases of holders on its own host that are gone: no
process with that pid, a zombie, or a process with that pid that started at another time (the pid
was reused, as pid 1 is by every restart of a container). A holder on another host cannot be
checked from here: its leases run out (they are short, and renewed while their holder lives).
"""

from __future__ import annotations

import os
import secrets
import socket
from pathlib import Path

_PROC = Path("/proc")
_HOST_CHARS = 120  # the column holds 200; a host name is at most 64 (253 for a full domain name)
_current: tuple[int, str] | None = None


def _process(pid: int) -> tuple[bool, str]:
    """Whether ``pid`` is a live process (not a zombie), and its start time ("" when unknown)."""
    if not (_PROC / "self" / "stat").exists():  # no procfs (macOS, Windows): ask the kernel
        try:
            os.kill(pid, 0)
        except ProcessLookupError:
            return False, ""
        except PermissionError:  # another user's process: alive
            return True, ""
        return True, ""
    try:
        stat = (_PROC / str(pid) / "stat").read_text()
    except (FileNotFoundError, ProcessLookupError):
        return False, ""
    # "pid (comm) state ppid ... starttime ...": comm may hold spaces and parentheses.
    fields = stat[stat.rindex(")") + 2 :].split()
    return fields[0] not in ("Z", "X"), fields[19]


def this_process() -> str:
    """The holder name of this process, the same for every lease it takes.

    Computed once per process (a forked child gets its own).
    """
    global _current
    pid = os.getpid()
    if _current is None or _current[0] != pid:
        _, started = _process(pid)
        host = socket.gethostname()[:_HOST_CHARS]
        _current = (pid, f"{host}/{pid}/{started}/{secrets.token_hex(4)}")
    return _current[1]


def is_gone(holder: str) -> bool:
    """Whether ``holder`` is certainly no longer running, so its leases may be taken back now.

    Called when a dispatcher starts, for every holder of a lease that has not run out. A holder on
    another host, or one whose name cannot be read, is not known to be gone.
    """
    parts = holder.rsplit("/", 3)
    if len(parts) != 4 or not parts[1].isdigit():
        return False
    host, pid_text, started, _nonce = parts
    if host != socket.gethostname()[:_HOST_CHARS]:
        return False
    pid = int(pid_text)
    if pid == os.getpid():  # this process is alive: the holder is either it, or its predecessor with its pid
        return holder != this_process()
    alive, now_started = _process(pid)
    if not alive:
        return True
    return bool(started and now_started and started != now_started)
