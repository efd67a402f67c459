"""Which text encoding a file's bytes are in, when the source config does not name one.

Called by ``reader.open_file`` once per new file. The steps, each only when the ones before it did not
decide (the first match wins):

1. A byte-order mark: UTF-8 (Excel's "CSV UTF-8"), UTF-16 LE or BE (Excel's "Unicode text", which is
   UTF-16 LE with a mark and tab-separated), UTF-32.
2. UTF-16 without a mark: text files never hold NUL bytes, but UTF-16 text that is mostly Latin script
   has one in every other position (the high byte of each ASCII character). When a quarter of the
   characters have that zero byte on one side and almost none on the other, and the bytes decode
   strictly, the file is UTF-16 of that byte order.
3. Valid UTF-8 (plain ASCII included): by far the most common case, and no 8-bit file of any length with
   accented letters is valid UTF-8 by chance.
4. Mostly UTF-8: more characters decode as valid multi-byte UTF-8 than bytes fail to. That is a UTF-8
   file with a few lines pasted in from somewhere else; it is read as UTF-8 and only those lines become
   dead letters (with the hint to set ``encoding:``), rather than misreading every accented name.
5. An 8-bit code page, guessed by charset-normalizer (a maintained detector,
   https://charset-normalizer.readthedocs.io) among ``CODE_PAGES`` only. On lead lists of a few rows
   it cannot tell the Latin-script Windows code pages apart (measured: it picks cp1250 for an
   Icelandic "Þórunn", making it "Ţórunn", and cp1257 for "Zoë"), and a wrong Latin code page corrupts
   names silently. So the Latin candidate is Windows-1252 (what Excel writes as "CSV" on Western
   European Windows), with Latin-1 for bytes cp1252 leaves undefined, and the detector only chooses
   between scripts (Latin, Cyrillic, Greek), which it does reliably. A Central European file (cp1250)
   is read as cp1252: the report says so, and ``encoding: cp1250`` fixes it.
6. Nothing fits: UTF-8, with every line that does not decode kept verbatim as a dead letter.
"""

from __future__ import annotations

import codecs
import re

from charset_normalizer import CharsetMatch, from_bytes

#: The 8-bit code pages step 5 chooses from, in order of preference when the detector ties.
CODE_PAGES = ("cp1252", "latin_1", "cp1251", "cp1253")

_BOMS = (  # UTF-32 before UTF-16: the UTF-32 LE mark begins with the UTF-16 LE one.
    (codecs.BOM_UTF8, "utf-8-sig"),
    (codecs.BOM_UTF32_LE, "utf-32"),
    (codecs.BOM_UTF32_BE, "utf-32"),
    (codecs.BOM_UTF16_LE, "utf-16"),
    (codecs.BOM_UTF16_BE, "utf-16"),
)
_SAMPLE = 8192  # bytes looked at for UTF-16 without a mark
_UNDECODABLE = re.compile(r"[\udc80-\udcff]")
_NON_ASCII = re.compile(r"[^\x00-\x7f]")


def detect_encoding(data: bytes) -> tuple[str, str]:
    """The codec that reads ``data`` and how it was decided (for the report), by the steps above.

    Never raises; the codec is always one ``bytes.decode`` knows.
    """
    for bom, codec in _BOMS:
        if data.startswith(bom):
            order = "little-endian" if bom in (codecs.BOM_UTF16_LE, codecs.BOM_UTF32_LE) else "big-endian"
            return codec, "byte-order mark" if codec == "utf-8-sig" else f"{order} byte-order mark"
    utf16 = _utf16_without_bom(data)
    if utf16 is not None:
        return utf16, "no byte-order mark; a NUL byte in every other position"
    try:
        data.decode("utf-8")
    except UnicodeDecodeError:
        pass
    else:
        return "utf-8", "valid UTF-8"
    text = data.decode("utf-8", errors="surrogateescape")  # each undecodable byte as U+DC80-U+DCFF
    undecodable = len(_UNDECODABLE.findall(text))
    accented = len(_NON_ASCII.findall(text)) - undecodable
    if accented > undecodable:
        return "utf-8", "mostly valid UTF-8; lines that are not are dead letters"
    guess = _guess_code_page(data)
    if guess is not None:
        return guess, "not UTF-8; charset-normalizer's guess"
    return "utf-8", "not UTF-8 and no code page fits; undecodable lines are dead letters"


def _utf16_without_bom(data: bytes) -> str | None:
    if len(data) % 2 or len(data) < 4:
        return None
    sample = data[:_SAMPLE]  # an even number of bytes
    chars = len(sample) // 2
    even_zeros, odd_zeros = sample[0::2].count(0), sample[1::2].count(0)
    for codec, zeros, others in (("utf-16-le", odd_zeros, even_zeros), ("utf-16-be", even_zeros, odd_zeros)):
        if zeros * 4 >= chars and others * 10 <= zeros:
            try:
                data.decode(codec)
            except UnicodeDecodeError:
                return None
            return codec
    return None


def _guess_code_page(data: bytes) -> str | None:
    """charset-normalizer's best code page in ``CODE_PAGES``: least chaos, then most coherence, then ours."""
    matches = list(from_bytes(data, cp_isolation=list(CODE_PAGES)))
    if not matches:
        return None

    def rank(match: CharsetMatch) -> tuple[float, float, int]:
        order = CODE_PAGES.index(match.encoding) if match.encoding in CODE_PAGES else len(CODE_PAGES)
        return round(match.chaos, 3), -round(match.coherence, 3), order

    return codecs.lookup(min(matches, key=rank).encoding).name
