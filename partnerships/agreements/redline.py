"""Word-level redline between two versions of an agreement's text, in bounded time.

Two steps keep it fast on any input. Articles are aligned first: most are unchanged and cost one
string comparison. Only the changed ones are then compared word by word, with diff-match-patch
(Myers' O(ND) diff) over words encoded as single characters. That word-level work shares one
time budget per comparison: once it is spent, what is left of a changed article is shown
removed and re-added whole rather than word by word. Common beginnings and endings are trimmed
before any of that, so an ordinary edit keeps its word-level detail whatever the budget.
"""

import re
import time
from collections.abc import Iterator
from difflib import SequenceMatcher

from diff_match_patch import diff_match_patch
from markupsafe import Markup, escape

# The largest text the article forms accept: the benchmark and the tests compare texts this size.
from partnerships.agreements.drafting_rules import MAX_ARTICLE_TEXT as MAX_ARTICLE_CHARS
from partnerships.agreements.drafting_rules import MAX_ARTICLES

# Wall-clock seconds the word-level comparison of one redline may take (goal for the whole
# redline at the largest size: 200 ms, see scripts/benchmark.py).
BUDGET_SECONDS = 0.1
# More "articles" than this means the text was not made by `as_text` (or is older than the
# limits): it is compared as one piece rather than aligned article by article.
MAX_CHUNKS = 4 * MAX_ARTICLES

TOKENS = re.compile(r"\s+|\S+")
# The line `as_text` starts every article after the first with.
ARTICLE_START = re.compile(r"\n\n(?=Pasal (\d{1,4})\n)")
FIRST_HEADER = "Pasal 1\n"

EQUAL, DELETE, INSERT = 0, -1, 1  # diff-match-patch's own codes
REPLACED = 2  # an equal stretch merged into the change around it: deleted and inserted
# Words become characters from here up: past ASCII, so none reads as a space or a line break
# to diff-match-patch's clean-up.
FIRST_CODE = 0x100

Segment = tuple[int, str]  # (EQUAL | DELETE | INSERT, text)

# A piece of text longer than this (only text older than the article limits) is not compared
# word by word: Myers' diff walks it at Python speed.
MAX_WORD_DIFF_CHARS = 2 * MAX_ARTICLE_CHARS

_dmp = diff_match_patch()  # holds settings only; safe to share between threads
# No timeout of its own (each call gets the redline's deadline), which also turns off its
# "half match" speed-up: on repeated words it searches in quadratic time.
_dmp.Diff_Timeout = 0


def as_text(articles: list[dict]) -> str:
    return "\n\n".join(
        f"Pasal {i}\n{a['heading']}\n{a['body']}" for i, a in enumerate(articles, start=1)
    )


def redline(old: str, new: str) -> Markup:
    """HTML with deletions in <del> and insertions in <ins>; all text escaped.

    Changes are whole words, and a run of changed words is one deletion followed by one
    insertion, not <del>one</del><ins>word</ins> at a time: spaces and short equal stretches
    between changed words do not split a change."""
    out: list[Markup] = []
    for op, text in _segments(old, new):
        if op == EQUAL:
            out.append(escape(text))
        elif op == DELETE:
            out.append(Markup("<del>%s</del>") % text)
        else:
            out.append(Markup("<ins>%s</ins>") % text)
    return Markup("").join(out)


def changed_words(old: str, new: str) -> tuple[int, int]:
    """(words removed, words added), for the version list: the words the redline marks."""
    removed = added = 0
    for op, text in _segments(old, new):
        if op == DELETE:
            removed += len(text.split())
        elif op == INSERT:
            added += len(text.split())
    return removed, added


# ---- articles ---------------------------------------------------------------------------


def _articles(text: str) -> list[tuple[str, str]]:
    """The text cut where `as_text` starts each article: (piece, piece without its "Pasal N"
    line). Pieces join back to the text exactly; only numbers in sequence cut, so a body that
    quotes "Pasal 7" does not."""
    if not text:
        return []
    starts, keys_from = [0], [len(FIRST_HEADER) if text.startswith(FIRST_HEADER) else 0]
    expected = 2
    for match in ARTICLE_START.finditer(text):
        if match.group(1) == str(expected):
            starts.append(match.start())
            keys_from.append(match.start() + len(f"\n\nPasal {expected}\n"))
            expected += 1
            if expected > MAX_CHUNKS:
                return [(text, text)]
    ends = [*starts[1:], len(text)]
    return [(text[s:e], text[k:e]) for s, k, e in zip(starts, keys_from, ends, strict=True)]


def _heading(key: str) -> str:
    end = key.find("\n")
    return key if end < 0 else key[:end]


def _segments(old: str, new: str) -> list[Segment]:
    deadline = time.time() + BUDGET_SECONDS  # diff-match-patch reads time.time()
    trimmed = [_trim(x, y) for x, y in _article_pairs(_articles(old), _articles(new))]
    # The smallest changes first, each with a fair share of what is left of the budget: one
    # article rewritten beyond recognition cannot starve the ordinary edits after it.
    work = sorted(
        (i for i, (_, x, y, _) in enumerate(trimmed) if x and y),
        key=lambda i: len(trimmed[i][1]) + len(trimmed[i][2]),
    )
    middles: dict[int, list[Segment]] = {}
    for done, i in enumerate(work):
        _, x, y, _ = trimmed[i]
        now = time.time()
        share = (deadline - now) / (len(work) - done)
        middles[i] = _diff_words(x, y, now + share) if share > 0 else [(DELETE, x), (INSERT, y)]
    out: list[Segment] = []
    for i, (head, x, y, tail) in enumerate(trimmed):
        out.append((EQUAL, head))
        out += middles.get(i, [(DELETE, x), (INSERT, y)])
        out.append((EQUAL, tail))
    return _grouped(out)


def _article_pairs(a: list, b: list) -> Iterator[tuple[str, str]]:
    """(old text, new text) for each article or run of articles, in order; "" for none.

    Unchanged articles align even when renumbered (a new one above them): they are compared
    without their "Pasal N" line, which is then compared word by word like the rest. Among
    changed articles, those keeping their heading are paired with their old selves, the rest
    in order when as many were rewritten as there were, else compared as one run."""
    matcher = SequenceMatcher(None, [k for _, k in a], [k for _, k in b], autojunk=False)
    for op, i1, i2, j1, j2 in matcher.get_opcodes():
        if op == "equal":
            yield from ((x, y) for (x, _), (y, _) in zip(a[i1:i2], b[j1:j2], strict=True))
            continue
        changed_a, changed_b = a[i1:i2], b[j1:j2]
        headings = SequenceMatcher(
            None,
            [_heading(k) for _, k in changed_a],
            [_heading(k) for _, k in changed_b],
            autojunk=False,
        )
        for _op, h1, h2, k1, k2 in headings.get_opcodes():
            old, new = [x for x, _ in changed_a[h1:h2]], [y for y, _ in changed_b[k1:k2]]
            if len(old) == len(new):
                yield from zip(old, new, strict=True)
            else:
                yield "".join(old), "".join(new)


# ---- words ------------------------------------------------------------------------------


def _boundary(text: str, i: int) -> bool:
    return i in (0, len(text)) or text[i - 1].isspace() != text[i].isspace()


def _common_start(x: str, y: str) -> int:
    """Length of the common beginning, cut back to a word boundary in both."""
    n = _dmp.diff_commonPrefix(x, y)
    if n and not (_boundary(x, n) and _boundary(y, n)):
        space = x[n - 1].isspace()
        while n and x[n - 1].isspace() == space:
            n -= 1
    return n


def _common_end(x: str, y: str) -> int:
    n = _dmp.diff_commonSuffix(x, y)
    if n and not (_boundary(x, len(x) - n) and _boundary(y, len(y) - n)):
        space = x[-n].isspace()
        while n and x[-n].isspace() == space:
            n -= 1
    return n


def _trim(x: str, y: str) -> tuple[str, str, str, str]:
    """(common beginning, middle of x, middle of y, common end), cut between words."""
    if x == y:
        return x, "", "", ""
    start = _common_start(x, y)
    end = _common_end(x[start:], y[start:])
    return x[:start], x[start : len(x) - end], y[start : len(y) - end], x[len(x) - end :]


def _diff_words(x: str, y: str, deadline: float) -> list[Segment]:
    """Myers' diff over words and the spaces between them, each one character to
    diff-match-patch, then `_merge_short_equalities`."""
    if max(len(x), len(y)) > MAX_WORD_DIFF_CHARS:
        return [(DELETE, x), (INSERT, y)]
    codes: dict[str, str] = {}

    def code(token: str) -> str:
        found = codes.get(token)
        if found is None:
            found = codes[token] = chr(FIRST_CODE + len(codes))
        return found

    encoded_x = "".join([code(t) for t in TOKENS.findall(x)])
    encoded_y = "".join([code(t) for t in TOKENS.findall(y)])
    diffs = [list(d) for d in _dmp.diff_main(encoded_x, encoded_y, False, deadline)]
    _merge_short_equalities(diffs)
    words = list(codes)
    out: list[Segment] = []
    for op, chars in diffs:
        text = "".join([words[ord(c) - FIRST_CODE] for c in chars])
        if op == REPLACED:
            out += [(DELETE, text), (INSERT, text)]
        else:
            out.append((op, text))
    return out


def _merge_short_equalities(diffs: list[list]) -> None:
    """Mark as changed every equal stretch no longer than the changes on both sides of it
    (diff-match-patch's semantic clean-up, first pass): a rewritten sentence reads as one
    change, not as changed words between the spaces and the "dan" they happen to share.

    In place, without diff-match-patch's other passes: those slide edits along repeated
    text one character at a time and take quadratic time on it."""
    equalities: list[int] = []
    before = after = (0, 0)  # (deleted, inserted) lengths around the last equality
    pointer = 0
    while pointer < len(diffs):
        op, chars = diffs[pointer]
        if op == EQUAL:
            equalities.append(pointer)
            before, after = after, (0, 0)
        else:
            size = len(chars)
            deleted = after[0] + (size if op in (DELETE, REPLACED) else 0)
            inserted = after[1] + (size if op in (INSERT, REPLACED) else 0)
            after = (deleted, inserted)
            last = diffs[equalities[-1]][1] if equalities else ""
            if last and len(last) <= max(before) and len(last) <= max(after):
                diffs[equalities.pop()][0] = REPLACED
                if equalities:  # the one before it needs another look
                    equalities.pop()
                pointer = equalities[-1] if equalities else -1
                before = after = (0, 0)
        pointer += 1


def _grouped(segments: list[Segment]) -> list[Segment]:
    """One deletion then one insertion between two equal stretches; nothing empty; spaces
    that both sides of a change begin or end with are left outside it."""
    out: list[Segment] = []
    deleted: list[str] = []
    inserted: list[str] = []
    equal: list[str] = []

    def flush_changes() -> None:
        old, new = "".join(deleted), "".join(inserted)
        deleted.clear()
        inserted.clear()
        if old and new:
            lead = _leading_spaces(old, new)
            trail = _trailing_spaces(old[len(lead) :], new[len(lead) :])
            old, new = (
                old[len(lead) : len(old) - len(trail)],
                new[len(lead) : len(new) - len(trail)],
            )
            if lead:
                out.append((EQUAL, lead))
            equal.append(trail)
        if old:
            out.append((DELETE, old))
        if new:
            out.append((INSERT, new))

    for op, text in segments:
        if not text:
            continue
        if op == EQUAL:
            flush_changes()
            equal.append(text)
            continue
        if equal:
            out.append((EQUAL, "".join(equal)))
            equal.clear()
        (deleted if op == DELETE else inserted).append(text)
    flush_changes()
    if equal:
        out.append((EQUAL, "".join(equal)))
    return [(op, text) for op, text in _joined(out) if text]


def _leading_spaces(x: str, y: str) -> str:
    """The whitespace both texts start with."""
    a, b = x[: len(x) - len(x.lstrip())], y[: len(y) - len(y.lstrip())]
    return a[: _dmp.diff_commonPrefix(a, b)]


def _trailing_spaces(x: str, y: str) -> str:
    """The whitespace both texts end with."""
    a, b = x[len(x.rstrip()) :], y[len(y.rstrip()) :]
    return a[len(a) - _dmp.diff_commonSuffix(a, b) :]


def _joined(segments: list[Segment]) -> list[Segment]:
    """Neighbouring equal stretches as one."""
    out: list[Segment] = []
    for op, text in segments:
        if out and op == EQUAL and out[-1][0] == EQUAL:
            out[-1] = (EQUAL, out[-1][1] + text)
        else:
            out.append((op, text))
    return out
