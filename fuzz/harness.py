"""What every fuzz target shares: the finding it raises, the storability check, and the atheris runner.

A target imports the code it feeds inside ``with instrumented(__name__, ...)``: run as a script it is
instrumented for atheris' coverage feedback, imported by pytest it is plain (atheris is then not needed,
it is the ``fuzz`` extra only). ``main`` runs the target under libFuzzer's flags (docs/fuzzing.md):
seeds from ``fuzz/corpus/<target>/``, inputs it finds worth keeping in ``fuzz/.work/<target>/``, and a
crashing input in ``fuzz/findings/<target>/``.
"""

from __future__ import annotations

import contextlib
import json
import logging
import sys
from collections.abc import Callable, Sequence
from contextlib import AbstractContextManager
from pathlib import Path
from typing import Any, NoReturn

FUZZ_DIR = Path(__file__).resolve().parent
#: libFuzzer's flags unless the command line gives them: a hang of 10 s is a finding too; inputs up to
#: 64 KiB (the default follows the seeds' sizes, too small for deep nesting or long files).
DEFAULT_FLAGS = {"-timeout": "10", "-max_len": "65536", "-rss_limit_mb": "4096", "-print_final_stats": "1"}


class Finding(AssertionError):
    """An input broke a promise the target checks (not merely an unexpected exception, which is one too)."""


def instrumented(module: str, include: Sequence[str]) -> AbstractContextManager[Any]:
    """atheris' import instrumentation of the packages ``include`` when ``module`` is ``__main__``
    (the target runs as the fuzzer); nothing otherwise, so pytest imports targets without atheris."""
    if module != "__main__":
        return contextlib.nullcontext()
    import atheris  # type: ignore[import-untyped,import-not-found,unused-ignore]

    hook: AbstractContextManager[Any] = atheris.instrument_imports(include=list(include))
    return hook


def storable(value: Any, what: str, *, json_column: bool = False) -> None:
    """Raise ``Finding`` unless ``value`` can be stored where the store keeps it.

    Dead letters and unrouted items are written as ``json.dumps(..., ensure_ascii=False)`` into a text
    column (``socialleads.store.events``, ``socialleads.store.webhooks``): a lone surrogate (from a JSON
    escape such as ``\\ud800``) cannot be encoded as UTF-8 by either database driver. A raw event's
    payload goes to a JSON column (``json_column``): there NaN and Infinity (``1e999`` parses as
    infinity) are refused by PostgreSQL (https://www.postgresql.org/docs/current/datatype-json.html).
    """
    try:
        json.dumps(value, ensure_ascii=False, sort_keys=True, allow_nan=not json_column).encode("utf-8")
    except (ValueError, TypeError) as exc:  # UnicodeEncodeError is a ValueError
        raise Finding(f"{what} cannot be stored: {type(exc).__name__}: {exc}") from None


def main(target: str, check: Callable[[bytes], None]) -> NoReturn:
    """Fuzz ``check`` with libFuzzer's command line (``-max_total_time=60``); exits non-zero on a finding.

    Without input paths it grows ``fuzz/.work/<target>/`` from the seeds; with paths (a finding's
    file) it runs just those, to reproduce.
    """
    import atheris  # type: ignore[import-untyped,import-not-found,unused-ignore]

    logging.disable(logging.CRITICAL)  # the code under test logs what it refuses; millions of lines
    args = sys.argv[1:]
    given = {arg.split("=", 1)[0] for arg in args if arg.startswith("-")}
    findings = FUZZ_DIR / "findings" / target
    findings.mkdir(parents=True, exist_ok=True)
    flags = {**DEFAULT_FLAGS, "-artifact_prefix": f"{findings}/"}
    dictionary = FUZZ_DIR / "dict" / f"{target}.dict"
    if dictionary.is_file():
        flags["-dict"] = str(dictionary)
    argv = [sys.argv[0], *(f"{k}={v}" for k, v in flags.items() if k not in given), *args]
    if not any(not arg.startswith("-") for arg in args):
        work = FUZZ_DIR / ".work" / target
        work.mkdir(parents=True, exist_ok=True)
        argv += [str(work), str(FUZZ_DIR / "corpus" / target)]  # libFuzzer adds new inputs to the first
    atheris.Setup(argv, check)
    atheris.Fuzz()
    sys.exit(0)  # atheris.Fuzz does not return; this is for the type checker
