"""Email and phone checks for the next chunk, in a second process, while this one stores a chunk.

A poll of many chunks (a CSV of 100,000 rows, a backfill) is CPU-bound in one process: the
validators (email-validator and phonenumbers, pure Python) are about a third of it, the store most
of the rest. The GIL lets no thread of ours run them beside the store, so a helper process does:
the runner parses chunk k+1, sends its distinct unchecked values here, stores chunk k meanwhile,
then takes the answers into the caches (``check_cache``) and normalizes chunk k+1 from them.

The helper starts on the first poll with more than one chunk, and only where there is a second
CPU. It runs the very functions ``normalize`` would (``check_phone``, ``check_email``), and on the
valid values it finds, those lead quality would (``phone_placeholder``, ``email_concern``), so the
results are the same; if it fails, the checks simply run here, as they do without it.

The helper ends with the bot, however the bot ends (a SIGKILL leaves no chance to stop it): on
Linux the kernel kills it the moment the bot's process dies (``PR_SET_PDEATHSIG``, asked for
before the helper imports anything, so even a helper still starting up goes at once); elsewhere a
thread in it watches a pipe only the bot holds open. A helper that ends for any reason is reaped
at once by the bot's thread that started it, so no defunct process stays under a running bot.
"""

from __future__ import annotations

import contextlib
import json
import logging
import os
import pickle
import subprocess
import sys
import threading
from collections.abc import Iterable
from concurrent.futures import Future
from dataclasses import dataclass
from typing import IO

from socialleads.models import LeadDraft
from socialleads.pipeline.emails import EMAILS, check_email
from socialleads.pipeline.normalize import PHONES, check_keys, check_phone
from socialleads.qualify.contact_checks import (
    EMAIL_CONCERNS,
    PHONE_CONCERNS,
    EmailConcern,
    email_concern,
    phone_placeholder,
)

log = logging.getLogger("socialleads.pipeline")

PhoneResults = dict[tuple[str, str | None], tuple[str | None, str | None]]
EmailResults = dict[str, tuple[str | None, str | None]]

#: The helper's first lines, before it imports anything of ours (a second or more on a busy machine):
#: die with the bot (PR_SET_PDEATHSIG is 1 in <linux/prctl.h>; https://man7.org/linux/man-pages/man2/prctl.2.html),
#: and if the bot died before that was asked for (the helper is then another process's child), end now.
#: Ctrl-C reaches the whole process group: the bot, not the keyboard, decides when the helper ends.
_BOOT = """\
import json, os, signal, sys
signal.signal(signal.SIGINT, signal.SIG_IGN)
if sys.platform.startswith("linux"):
    import ctypes
    try:
        ctypes.CDLL(None, use_errno=True).prctl(1, signal.SIGKILL, 0, 0, 0)
    except (AttributeError, OSError):
        pass
if os.getppid() != int(sys.argv[1]):
    os._exit(0)
sys.path[:] = json.loads(sys.argv[2])
from socialleads.pipeline.contact_check_helper import serve
serve(*map(int, sys.argv[3:6]))
"""


class HelperFailed(Exception):
    """The helper could not answer: it ended, or a check raised in it (only the error's type is kept:
    its message may hold the address or number checked)."""


@dataclass(frozen=True)
class CheckResults:
    """The helper's answers for one chunk: the validators' (``PHONES``, ``EMAILS``), and the quality
    verdicts on the valid values they returned (``PHONE_CONCERNS``, ``EMAIL_CONCERNS``)."""

    phones: PhoneResults
    emails: EmailResults
    phone_concerns: dict[str, str | None]
    email_concerns: dict[str, EmailConcern]


def check_values(phones: list[tuple[str, str | None]], emails: list[str]) -> CheckResults:
    """Runs in the helper process: every check's result, by its key."""
    phone_results = {key: check_phone(key) for key in phones}
    email_results = {raw: check_email(raw) for raw in emails}
    return CheckResults(
        phone_results,
        email_results,
        {e164: phone_placeholder(e164) for e164, _ in phone_results.values() if e164 is not None},
        {address: email_concern(address) for address, _ in email_results.values() if address is not None},
    )


def serve(requests_fd: int, answers_fd: int, alive_fd: int) -> None:
    """Runs in the helper process (``_BOOT``): answer each request until the bot closes its pipe."""

    def watch() -> None:
        # Only the bot holds this pipe's other end: the read returns (empty) when the bot closes the
        # helper or its process ends. The exit-with-the-bot where PR_SET_PDEATHSIG is missing (macOS).
        os.read(alive_fd, 1)
        os._exit(0)

    threading.Thread(target=watch, name="exit-with-bot", daemon=True).start()
    with os.fdopen(requests_fd, "rb") as requests, os.fdopen(answers_fd, "wb") as answers:
        while True:
            try:
                number, phones, emails = pickle.load(requests)  # noqa: S301 - sent by the bot that started us
            except EOFError:
                return
            try:
                answer: tuple[int, CheckResults | None, str | None] = (
                    number,
                    check_values(phones, emails),
                    None,
                )
            except Exception as exc:  # noqa: BLE001 - the bot runs the checks itself then
                answer = (number, None, type(exc).__name__)
            pickle.dump(answer, answers, protocol=pickle.HIGHEST_PROTOCOL)
            answers.flush()


class _HelperProcess:
    """One running helper: requests go down one pipe, answers come back on another.

    The thread that starts the process reads the answers and reaps the process when it ends. It
    must live as long as the process: Linux sends the parent-death signal when the *thread* that
    started a child ends, not only its process (prctl(2)), and a poll's thread may end first.
    """

    def __init__(self) -> None:
        self._lock = threading.Lock()
        """Guards ``_pending``, ``_numbers``, ``_ended`` and ``_alive``."""
        self._writing = threading.Lock()
        """One request at a time on the pipe."""
        self._pending: dict[int, Future[CheckResults]] = {}
        self._numbers = 0
        self._ended = False
        started: Future[tuple[subprocess.Popen[bytes], IO[bytes], int]] = Future()
        self._thread = threading.Thread(
            target=self._run, args=(started,), name="contact-check-helper", daemon=True
        )
        self._thread.start()
        self.process, self._requests, self._alive = started.result()

    @staticmethod
    def _start() -> tuple[subprocess.Popen[bytes], IO[bytes], IO[bytes], int]:
        requests_r, requests_w = os.pipe()
        answers_r, answers_w = os.pipe()
        alive_r, alive_w = os.pipe()
        theirs = (requests_r, answers_w, alive_r)
        try:
            # fork and exec at once (no Python runs between them), so the bot's threads and their
            # locks are never copied into the helper.
            process = subprocess.Popen(  # noqa: S603 - our own interpreter and code
                [sys.executable, "-c", _BOOT, str(os.getpid()), json.dumps(sys.path), *map(str, theirs)],
                stdin=subprocess.DEVNULL,
                pass_fds=theirs,
            )
        except BaseException:
            for fd in (requests_w, answers_r, alive_w):
                os.close(fd)
            raise
        finally:
            for fd in theirs:
                os.close(fd)
        return process, os.fdopen(requests_w, "wb"), os.fdopen(answers_r, "rb"), alive_w

    def _run(self, started: Future[tuple[subprocess.Popen[bytes], IO[bytes], int]]) -> None:
        try:
            process, requests, answers, alive = self._start()
        except BaseException as exc:  # noqa: BLE001 - handed to the thread that asked for the helper
            started.set_exception(exc)
            return
        started.set_result((process, requests, alive))
        try:
            with answers:
                while True:
                    number, results, error = pickle.load(answers)  # noqa: S301 - from our own helper
                    self._settle(number, results, error)
        except Exception:  # noqa: BLE001, S110 - EOF: it ended (or garbled its answer); it is ended below
            pass
        finally:
            process.kill()  # a no-op once it has ended
            process.wait()  # reaped now: no defunct child stays under the running bot
            with self._lock:
                self._ended = True
                pending, self._pending = self._pending, {}
            for future in pending.values():
                future.set_exception(
                    HelperFailed(f"the helper process ended (exit code {process.returncode})")
                )

    def _settle(self, number: int, results: CheckResults | None, error: str | None) -> None:
        with self._lock:
            future = self._pending.pop(number, None)
        if future is None:
            return
        if results is None:
            future.set_exception(HelperFailed(f"{error} in the helper process"))
        else:
            future.set_result(results)

    def submit(self, phones: list[tuple[str, str | None]], emails: list[str]) -> Future[CheckResults]:
        """Send one request; raises ``HelperFailed`` (or the pipe's ``OSError``) if the helper has ended."""
        future: Future[CheckResults] = Future()
        with self._lock:
            if self._ended:
                raise HelperFailed(f"the helper process ended (exit code {self.process.returncode})")
            number = self._numbers = self._numbers + 1
            self._pending[number] = future
        # Not under ``_lock``: a large request fills the pipe until the helper reads it, and the
        # helper may first have to hand over an answer, which the reading thread settles under it.
        try:
            with self._writing:
                pickle.dump((number, phones, emails), self._requests, protocol=pickle.HIGHEST_PROTOCOL)
                self._requests.flush()
        except BaseException:
            with self._lock:
                self._pending.pop(number, None)
            raise
        return future

    def close(self) -> None:
        """End the process at once (its watch sees the pipe close) and wait until it is reaped."""
        with self._lock:
            alive, self._alive = self._alive, -1
        if alive >= 0:
            os.close(alive)
        with self._writing, contextlib.suppress(OSError):  # it has ended: the last bytes go nowhere
            self._requests.close()
        self._thread.join()


class ContactCheckHelper:
    """The helper process, started when first needed; one per runner."""

    def __init__(self) -> None:
        self._helper: _HelperProcess | None = None
        # The helper is handed its pipes by number (pass_fds), which only POSIX systems do.
        self.usable = os.name == "posix" and (os.cpu_count() or 1) > 1

    @property
    def pid(self) -> int | None:
        """The helper process's id while one was started and not closed."""
        return None if self._helper is None else self._helper.process.pid

    def submit(self, drafts: Iterable[LeadDraft], region: str | None) -> Future[CheckResults] | None:
        """Start checking the values of ``drafts`` not cached yet; None when there is nothing to send."""
        if not self.usable:
            return None
        keys = [check_keys(draft.contact, region) for draft in drafts]
        emails = EMAILS.unknown(email for email, _ in keys if email)
        phones = PHONES.unknown(phone for _, phone in keys if phone)
        if not phones and not emails:
            return None
        try:
            if self._helper is None:
                self._helper = _HelperProcess()
            return self._helper.submit(phones, emails)
        except Exception as exc:  # noqa: BLE001 - without the helper the checks run here, as before
            self._give_up(exc)
            return None

    def absorb(self, future: Future[CheckResults] | None) -> None:
        """Take the helper's answers into the caches (or nothing, if it failed: the checks run here)."""
        if future is None:
            return
        try:
            results = future.result()
        except Exception as exc:  # noqa: BLE001 - a dead helper costs speed, never a lead
            self._give_up(exc)
            return
        PHONES.update(results.phones)
        EMAILS.update(results.emails)
        PHONE_CONCERNS.update(results.phone_concerns)
        EMAIL_CONCERNS.update(results.email_concerns)

    def _give_up(self, exc: BaseException) -> None:
        reason = str(exc) if isinstance(exc, HelperFailed) else type(exc).__name__
        log.warning("the contact-check helper process failed (%s); checks run in this process", reason)
        self.usable = False
        self.close()

    def close(self) -> None:
        """Stop the helper process, if it was started, and reap it."""
        if self._helper is not None:
            self._helper.close()
            self._helper = None
