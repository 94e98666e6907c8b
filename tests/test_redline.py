"""The redline: what it shows (every word of both versions, escaped, changes grouped, articles
aligned when renumbered) and that it answers in bounded time on the inputs that used to take
minutes: one repeated word, shuffled words, the largest agreement the forms accept. The real
figures are in `make benchmark`; the ceilings here are generous, for a slow shared machine."""

import html
import random
import re
import time
from functools import cache

import pytest

from partnerships.agreements.models import Agreement
from partnerships.agreements.redline import (
    MAX_ARTICLE_CHARS,
    MAX_ARTICLES,
    as_text,
    changed_words,
    redline,
)
from tests.test_review_and_links import DRAFT, id_of
from tests.web import find_form, flashes, follow, signed_in, submit

CEILING_SECONDS = 5.0
CHANGE = re.compile(r"<(del|ins)>(.*?)</\1>", re.S)


def version_text(markup: str, side: str) -> str:
    """The text a reader gets from the redline for one side: the old one (without the
    insertions) or the new one (without the deletions)."""
    drop = "ins" if side == "old" else "del"
    kept = re.sub(rf"<{drop}>.*?</{drop}>", "", markup, flags=re.S)
    return html.unescape(re.sub(r"</?(?:del|ins)>", "", kept))


def changes(markup: str) -> list[tuple[str, str]]:
    return [(tag, html.unescape(text)) for tag, text in CHANGE.findall(markup)]


def words(count: int, seed: int) -> list[str]:
    rng = random.Random(seed)
    vocabulary = [f"kata{i}" for i in range(300)] + ["dan", "yang", "di", "pihak"] * 25
    return [rng.choice(vocabulary) for _ in range(count)]


def body(seed: int, size: int = MAX_ARTICLE_CHARS) -> str:
    """Ordinary-looking words filling an article to `size` characters."""
    text = " ".join(words(size // 4, seed))
    return text[: text.rfind(" ", 0, size)]


def agreement(bodies: list[str]) -> str:
    return as_text([{"heading": f"Judul {i}", "body": b} for i, b in enumerate(bodies, 1)])


def shuffled(text: str, seed: int) -> str:
    parts = text.split(" ")
    random.Random(seed).shuffle(parts)
    return " ".join(parts)


def one_word_changed(text: str) -> str:
    parts = text.split(" ")
    parts[len(parts) // 2] = "diubah"
    return " ".join(parts)


def every_seventh(text: str) -> str:
    return " ".join("kota" if i % 7 == 3 else w for i, w in enumerate(text.split(" ")))


REPEATED = ("kata " * (MAX_ARTICLE_CHARS // 5)).strip()


@cache
def largest() -> tuple[str, ...]:
    """The bodies of the largest agreement the forms accept."""
    return tuple(body(seed) for seed in range(MAX_ARTICLES))


def reversed_articles(bodies) -> str:
    numbered = list(enumerate(bodies, 1))
    return as_text([{"heading": f"Judul {i}", "body": b} for i, b in reversed(numbered)])


ADVERSARIAL = {
    # The report's input: 5 KB of one repeated word took 45 s.
    "one repeated word, 5 KB": lambda: ("kata " * 1000, "kota " + "kata " * 998 + "kota"),
    "one repeated word, every 7th changed": lambda: (REPEATED, every_seventh(REPEATED)),
    "shuffled words": lambda: (largest()[0], shuffled(largest()[0], 1)),
    "largest agreement, every article shuffled": lambda: (
        agreement(largest()),
        agreement([shuffled(b, i) for i, b in enumerate(largest())]),
    ),
    "largest agreement of one repeated word, every 7th changed": lambda: (
        agreement([REPEATED] * MAX_ARTICLES),
        agreement([every_seventh(REPEATED)] * MAX_ARTICLES),
    ),
    "largest agreement, every article replaced": lambda: (
        agreement(largest()),
        agreement([body(seed) for seed in range(MAX_ARTICLES, 2 * MAX_ARTICLES)]),
    ),
    "largest agreement, articles in reverse order": lambda: (
        agreement(largest()),
        reversed_articles(largest()),
    ),
}


@pytest.mark.parametrize("case", list(ADVERSARIAL))
def test_adversarial_inputs_compare_in_bounded_time_and_keep_every_word(case):
    old, new = ADVERSARIAL[case]()
    start = time.perf_counter()
    markup = str(redline(old, new))
    removed, added = changed_words(old, new)
    took = time.perf_counter() - start
    assert took < CEILING_SECONDS, f"{took:.1f} s"
    assert version_text(markup, "old") == old
    assert version_text(markup, "new") == new
    marked = changes(markup)
    assert removed == sum(len(t.split()) for tag, t in marked if tag == "del")
    assert added == sum(len(t.split()) for tag, t in marked if tag == "ins")
    assert removed and added


def test_one_word_changed_in_the_largest_agreement_is_one_word_per_article():
    old = agreement(largest())
    new = agreement([one_word_changed(b) for b in largest()])
    expected = []
    for text in largest():
        parts = text.split(" ")
        expected += [("del", parts[len(parts) // 2]), ("ins", "diubah")]
    assert changes(str(redline(old, new))) == expected
    assert changed_words(old, new) == (MAX_ARTICLES, MAX_ARTICLES)


def test_a_rewritten_sentence_is_one_deletion_and_one_insertion():
    old = "Para pihak sepakat untuk melaksanakan sosialisasi bersama setiap tahun."
    new = "Para pihak sepakat menyusun rencana kerja dan anggaran setiap tahun."
    assert changes(str(redline(old, new))) == [
        ("del", "untuk melaksanakan sosialisasi bersama"),
        ("ins", "menyusun rencana kerja dan anggaran"),
    ]
    assert changed_words(old, new) == (4, 5)


def test_changes_are_whole_words_and_all_text_is_escaped():
    old = "Pihak <b>Kesatu</b> & pihak kedua dimaksudkan"
    new = "Pihak <i>Kesatu</i> & pihak kedua disusun"
    markup = str(redline(old, new))
    assert "<b>" not in markup and "<i>" not in markup
    assert changes(markup) == [
        ("del", "<b>Kesatu</b>"),
        ("ins", "<i>Kesatu</i>"),
        ("del", "dimaksudkan"),
        ("ins", "disusun"),
    ]
    assert "&amp; pihak kedua " in markup


def test_an_article_added_above_leaves_the_ones_below_unchanged_but_for_their_number():
    articles = [{"heading": f"Judul {i}", "body": body(i, 400)} for i in range(1, 6)]
    added = {"heading": "Pendanaan", "body": "Biaya ditanggung APBD Kota."}
    old, new = as_text(articles), as_text([articles[0], added, *articles[1:]])
    marked = changes(str(redline(old, new)))
    assert marked[0] == ("ins", "\n\nPasal 2\nPendanaan\nBiaya ditanggung APBD Kota.")
    assert marked[1:] == [c for n in range(2, 6) for c in (("del", str(n)), ("ins", str(n + 1)))]


def test_the_compare_page_answers_quickly_for_a_long_draft_with_one_word_changed(app):
    """The report's case: 3,230 words, one changed, took 19 s on /agreements/<id>/compare."""
    aid = id_of(app, Agreement, DRAFT)
    staff = signed_in(app, "staff")
    long_text = " ".join(words(3230, 7))
    # Typed into the first two articles (one article holds at most 20,000 characters).
    for text, note in ((long_text, "panjang"), (one_word_changed(long_text), "satu kata")):
        form = find_form(
            staff.get(f"/agreements/{aid}/articles"), button="Simpan sebagai versi baru"
        )
        split = text.split(" ")
        form.set("body", " ".join(split[:1600]), index=0)
        form.set("body", " ".join(split[1600:]), index=1)
        form["note"] = note
        assert "Disimpan sebagai versi" in flashes(follow(form.submit()))[0]

    start = time.perf_counter()
    versions = staff.get(f"/agreements/{aid}/versions")
    page = submit(versions, button="Tampilkan perbandingan (redline)")
    assert time.perf_counter() - start < CEILING_SECONDS
    diff = page.html.select_one(".redline").decode_contents()
    assert changes(diff) == [("del", long_text.split(" ")[3230 // 2]), ("ins", "diubah")]
    assert "\N{MINUS SIGN}1 +1" in versions.html.select_one("tbody tr").get_text(" ", strip=True)
