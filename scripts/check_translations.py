"""Fails when the German catalogue is not complete and current.

Checks, for locale/de/LC_MESSAGES/django.po:
- every message is translated, none is fuzzy, and placeholders match the English;
- `makemessages` would neither add nor drop a message: it runs on a scratch copy of
  the project and the two sets of messages are compared;
- the committed .mo files (German and English) are compiled from the current .po.

Run by `make test` (needs GNU gettext: scripts/gettext.sh installs it).
"""

import ast
import gettext
import re
import shutil
import subprocess  # nosec B404
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
CATALOGUE = Path("locale/de/LC_MESSAGES/django.po")
COMPILED = [Path("locale/de/LC_MESSAGES/django.mo"), Path("locale/en/LC_MESSAGES/django.mo")]
NOT_SOURCE = (".*", "media", "staticfiles", "node_modules", "test-artifacts", "__pycache__")
PLACEHOLDER = re.compile(r"%\(\w+\)[sdif]|%[sdif]|\{\w*\}")


def parse_po(path: Path) -> dict:
    """(msgctxt, msgid) -> {"plural": msgid_plural, "strs": [msgstr...], "fuzzy": bool}.

    The header entry and obsolete (#~) entries are left out.
    """
    entries, current, field, flags = {}, None, None, set()

    def finish():
        if current is not None and current.get("msgid"):
            key = (current.get("msgctxt"), current["msgid"])
            strs = [v for k, v in sorted(current.items()) if k.startswith("msgstr")]
            entries[key] = {
                "plural": current.get("msgid_plural"),
                "strs": strs,
                "fuzzy": "fuzzy" in current["flags"],
            }

    for line in path.read_text(encoding="utf-8").splitlines():
        if line.startswith("#,"):
            flags |= {f.strip() for f in line[2:].split(",")}
        elif line.startswith("#") or not line.strip():
            continue
        elif line.startswith('"'):
            current[field] += ast.literal_eval(line)
        else:
            keyword, _, value = line.partition(" ")
            if keyword in ("msgctxt", "msgid") and (current is None or field.startswith("msgstr")):
                finish()
                current, flags = {"flags": flags}, set()
            field = keyword.replace("[", "_").replace("]", "")
            current[field] = ast.literal_eval(value)
    finish()
    return entries


def placeholders(text: str) -> list[str]:
    return sorted(PLACEHOLDER.findall(text))


def check_entries(entries: dict) -> list[str]:
    problems = []
    for (context, msgid), entry in entries.items():
        name = repr(msgid if context is None else f"{context}|{msgid}")
        if entry["fuzzy"]:
            problems.append(f"fuzzy: {name}")
        if not all(entry["strs"]):
            problems.append(f"untranslated: {name}")
            continue
        sources = [msgid, entry["plural"] or msgid]
        for i, text in enumerate(entry["strs"]):
            source = sources[min(i, 1)]
            # A singular may say "one" instead of its number: %(n)d can be left out there.
            wanted, found = placeholders(source), placeholders(text)
            if found != wanted and not (entry["plural"] and i == 0 and set(found) <= set(wanted)):
                problems.append(f"placeholders {found} instead of {wanted}: {name}")
    return problems


def fresh_catalogue(scratch: Path) -> dict:
    """What `makemessages -l de` makes of the current code and templates."""
    copy = scratch / "project"
    shutil.copytree(ROOT, copy, ignore=shutil.ignore_patterns(*NOT_SOURCE))
    env_file = ROOT / ".env"
    if env_file.exists():
        shutil.copy(env_file, copy / ".env")
    # makemessages and msgfmt run from fixed argument lists, never through a shell.
    subprocess.run(  # nosec B603
        [sys.executable, "manage.py", "makemessages", "--locale", "de", "--verbosity", "0"],
        cwd=copy,
        check=True,
    )
    return parse_po(copy / CATALOGUE)


def check_compiled(scratch: Path) -> list[str]:
    problems = []
    for mo in COMPILED:
        po = ROOT / mo.with_suffix(".po")
        compiled = scratch / f"{mo.parent.parent.name}.mo"
        msgfmt = ["msgfmt", "--check-format", "--check-domain", "-o", compiled, po]
        if subprocess.run(msgfmt).returncode:  # nosec B603
            problems.append(f"msgfmt rejects {po.relative_to(ROOT)} (see above)")
            continue
        with open(compiled, "rb") as new, open(ROOT / mo, "rb") as committed:
            if gettext.GNUTranslations(new)._catalog != gettext.GNUTranslations(committed)._catalog:
                problems.append(f"{mo} is out of date: run msgfmt -o {mo} {mo.with_suffix('.po')}")
    return problems


def main() -> int:
    committed = parse_po(ROOT / CATALOGUE)
    problems = check_entries(committed)
    with tempfile.TemporaryDirectory() as tmp:
        scratch = Path(tmp)
        fresh = fresh_catalogue(scratch)
        for _context, msgid in sorted(fresh.keys() - committed.keys(), key=str):
            problems.append(f"missing from {CATALOGUE} (run makemessages -l de): {msgid!r}")
        for _context, msgid in sorted(committed.keys() - fresh.keys(), key=str):
            problems.append(f"no longer in the code (run makemessages -l de): {msgid!r}")
        for key in fresh.keys() & committed.keys():
            if fresh[key]["plural"] != committed[key]["plural"]:
                problems.append(f"plural changed (run makemessages -l de): {key[1]!r}")
        problems += check_compiled(scratch)
    for problem in problems:
        print(f"translations: {problem}", file=sys.stderr)
    if problems:
        summary = f"{len(problems)} problem(s); German terms: locale/GLOSSARY.md"
        print(f"translations: {summary}", file=sys.stderr)
        return 1
    print(f"translations: {len(committed)} German messages, complete and current")
    return 0


if __name__ == "__main__":
    sys.exit(main())
