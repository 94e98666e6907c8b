"""Calendar feeds: secret URLs a calendar client (Google Calendar, Outlook, Apple Calendar,
Thunderbird) subscribes to, and what each one holds.

Two kinds:

- an office's feed: the events organised by the office or an office below it, for a shared
  calendar of the branch; staff, managers and admins make them for the offices they record
  events for. It belongs to the office, so it outlives the account that made it;
- a personal feed: the events its owner may see at the moment the client asks (staff, managers
  and office auditors: their office's and those below; national roles: all; a partner's user:
  those its partner took part in). It follows the owner: moved to another office, the feed
  moves; deactivated, it answers 404. Partner users get personal feeds only.

The token is shown once, as the full URL; only its SHA-256 is kept (`CalendarFeed.token_hash`),
so a lookup is by hash and needs no constant-time compare. Revoking ends the URL for good.
Making and revoking a feed land in the audit trail; a client fetching one is only logged.
"""

from sqlalchemy import Select, or_, select
from sqlalchemy.orm import selectinload

from partnerships.core import secret_tokens
from partnerships.core.roles import EDITORS, Role
from partnerships.events.agenda import partners_seen_by
from partnerships.events.models import CalendarFeed, Event
from partnerships.events.permissions import visible_events
from partnerships.extensions import db
from partnerships.organisations.models import Office
from partnerships.organisations.scope import office_subtree_ids

TOKEN_BYTES = 32  # 256 bits: 43 characters in the URL
TOKEN_MAX = 100  # anything longer is no token of ours; refused before hashing
# A feed holds the newest events by start (all those to come, and the recent past): enough for
# any office's calendar, and a bound on what one request reads for a national feed.
FEED_LIMIT = 1000


hash_token = secret_tokens.digest
revoke = secret_tokens.revoke


def feed_offices(user) -> list[Office]:
    """The offices `user` may make (and revoke) an office feed for: admins any, staff and
    managers their own and those below; auditors and partner users none."""
    if user.role not in EDITORS:
        return []
    stmt = select(Office).where(Office.is_deleted.is_(False)).order_by(Office.name)
    if user.role != Role.ADMIN:
        if user.office_id is None:
            return []
        stmt = stmt.where(Office.id.in_(office_subtree_ids(user.office_id)))
    return list(db.session.scalars(stmt))


def may_manage(user, feed: CalendarFeed) -> bool:
    """A personal feed is its owner's alone; an office feed is in the hands of whoever may make
    one for that office."""
    if feed.user_id is not None:
        return feed.user_id == user.id
    return feed.office_id in {office.id for office in feed_offices(user)}


def listed_for(user) -> list[CalendarFeed]:
    """The live feeds `user` sees on the settings page: its own, then its offices'."""
    offices = [office.id for office in feed_offices(user)]
    mine = CalendarFeed.user_id == user.id
    stmt = select(CalendarFeed).where(
        CalendarFeed.revoked_at.is_(None),
        or_(mine, CalendarFeed.office_id.in_(offices)) if offices else mine,
    )
    feeds = db.session.scalars(stmt.order_by(CalendarFeed.created_at, CalendarFeed.id))
    return sorted(feeds, key=lambda f: (f.user_id is None, f.office.name if f.office else ""))


def create(owner, office: Office | None, actor) -> tuple[CalendarFeed, str]:
    """A new feed (an office's when `office` is given, else `owner`'s own) and its token, which
    the caller shows once and forgets."""
    token, token_hash = secret_tokens.new(nbytes=TOKEN_BYTES)
    feed = CalendarFeed(
        token_hash=token_hash,
        user_id=None if office is not None else owner.id,
        office_id=office.id if office is not None else None,
        created_by_id=actor.id,
    )
    db.session.add(feed)
    db.session.flush()
    return feed, token


def live_feed(token: str) -> CalendarFeed | None:
    """The feed behind `token` while it still serves: not revoked, its owner still active, its
    office not deleted."""
    if not token or len(token) > TOKEN_MAX:
        return None
    feed = db.session.scalar(
        select(CalendarFeed).where(
            CalendarFeed.token_hash == hash_token(token), CalendarFeed.revoked_at.is_(None)
        )
    )
    if feed is None:
        return None
    if feed.user_id is not None and not feed.user.active:
        return None
    if feed.office_id is not None and feed.office.is_deleted:
        return None
    return feed


def events_stmt(feed: CalendarFeed) -> Select:
    """The events a feed holds, as the owner may see them now."""
    if feed.user_id is not None:
        stmt = visible_events(feed.user)
    else:
        stmt = select(Event).where(
            Event.is_deleted.is_(False),
            Event.office_id.in_(office_subtree_ids(feed.office_id)),
        )
    return stmt.options(selectinload(Event.partners))


def events_of(feed: CalendarFeed) -> list[Event]:
    stmt = events_stmt(feed).order_by(Event.starts_at.desc(), Event.id.desc()).limit(FEED_LIMIT)
    return list(reversed(db.session.scalars(stmt).all()))


def partner_names(feed: CalendarFeed, event: Event) -> list[str]:
    """The partners a feed names for an event: a partner user's feed its own partner only, as
    its pages do."""
    return [p.name for p in partners_seen_by(feed.user, event)]


def title_of(feed: CalendarFeed) -> str:
    """What the settings page and the calendar client call the feed."""
    if feed.office is not None:
        return feed.office.name
    return feed.user.name
