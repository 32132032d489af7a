"""Erasure reaches stored files: every export and import whose files hold the person is withdrawn.
The file holdings (imports/holdings.py) lead from a contact to those files; each feature marks its
own job withdrawn, and the bulk bucket's objects are deleted. No Chalice, no boto3, no PynamoDB here."""

from __future__ import annotations

from ..core.clock import iso, now_utc
from ..core.observability import count, logger
from ..exports import store as export_store
from ..imports import blobs, holdings
from ..imports import service as imports
from ..imports import store as import_store


def withdraw_files_of(contact_id: str) -> int:
    """Every export and import whose files hold the person (their file holdings, one Query) is marked
    withdrawn (its route answers 410 from then on, and a part still being written is deleted by its
    worker), then its objects are deleted. Safe to run again."""
    refs = holdings.files_of(contact_id)
    now = iso(now_utc())
    for ref in refs:
        kind, _, file_id = ref.partition("#")
        if kind == "export":
            export_store.mark_withdrawn(file_id, now)
            blobs.delete_all([f"exports/{file_id}/"])
        elif kind == "import":
            import_store.mark_withdrawn(file_id, now)
            blobs.delete_all(imports.files_of(file_id))
    holdings.forget(contact_id, refs)
    if refs:
        count("FilesWithdrawn", len(refs))
        logger.info("files withdrawn for an erasure", extra={"files": refs})
    return len(refs)
