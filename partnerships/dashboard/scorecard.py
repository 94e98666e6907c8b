"""The partners' scorecard: regulations issued, budget allocated and realised, coverage against
target, events held, a score, and the partner's rank in its province and in the country.

Rule for "regulation issued": an action commitment whose title or description names a
regulation (facts.REGULATION: Peraturan, Perda, Perbup, Keputusan, Surat Edaran ...) counts as
one owed; marked done, as one issued. The score (0-100) is the mean of the shares a partner
owes something for: regulations issued of those owed, budget realised of that allocated
(at most 100%), and coverage reached of its targets; a partner owing none has no score and no
rank. "Events held": the events the partner took part in that were held (events.outcomes,
whoever organised them); they do not enter the score.
"""

from dataclasses import dataclass, replace

from partnerships.core.pagination import decode_cursor, encode_cursor
from partnerships.dashboard import cache
from partnerships.dashboard.services import Line, Scope, partner_lines
from partnerships.events.outcomes import held_by_partner


@dataclass
class Card:
    partner_id: int
    name: str
    province: str
    line: Line
    province_rank: int | None = None
    national_rank: int | None = None
    events: int = 0  # events held with the partner


SORTS = {
    # name: (key, best first); rows without a value go last whatever the direction
    "score": (lambda c: c.line.score, True),
    "name": (lambda c: c.name.lower(), False),
    "budget": (lambda c: c.line.budget_share, True),
    "coverage": (lambda c: c.line.coverage, True),
    "regulations": (lambda c: c.line.regulations_done, True),
}


def _rank(cards: list[Card], attribute: str) -> None:
    """Competition ranking by score (1, 2, 2, 4); unscored partners get no rank."""
    scored = sorted((c for c in cards if c.line.score is not None), key=lambda c: -c.line.score)
    previous, rank = None, 0
    for position, card in enumerate(scored, start=1):
        if card.line.score != previous:
            rank, previous = position, card.line.score
        setattr(card, attribute, rank)


def cards(scope: Scope, national: Scope) -> list[Card]:
    """`ranked_cards`, kept while the data behind them do not change (cache.py), with the
    events held counted afresh (one grouped query: an event's links change no cached state)."""
    kept = cache.kept(
        ("cards", scope.value, scope.detail_ids), lambda: ranked_cards(scope, national)
    )
    held = held_by_partner()
    return [replace(card, events=held.get(card.partner_id, 0)) for card in kept]


def ranked_cards(scope: Scope, national: Scope) -> list[Card]:
    """Every partner with commitments in `scope` the user may read, ranked within its
    province (and the country) among all partners with commitments, whatever the scope."""
    everyone = [
        Card(pid, name, (seat or "").split(".")[0], line)
        for pid, name, seat, line in partner_lines(national)
    ]
    by_province: dict[str, list[Card]] = {}
    for card in everyone:
        by_province.setdefault(card.province, []).append(card)
    for group in by_province.values():
        _rank(group, "province_rank")
    _rank(everyone, "national_rank")
    if scope.national and scope.detail_ids is None:
        return everyone
    shown = {pid: line for pid, _name, _seat, line in partner_lines(scope)}
    # the scope's own numbers; the ranks stay those among all partners
    return [
        Card(c.partner_id, c.name, c.province, shown[c.partner_id], c.province_rank,
             c.national_rank)
        for c in everyone
        if c.partner_id in shown
    ]  # fmt: skip


def ordered(found: list[Card], sort: str) -> list[Card]:
    key, best_first = SORTS.get(sort, SORTS["score"])
    valued = [c for c in found if key(c) is not None]
    missing = [c for c in found if key(c) is None]
    valued.sort(key=lambda c: (c.name.lower(), c.partner_id))
    valued.sort(key=key, reverse=best_first)
    missing.sort(key=lambda c: (c.name.lower(), c.partner_id))
    return valued + missing


def page(found: list[Card], cursor: str | None, size: int) -> tuple[list[Card], str | None]:
    """The page after the partner the cursor names (the last row of the page before), so
    a partner added meanwhile does not shift what the reader sees; unknown cursor: first."""
    after = decode_cursor(cursor, 1)
    start = 0
    # an edited cursor holding anything but a partner id ([[1]], [{}], [true]) reads as none
    if after is not None and type(after[0]) is int:
        positions = {c.partner_id: i for i, c in enumerate(found)}
        start = positions.get(after[0], -1) + 1
    rows = found[start : start + size]
    more = start + size < len(found)
    return rows, encode_cursor([rows[-1].partner_id]) if more and rows else None
