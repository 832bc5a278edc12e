"""Check that every message catalogue under locale/ is completely translated.

Standard library only.  For each ``<lang>/LC_MESSAGES/*.po`` next to this script it checks:

* no entry (header included) is marked ``#, fuzzy``;
* every msgid has a non-empty msgstr; plural entries have all ``nplurals`` forms filled;
* named ``%(x)s`` placeholders in a translation all exist in the source string
  (and a singular translation keeps every placeholder of its msgid);
* the compiled ``.mo`` beside the ``.po`` exists and holds the same translations
  (a stale or missing .mo counts as a problem).

Usage:  python locale/check_complete.py [LOCALE_DIR]
Prints the number of translated strings per catalogue; exits 1 on any problem.
"""

from __future__ import annotations

import ast
import gettext
import re
import sys
from dataclasses import dataclass, field
from pathlib import Path

PLACEHOLDER = re.compile(r"%\((\w+)\)[-#0 +]*\d*(?:\.\d+)?[sdifgeExXor%]")


@dataclass
class Entry:
    line: int
    flags: set[str] = field(default_factory=set)
    msgctxt: str | None = None
    msgid: str = ""
    msgid_plural: str | None = None
    msgstr: dict[int, str] = field(default_factory=dict)  # key -1 for a singular msgstr


def _unquote(text: str, path: Path, number: int) -> str:
    text = text.strip()
    if not (text.startswith('"') and text.endswith('"')):
        raise ValueError(f"{path}:{number}: expected a quoted string, got {text!r}")
    return str(ast.literal_eval(text))


def parse_po(path: Path) -> list[Entry]:
    """A minimal .po reader: enough for catalogues written by xgettext / makemessages."""
    entries: list[Entry] = []
    current: Entry | None = None
    target: tuple[str, int] | None = None  # which field continuation lines extend
    pending_flags: set[str] = set()
    pending_line = 0

    def start() -> Entry:
        nonlocal current, pending_flags
        current = Entry(line=pending_line, flags=pending_flags)
        entries.append(current)
        pending_flags = set()
        return current

    for number, raw in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
        line = raw.strip()
        if not line:
            current, target = None, None
            continue
        if line.startswith("#~") or line.startswith("#|"):
            continue  # obsolete entries and previous-msgid comments are not part of the catalogue
        if line.startswith("#,"):
            pending_flags |= {f.strip() for f in line[2:].split(",") if f.strip()}
            pending_line = pending_line or number
            current = None
            continue
        if line.startswith("#"):
            pending_line = pending_line or number
            current = None
            continue
        keyword, _, rest = line.partition(" ")
        if line.startswith('"'):
            if current is None or target is None:
                raise ValueError(f"{path}:{number}: continuation line outside an entry")
            name, index = target
            value = _unquote(line, path, number)
            if name == "msgstr":
                current.msgstr[index] += value
            else:
                setattr(current, name, (getattr(current, name) or "") + value)
            continue
        if keyword == "msgctxt":
            entry = start()
            entry.line = entry.line or number
            entry.msgctxt = _unquote(rest, path, number)
            target = ("msgctxt", 0)
        elif keyword == "msgid":
            entry = (
                current
                if current is not None and current.msgctxt is not None and not current.msgid
                else start()
            )
            entry.line = entry.line or number
            entry.msgid = _unquote(rest, path, number)
            target = ("msgid", 0)
        elif keyword == "msgid_plural":
            assert current is not None
            current.msgid_plural = _unquote(rest, path, number)
            target = ("msgid_plural", 0)
        elif keyword == "msgstr":
            assert current is not None
            current.msgstr[-1] = _unquote(rest, path, number)
            target = ("msgstr", -1)
        elif keyword.startswith("msgstr["):
            assert current is not None
            index = int(keyword[len("msgstr[") : -1])
            current.msgstr[index] = _unquote(rest, path, number)
            target = ("msgstr", index)
        else:
            raise ValueError(f"{path}:{number}: cannot parse {raw!r}")
        pending_line = 0
    return entries


def _nplurals(header: str) -> int:
    match = re.search(r"Plural-Forms:.*?nplurals\s*=\s*(\d+)", header)
    return int(match.group(1)) if match else 2


def _names(text: str) -> set[str]:
    return set(PLACEHOLDER.findall(text))


def check_catalogue(po_path: Path) -> tuple[int, list[str]]:
    """Return (number of translated messages, problems) for one .po file."""
    problems: list[str] = []
    entries = parse_po(po_path)
    header = next((e for e in entries if e.msgid == "" and e.msgctxt is None), None)
    if header is None:
        return 0, [f"{po_path}: no header entry"]
    if "fuzzy" in header.flags:
        problems.append(f"{po_path}:{header.line}: the header is marked fuzzy")
    header_text = header.msgstr.get(-1, "")
    if "charset=UTF-8" not in header_text:
        problems.append(f"{po_path}: header lacks Content-Type charset=UTF-8")
    nplurals = _nplurals(header_text)

    try:
        with (po_path.with_suffix(".mo")).open("rb") as handle:
            compiled: dict[object, str] | None = gettext.GNUTranslations(handle)._catalog  # type: ignore[attr-defined]
    except FileNotFoundError:
        compiled = None
        problems.append(f"{po_path.with_suffix('.mo')}: missing; run compilemessages")

    translated = 0
    for e in entries:
        if e is header:
            continue
        where = f"{po_path}:{e.line}: {e.msgid!r}"
        ok = True
        if "fuzzy" in e.flags:
            problems.append(f"{where} is fuzzy")
            ok = False
        if e.msgid_plural is None:
            forms = [e.msgstr.get(-1, "")]
        else:
            forms = [e.msgstr.get(i, "") for i in range(nplurals)]
        if any(not f for f in forms):
            problems.append(
                f"{where} lacks a translation"
                + (f" (needs {nplurals} plural forms)" if e.msgid_plural else "")
            )
            ok = False
        if "python-format" in e.flags or _names(e.msgid):
            source = _names(e.msgid) | _names(e.msgid_plural or "")
            for form in forms:
                extra = _names(form) - source
                if extra:
                    problems.append(f"{where}: unknown placeholder(s) {sorted(extra)} in {form!r}")
                    ok = False
            if e.msgid_plural is None and forms[0] and _names(e.msgid) - _names(forms[0]):
                problems.append(f"{where}: translation drops {sorted(_names(e.msgid) - _names(forms[0]))}")
                ok = False
        if ok and compiled is not None:
            key = e.msgid if e.msgctxt is None else f"{e.msgctxt}\x04{e.msgid}"
            if e.msgid_plural is None:
                stale = compiled.get(key) != forms[0]
            else:
                stale = any(compiled.get((key, i)) != forms[i] for i in range(nplurals))
            if stale:
                problems.append(f"{where}: the .mo is out of date; run compilemessages")
                ok = False
        if ok:
            translated += 1
    return translated, problems


def main(argv: list[str]) -> int:
    locale_dir = Path(argv[1]) if len(argv) > 1 else Path(__file__).resolve().parent
    catalogues = sorted(locale_dir.glob("*/LC_MESSAGES/*.po"))
    if not catalogues:
        print(f"no .po files under {locale_dir}", file=sys.stderr)
        return 1
    all_problems: list[str] = []
    for po_path in catalogues:
        try:
            count, problems = check_catalogue(po_path)
        except ValueError as error:
            count, problems = 0, [str(error)]
        print(f"{po_path.relative_to(locale_dir)}: {count} translated, {len(problems)} problem(s)")
        all_problems += problems
    for problem in all_problems:
        print("  " + problem, file=sys.stderr)
    return 1 if all_problems else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
