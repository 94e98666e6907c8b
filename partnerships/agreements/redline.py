"""Word-level redline between two versions of an agreement's text."""

import re
from difflib import SequenceMatcher

from markupsafe import Markup, escape

TOKENS = re.compile(r"\s+|[^\s]+")


def as_text(articles: list[dict]) -> str:
    return "\n\n".join(
        f"Pasal {i}\n{a['heading']}\n{a['body']}" for i, a in enumerate(articles, start=1)
    )


def redline(old: str, new: str) -> Markup:
    """HTML with deletions in <del> and insertions in <ins>; all text escaped.

    Whitespace never anchors a match on its own (it is "junk" to the matcher): otherwise every
    space between two rewritten sentences would count as unchanged, and the redline would
    alternate <del>one</del><ins>word</ins> at a time instead of showing the old words and the
    new words as one change each."""
    a, b = TOKENS.findall(old), TOKENS.findall(new)
    out: list[Markup] = []
    matcher = SequenceMatcher(str.isspace, a, b, autojunk=False)
    for op, i1, i2, j1, j2 in matcher.get_opcodes():
        if op == "equal":
            out.append(escape("".join(a[i1:i2])))
            continue
        if op in ("delete", "replace"):
            out.append(Markup("<del>%s</del>") % "".join(a[i1:i2]))
        if op in ("insert", "replace"):
            out.append(Markup("<ins>%s</ins>") % "".join(b[j1:j2]))
    return Markup("").join(out)


def changed_words(old: str, new: str) -> tuple[int, int]:
    """(words removed, words added), for the version list."""
    a, b = old.split(), new.split()
    removed = added = 0
    for op, i1, i2, j1, j2 in SequenceMatcher(None, a, b, autojunk=False).get_opcodes():
        if op in ("delete", "replace"):
            removed += i2 - i1
        if op in ("insert", "replace"):
            added += j2 - j1
    return removed, added
