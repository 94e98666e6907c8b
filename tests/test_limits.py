"""Bounded input (issue 7): every stored text has a limit no real KB or PKS reaches, and a text
past it is refused with the field named, keeping everything that was typed, writing nothing."""

import pytest
from sqlalchemy import func, select

from partnerships.agreements import drafting, drafting_rules, queries
from partnerships.agreements.models import Agreement, AgreementVersion
from partnerships.audit.services import acting_as
from partnerships.extensions import db
from tests.helpers import id_of
from tests.web import find_form, flashes, follow, signed_in

DRAFT = "Perjanjian Kerja Sama Desa Sadar Jaminan Sosial Ketenagakerjaan Desa Ubung Kaja"
SAVE = "Simpan sebagai versi baru"


def versions(app, aid: int) -> int:
    with app.app_context():
        return db.session.scalar(select(func.count()).where(AgreementVersion.agreement_id == aid))


def articles_page(web, aid: int):
    return find_form(web.get(f"/agreements/{aid}/articles"), button=SAVE)


def with_articles(app, aid: int, n: int) -> None:
    """Set-up: the draft's text already holds `n` articles (as if typed over several saves)."""
    with app.app_context(), acting_as("test-setup"):
        agreement = db.session.get(Agreement, aid)
        current = queries.latest_version(agreement)
        rows = [{"heading": f"Pasal Uji {i}", "body": f"Isi pasal {i}."} for i in range(n)]
        drafting.save_articles(agreement, rows, current.number, None)
        db.session.commit()


@pytest.mark.parametrize(
    ("field", "limit"),
    [("heading", drafting_rules.MAX_HEADING), ("body", drafting_rules.MAX_ARTICLE_TEXT)],
)
def test_an_article_at_its_limit_saves_and_one_character_more_is_refused(app, field, limit):
    aid = id_of(app, Agreement, DRAFT)
    staff = signed_in(app, "staff")
    before = versions(app, aid)
    form = articles_page(staff, aid)
    form.set(field, "x" * (limit + 1), index=1)
    page = form.submit()
    assert page.status_int == 200
    [message] = flashes(page)
    which = "Judul" if field == "heading" else "Teks"
    assert (
        message
        == f"{which} pasal 2 berisi {limit + 1:,} karakter; paling banyak {limit:,}.".replace(
            ",", "."
        )
    )
    # Nothing is saved, and everything typed is on the page again, the long text included.
    assert versions(app, aid) == before
    again = find_form(page, button=SAVE)
    assert again.get(field, index=1).value == "x" * (limit + 1)
    again.set(field, "x" * limit, index=1)
    assert "Disimpan sebagai versi" in flashes(follow(again.submit()))[0]
    assert versions(app, aid) == before + 1


def test_an_agreement_has_at_most_its_limit_of_articles(app):
    aid = id_of(app, Agreement, DRAFT)
    limit = drafting_rules.MAX_ARTICLES
    with_articles(app, aid, limit - 1)
    staff = signed_in(app, "staff")
    before = versions(app, aid)
    # The page offers two empty rows: filling both makes one article too many.
    form = articles_page(staff, aid)
    for index in (limit - 1, limit):
        form.set("heading", f"Pasal Tambahan {index}", index=index)
        form.set("body", "Isi tambahan.", index=index)
    page = form.submit()
    assert flashes(page) == [
        f"Perjanjian berisi paling banyak {limit} pasal; teks ini berisi {limit + 1} pasal."
    ]
    assert versions(app, aid) == before
    again = find_form(page, button=SAVE)
    assert again.get("heading", index=limit).value == f"Pasal Tambahan {limit}"
    # Leaving the last one out, the text has exactly the limit and saves.
    again.set("heading", "", index=limit)
    again.set("body", "", index=limit)
    assert "Disimpan sebagai versi" in flashes(follow(again.submit()))[0]
    with app.app_context():
        saved = queries.latest_version(db.session.get(Agreement, aid))
        assert len(saved.articles) == limit


def test_a_comment_past_its_limit_is_refused_at_its_field(app):
    """Comments and replies are capped by their forms (4,000 characters)."""
    aid = id_of(app, Agreement, "Perpanjangan Kesepakatan Bersama dengan Pemerintah Kota Denpasar")
    partner = signed_in(app, "partner")
    form = find_form(partner.get(f"/agreements/{aid}"), action=f"/agreements/{aid}/comments")
    form["body"] = "y" * 4001
    page = follow(form.submit())
    assert flashes(page) == ["Komentar: Isian tidak boleh lebih dari 4000 karakter."]
    # What was typed waits in the box again (as much of it as the page can carry).
    kept = find_form(page, action=f"/agreements/{aid}/comments")["body"].value
    assert kept and set(kept) == {"y"}
    with app.app_context():
        from partnerships.agreements.models import Comment

        assert not db.session.scalar(select(func.count()).where(Comment.body.like("yyy%")))


def test_line_breaks_count_once_and_a_heading_is_one_line(app):
    """Found by the attack review: browsers count a line break once but send it as CRLF, so a
    text the form allowed was refused; a heading could hold line breaks."""
    aid = id_of(app, Agreement, DRAFT)
    staff = signed_in(app, "staff")
    form = articles_page(staff, aid)
    text = "\r\n".join(["aaaaaaaaa"] * 1900)  # 19,000 characters as the browser counts them
    form.set("body", text, index=0)
    form.set("heading", "Maksud\r\n\r\nPasal 2\r\ndan Tujuan", index=0)
    assert "Disimpan sebagai versi" in flashes(follow(form.submit()))[0]
    with app.app_context():
        first = queries.latest_version(db.session.get(Agreement, aid)).articles[0]
    assert first["body"] == text.replace("\r\n", "\n")
    assert first["heading"] == "Maksud Pasal 2 dan Tujuan"


def test_the_versions_page_counts_words_while_its_budget_lasts(app, monkeypatch):
    from partnerships.agreements import routes

    aid = id_of(app, Agreement, DRAFT)
    staff = signed_in(app, "staff")
    assert (
        "\N{MINUS SIGN}"
        in staff.get(f"/agreements/{aid}/versions").html.select_one("tbody tr").text
    )
    monkeypatch.setattr(routes, "VERSION_STATS_SECONDS", -1)  # spent before the first count
    rows = staff.get(f"/agreements/{aid}/versions").html.select("tbody tr")
    assert rows and all("—" in row.text for row in rows)
