"""Events the lower domains announce by signal and the audit trail records."""

from partnerships.audit.services import record_event
from partnerships.regions.signals import regions_imported


@regions_imported.connect
def _record_regions_import(result, *, file: str, **_) -> None:
    record_event(
        "regions_import",
        "Region",
        None,
        {"file": file, "total": result.total, "inserted": result.inserted},
    )
