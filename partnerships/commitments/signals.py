"""What the commitments domain tells the domains above it (notifications, the dashboard),
which it must not import. Receivers run inside the same flush and transaction as the change
that sent the signal.
"""

from blinker import Namespace

signals = Namespace()

# Sent with the Commitment as sender whenever its figures or terms changed (a figure added,
# accepted, rejected or deleted; the terms edited; an action marked done); after the flush.
# Pre-aggregated views refresh their rows for this commitment.
commitment_changed = signals.signal("commitment-changed")

# Sent with the day (a date) as sender when commitments and figures were written in bulk, not
# through the services (`flask demo national`): whatever is derived from them is recomputed
# from scratch, for that day.
commitments_loaded = signals.signal("commitments-loaded")

# Sent with the RealisationFigure as sender: `figure_submitted` when a partner submits one
# (status submitted), `figure_decided` when staff accept or reject it; keyword `actor`.
figure_submitted = signals.signal("figure-submitted")
figure_decided = signals.signal("figure-decided")

# Sent with the new commitment comment as sender; keyword `actor`.
comment_added = signals.signal("commitment-comment-added")
