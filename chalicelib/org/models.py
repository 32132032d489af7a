"""The PynamoDB models of the organisation: units, contacts, phone claims and the audit log, with
their indexes. Read and written through org/store.py (which names them for the stores of the features
above that write a contact in their own transactions)."""

from __future__ import annotations

from typing import Any

from pynamodb.attributes import BooleanAttribute, NumberAttribute, UnicodeAttribute
from pynamodb.indexes import AllProjection, GlobalSecondaryIndex, IncludeProjection
from pynamodb.models import Model

from ..core import db
from . import rules

ROOT = "ROOT"
LIST_FIELDS = ["name_hi", "name_en", "role", "unit_id", "language", "phone_last4", "opted_out"]


class UnitsByParent(GlobalSecondaryIndex["UnitModel"]):
    class Meta:
        index_name = "by_parent"
        projection = AllProjection()

    parent_key = UnicodeAttribute(hash_key=True)
    child_sort = UnicodeAttribute(range_key=True)


@db.table("units")
class UnitModel(Model):
    class Meta:
        table_name = "units"

    unit_id = UnicodeAttribute(hash_key=True)
    level = UnicodeAttribute()
    name_hi = UnicodeAttribute()
    name_en = UnicodeAttribute()
    parent_id = UnicodeAttribute(null=True)
    parent_key = UnicodeAttribute()  # parent id, or ROOT for a top-level unit
    child_sort = UnicodeAttribute()  # English name, lower case, then the id: children list by name
    path = UnicodeAttribute()  # "chw/chw-a1/chw-a1-m01/": ancestors and self
    district_id = UnicodeAttribute(null=True)
    created_at = UnicodeAttribute()
    updated_at = UnicodeAttribute()
    by_parent = UnitsByParent()


class ContactsByTree(GlobalSecondaryIndex["ContactModel"]):
    class Meta:
        index_name = "by_tree"
        projection = IncludeProjection(LIST_FIELDS)

    district_id = UnicodeAttribute(hash_key=True)
    tree_key = UnicodeAttribute(range_key=True)


class ContactsByRole(GlobalSecondaryIndex["ContactModel"]):
    class Meta:
        index_name = "by_role"
        projection = IncludeProjection(LIST_FIELDS)

    district_role = UnicodeAttribute(hash_key=True)
    tree_key = UnicodeAttribute(range_key=True)


class ContactsByDevanagariName(GlobalSecondaryIndex["ContactModel"]):
    """Name search in Devanagari: district#first letter, then the normalised name#id (rules.name_key)."""

    class Meta:
        index_name = "by_name_deva"
        projection = IncludeProjection(LIST_FIELDS)

    name_deva_bucket = UnicodeAttribute(hash_key=True)
    name_deva_key = UnicodeAttribute(range_key=True)


class ContactsByLatinName(GlobalSecondaryIndex["ContactModel"]):
    """Name search in Latin letters, as by_name_deva."""

    class Meta:
        index_name = "by_name_latn"
        projection = IncludeProjection(LIST_FIELDS)

    name_latn_bucket = UnicodeAttribute(hash_key=True)
    name_latn_key = UnicodeAttribute(range_key=True)


NAME_KEYS = ("name_deva_bucket", "name_deva_key", "name_latn_bucket", "name_latn_key")


@db.table("contacts")
class ContactModel(Model):
    class Meta:
        table_name = "contacts"

    contact_id = UnicodeAttribute(hash_key=True)
    district_id = UnicodeAttribute()
    unit_id = UnicodeAttribute()
    tree_key = UnicodeAttribute()  # the unit's path + contact id: a subtree is a begins_with
    district_role = UnicodeAttribute()  # district#role
    role = UnicodeAttribute()
    name_hi = UnicodeAttribute()
    name_en = UnicodeAttribute()
    phone = UnicodeAttribute()  # E.164; never projected into an index, never logged
    phone_last4 = UnicodeAttribute()
    language = UnicodeAttribute()
    consent_source = UnicodeAttribute()
    consent_purpose = UnicodeAttribute()
    consent_at = UnicodeAttribute()
    opted_out = BooleanAttribute(default=False)
    opted_out_at = UnicodeAttribute(null=True)
    opt_out_source = UnicodeAttribute(null=True)
    wrong_number = BooleanAttribute(default=False)
    created_at = UnicodeAttribute()
    updated_at = UnicodeAttribute()
    created_by = UnicodeAttribute()
    create_hash = UnicodeAttribute(null=True)  # a create with an Idempotency-Key: the hash of its body
    # Optimistic lock, managed explicitly: every write states `version = n` and adds one.
    version = NumberAttribute(default=1)
    # The name-search index's keys (rules.name_index_keys): computed from the names at every put
    # (serialize, below) and every update that changes a name (name_actions), so no path forgets them.
    name_deva_bucket = UnicodeAttribute(null=True)
    name_deva_key = UnicodeAttribute(null=True)
    name_latn_bucket = UnicodeAttribute(null=True)
    name_latn_key = UnicodeAttribute(null=True)
    # One person, one call at a time (issue 20): the agent whose lease holds this person now, in which
    # campaign, until when (UTC ISO; a lock past it is free), set with the lease in its transaction and
    # removed by that agent's call; and the calls made to the person on one IST day, all campaigns
    # together (not the callbacks they asked for), counted by the call's transaction.
    lock_agent = UnicodeAttribute(null=True)
    lock_campaign = UnicodeAttribute(null=True)
    lock_until = UnicodeAttribute(null=True)
    calls_day = UnicodeAttribute(null=True)  # IST day of calls_n
    calls_n = NumberAttribute(null=True)
    by_tree = ContactsByTree()
    by_role = ContactsByRole()
    by_name_deva = ContactsByDevanagariName()
    by_name_latn = ContactsByLatinName()

    def serialize(self, null_check: bool = True) -> dict[str, dict[str, Any]]:
        """Every put (a create here, an import's, a test's) carries the name index keys of its names."""
        if getattr(self, "district_id", None) and getattr(self, "contact_id", None):
            keys = rules.name_index_keys(self.district_id, self.contact_id, getattr(self, "name_hi", "") or "",
                                         getattr(self, "name_en", "") or "")
            for name, value in keys.items():
                setattr(self, name, value)
        return super().serialize(null_check=null_check)


@db.table("phones")
class PhoneClaimModel(Model):
    """One item per (district, phone): the conditional put that makes a phone unique."""

    class Meta:
        table_name = "phones"

    claim_key = UnicodeAttribute(hash_key=True)  # district#+91…
    contact_id = UnicodeAttribute()
    create_key = UnicodeAttribute(null=True)  # idempotency key of the create that made it
    create_hash = UnicodeAttribute(null=True)


class AuditByActor(GlobalSecondaryIndex["AuditModel"]):
    class Meta:
        index_name = "by_actor"
        projection = AllProjection()

    actor = UnicodeAttribute(hash_key=True)
    at_id = UnicodeAttribute(range_key=True)


@db.table("audit")
class AuditModel(Model):
    """Who saw or changed whose personal data, and when. Holds ids, never the data itself."""

    class Meta:
        table_name = "audit"

    subject = UnicodeAttribute(hash_key=True)  # contact#<id>
    at_id = UnicodeAttribute(range_key=True)  # ISO time#random: ordered, unique
    actor = UnicodeAttribute()
    action = UnicodeAttribute()
    detail = UnicodeAttribute(null=True)
    by_actor = AuditByActor()


def claim_key(district_id: str, phone: str) -> str:
    return f"{district_id}#{phone}"
