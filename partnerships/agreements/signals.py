"""What the agreements domain tells the domains above it (notifications), which it must not
import. Receivers run inside the same flush and transaction as the change that sent the signal,
so a rolled-back change sends nothing that lasts.
"""

from blinker import Namespace

signals = Namespace()

# Sent with the Agreement as sender after a workflow move was flushed; keywords `move` (the
# name in workflow.MOVES: "submit", "approve", ...) and `actor` (the user who made it).
agreement_moved = signals.signal("agreement-moved")

# Sent with the new review Comment (a thread's first comment or a reply) as sender, after its
# flush; keyword `actor`.
comment_added = signals.signal("agreement-comment-added")
