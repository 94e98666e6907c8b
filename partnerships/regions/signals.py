"""What the regions domain tells the domains above it, which it must not import."""

from blinker import Namespace

signals = Namespace()

# Sent after a successful import, before the commit: sender is the ImportResult; keyword
# `file` names the regions file that was read.
regions_imported = signals.signal("regions-imported")
