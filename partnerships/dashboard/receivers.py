"""The dashboard listens to the commitments domain, which may not import it."""

from partnerships.commitments.signals import commitment_changed
from partnerships.dashboard import facts


@commitment_changed.connect
def _commitment_changed(commitment, **_kwargs) -> None:
    # the status was just recomputed for the office's day: the fact follows, same transaction
    facts.write_facts([commitment], commitment.status_on)
