"""What the organisations domain tells the domains above it, which it must not import.

Receivers connect with `@partner_renamed.connect` and run inside the same flush and transaction
as the change that sent the signal.
"""

from blinker import Namespace

signals = Namespace()

# Sent with the renamed Partner as sender, after the flush that stored the new name.
partner_renamed = signals.signal("partner-renamed")
