"""A chunk of a do-not-call list: each row's phone opts its contact in the list's district out.
No Chalice, boto3 or PynamoDB here."""

from __future__ import annotations

from ..org import store as org_store
from . import rules, store
from .chunk import Chunk, Parsed


def write_dnc(chunk: Chunk, parsed: Parsed) -> None:
    district = str(chunk.item.district_id)
    valid: list[rules.DncRow] = []
    for line, values in parsed:
        try:
            valid.append(rules.dnc_row(line, values))
        except rules.RowError as err:
            chunk.reject(line, err.field, err.value, err.reason)
    claims = store.claims(district, [r.phone for r in valid])
    holders = store.contacts([c.contact_id for c in claims.values()])
    to_opt_out: list[tuple[rules.DncRow, org_store.ContactModel]] = []
    for row in valid:
        claim = claims.get(row.phone)
        contact = holders.get(claim.contact_id) if claim else None
        if contact is None:
            chunk.reject(row.line, "phone", row.phone, f"no contact in {district} has this phone: nothing to opt out")
        elif not contact.opted_out:
            to_opt_out.append((row, contact))
        elif contact.opt_out_source == chunk.source:
            chunk.outcome.counts["updated"] += 1  # this chunk ran before
        else:
            chunk.outcome.counts["unchanged"] += 1
    gone = store.opt_out_contacts([c.contact_id for _, c in to_opt_out], chunk.stamp, chunk.source)
    for index, (row, _contact) in enumerate(to_opt_out):
        if index in gone:
            chunk.reject(row.line, "phone", row.phone, "the contact was erased while importing")
        else:
            chunk.outcome.counts["updated"] += 1
