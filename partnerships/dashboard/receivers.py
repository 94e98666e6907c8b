"""The dashboard listens to the commitments domain, which may not import it."""

from partnerships.commitments.signals import commitment_changed, commitments_loaded
from partnerships.dashboard import facts


@commitment_changed.connect
def _commitment_changed(commitment, **_kwargs) -> None:
    # the status was just recomputed for the office's day: the fact follows, same transaction
    facts.write_facts([commitment], commitment.status_on)


@commitments_loaded.connect
def _commitments_loaded(day, **_kwargs) -> None:
    facts.rebuild(day)
