"""The home page's card of overdue follow-ups: how many there are in the scope shown and the
longest overdue, in one statement on the follow-ups' status and due-date index. It is drawn
beside the kept page body (board.home_page), never inside it: a follow-up marked done must
leave the card at once, and nothing of the body's cache state would tell."""

from datetime import date

from partnerships.core.roles import Role
from partnerships.dashboard.services import Scope
from partnerships.events.follow_up_permissions import live_follow_ups, visible_follow_ups
from partnerships.events.follow_up_queries import overdue_summary
from partnerships.events.models import FollowUp

LIMIT = 5


def overdue(user, scope: Scope | None, today: date) -> tuple[int, list]:
    """(count, [(id, description, due date)]) of the open follow-ups due before `today`: a
    partner user's own side's; for internal users those of the scope's offices that the user
    may read (Scope.partner_filter), so a branch looking at its Kanwil sees its own only."""
    if user.role == Role.PARTNER or scope is None:
        stmt = visible_follow_ups(user)
    else:
        stmt = live_follow_ups().where(*scope.partner_filter(FollowUp.office_id))
    return overdue_summary(stmt, today, LIMIT)
