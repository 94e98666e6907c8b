"""What the auth domain tells the domains above it, which it must not import. Receivers run
inside the same transaction as the change that sent the signal."""

from blinker import Namespace

signals = Namespace()

# Sent with the User as sender when what the account may reach changed, or who holds it: a new
# password, another role, office or partner, a deactivation. Credentials made before (API
# tokens) end with it; a plain logout does not send it.
access_changed = signals.signal("access-changed")
