"""The PynamoDB models of campaigns and call targets, with their indexes (docs/data-model.md). The
stores of this feature (store.py, activation_store.py, lease_store.py, read_store.py) read and write
them; nothing else constructs them."""

from __future__ import annotations

from pynamodb.attributes import JSONAttribute, NumberAttribute, UnicodeAttribute
from pynamodb.indexes import AllProjection, GlobalSecondaryIndex, IncludeProjection, KeysOnlyProjection
from pynamodb.models import Model

from ..core import db

LIST_FIELDS = ["title_hi", "title_en", "kind", "target_unit_id", "district_id", "starts_on", "ends_on",
               "created_at", "targets_created"]


class CampaignsByStatus(GlobalSecondaryIndex["CampaignModel"]):
    class Meta:
        index_name = "by_status"
        projection = IncludeProjection(LIST_FIELDS)

    status = UnicodeAttribute(hash_key=True)
    list_sort = UnicodeAttribute(range_key=True)  # district#created_at#campaign_id


@db.table("campaigns")
class CampaignModel(Model):
    class Meta:
        table_name = "campaigns"

    campaign_id = UnicodeAttribute(hash_key=True)
    status = UnicodeAttribute()
    list_sort = UnicodeAttribute()
    kind = UnicodeAttribute()
    title_hi = UnicodeAttribute()
    title_en = UnicodeAttribute()
    script_hi = UnicodeAttribute()
    script_en = UnicodeAttribute()
    questions = JSONAttribute()
    target_unit_id = UnicodeAttribute()
    target_roles = JSONAttribute()
    target_path = UnicodeAttribute()
    target_level = UnicodeAttribute()
    district_id = UnicodeAttribute()
    starts_on = UnicodeAttribute()
    ends_on = UnicodeAttribute()
    calling_start = UnicodeAttribute()
    calling_end = UnicodeAttribute()
    max_attempts = NumberAttribute()
    retry_delay_minutes = NumberAttribute()
    lease_minutes = NumberAttribute()
    version = NumberAttribute(default=1)
    created_by = UnicodeAttribute()
    created_at = UnicodeAttribute()
    updated_at = UnicodeAttribute()
    create_hash = UnicodeAttribute(null=True)
    # a programme relay: source, programme_id, date, deadline (UTC ISO), levels (chalicelib/relay)
    programme = JSONAttribute(null=True)
    # activation: a checkpoint advanced chunk by chunk, each advance conditional on the previous one
    act_seq = NumberAttribute(null=True)  # chunks committed
    act_cursor = UnicodeAttribute(null=True)  # where the next chunk starts reading contacts (JSON key)
    act_last_tree = UnicodeAttribute(null=True)  # tree_key of the last contact targeted
    act_started_at = UnicodeAttribute(null=True)
    act_updated_at = UnicodeAttribute(null=True)
    activated_at = UnicodeAttribute(null=True)
    closed_at = UnicodeAttribute(null=True)
    targets_created = NumberAttribute(null=True)
    # follow-up (chalicelib/followup): escalation after N silent days, sampling of verifiable reports,
    # and, on a verification campaign, the campaign whose reports it verifies
    escalate_after_days = NumberAttribute(null=True)
    verification = JSONAttribute(null=True)
    parent_id = UnicodeAttribute(null=True)
    by_status = CampaignsByStatus()


class TargetsByQueue(GlobalSecondaryIndex["TargetModel"]):
    """Sparse: only queued targets carry queue_key. Due = queue_sort <= now."""

    class Meta:
        index_name = "by_queue"
        projection = KeysOnlyProjection()

    queue_key = UnicodeAttribute(hash_key=True)  # campaign#shard
    queue_sort = UnicodeAttribute(range_key=True)  # due_at#contact_id


class TargetsByAgent(GlobalSecondaryIndex["TargetModel"]):
    """Sparse: what one agent holds. agent_sort `0#campaign#contact` for a lease (sorts first),
    `1#callback_at#campaign#contact` for a callback due to that agent."""

    class Meta:
        index_name = "by_agent"
        projection = AllProjection()

    agent_key = UnicodeAttribute(hash_key=True)
    agent_sort = UnicodeAttribute(range_key=True)


class TargetsByContact(GlobalSecondaryIndex["TargetModel"]):
    class Meta:
        index_name = "by_contact"
        projection = KeysOnlyProjection()

    contact_id = UnicodeAttribute(hash_key=True)
    campaign_id = UnicodeAttribute(range_key=True)


@db.table("call_targets")
class TargetModel(Model):
    class Meta:
        table_name = "call_targets"

    campaign_id = UnicodeAttribute(hash_key=True)
    contact_id = UnicodeAttribute(range_key=True)
    status = UnicodeAttribute()  # queued | callback | done | closed
    outcome = UnicodeAttribute(null=True)
    attempts = NumberAttribute(default=0)
    due_at = UnicodeAttribute(null=True)
    queue_key = UnicodeAttribute(null=True)
    queue_sort = UnicodeAttribute(null=True)
    agent_key = UnicodeAttribute(null=True)
    agent_sort = UnicodeAttribute(null=True)
    lease_agent = UnicodeAttribute(null=True)
    lease_until = UnicodeAttribute(null=True)
    leased_at = UnicodeAttribute(null=True)
    callback_at = UnicodeAttribute(null=True)
    # a snapshot of the contact for lists (the call screen reads the contact itself)
    tree_key = UnicodeAttribute()
    role = UnicodeAttribute()
    unit_id = UnicodeAttribute()
    name_hi = UnicodeAttribute()
    name_en = UnicodeAttribute()
    language = UnicodeAttribute()
    phone_last4 = UnicodeAttribute()
    last_disposition = UnicodeAttribute(null=True)
    last_notes = UnicodeAttribute(null=True)
    last_call_at = UnicodeAttribute(null=True)
    last_agent = UnicodeAttribute(null=True)
    handover = UnicodeAttribute(null=True)  # the shift handover (day#shift) that moved this callback
    # follow-up: why an in-charge is called (an escalation), the report a verification target checks,
    # and the agent who took that report (never leased this target)
    escalation = JSONAttribute(null=True)
    verify = JSONAttribute(null=True)
    exclude_agent = UnicodeAttribute(null=True)
    # the call screen's unit path, [{unit_id, level, name_hi, name_en}] from the contact's unit up to its
    # district, written at activation so that leasing need not read the units (absent: read them)
    unit_path = JSONAttribute(null=True)
    # a queued target whose contact was called up to the daily cap (issue 20): moved to the start of the
    # next IST day, `held` = "called_today", `held_day` = the IST day it was held on (removed by its lease)
    held = UnicodeAttribute(null=True)
    held_day = UnicodeAttribute(null=True)
    by_queue = TargetsByQueue()
    by_agent = TargetsByAgent()
    by_contact = TargetsByContact()
