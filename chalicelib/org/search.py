"""Finding a person: a phone written any way (the phone claim) or a name prefix (the name indexes),
and how many contacts a campaign aimed at a subtree would reach. No Chalice, no boto3, no PynamoDB here."""

from __future__ import annotations

from typing import Any

from ..core.errors import ValidationError
from ..core.paging import Page, PageRequest, page_body
from . import rules, store
from .service import contact_list_item
from .units import require_unit

COUNT_MAX_PAGES = 4  # per role: 4 MB of the index read at most (~16,000 contacts), then "at least"


def _district(district_id: str | None) -> store.UnitModel:
    """The district to search: the one named, or the deployment's only district (at the top of the
    hierarchy or under its only state: one or two Queries of the by_parent index)."""
    if district_id:
        unit = require_unit(district_id)
        if unit.level != "district":
            raise ValidationError("district must name a district", field="district")
        return unit
    first = PageRequest(100, None)
    top = store.children(store.ROOT, first).items
    districts = [u for u in top if u.level == "district"]
    for state in (u for u in top if u.level == "state"):
        districts += [u for u in store.children(state.unit_id, first).items if u.level == "district"]
    if len(districts) != 1:
        raise ValidationError(f"name the district to search: this deployment has {len(districts)}",
                              field="district")
    return districts[0]


def search_contacts(q: str | None, district_id: str | None, limit: int, cursor: str | None) -> dict[str, Any]:
    """A phone written any way finds its contact through the phone claim (two GetItems); a name prefix
    finds the district's contacts through the name index (one Query). Items are masked, each with its
    unit's names (one BatchGetItem). At most five DynamoDB calls, whatever the district's size."""
    from ..core.paging import decode_cursor

    kind, value = rules.search_query(q)
    district = _district(district_id)
    if kind == "phone":
        claim = store.get_claim(str(district.unit_id), value)
        contact = store.get_contact(claim.contact_id) if claim else None
        result: Page[store.ContactModel] = Page([contact] if contact else [], None)
    else:
        keys = store.DEVA_KEYS if kind == "deva" else store.LATN_KEYS
        request = PageRequest(limit, decode_cursor(cursor, keys))
        result = store.contacts_by_name(str(district.unit_id), kind, value, request)
    units = store.get_units([c.unit_id for c in result.items]) if result.items else {}
    items = []
    for contact in result.items:
        item = contact_list_item(contact)
        unit = units.get(contact.unit_id)
        item["unit"] = ({"unit_id": unit.unit_id, "level": unit.level, "name_hi": unit.name_hi,
                         "name_en": unit.name_en} if unit else None)
        items.append(item)
    body = page_body(items, result.next_key)
    body["match"] = "phone" if kind == "phone" else "name"
    return body


def count_contacts(unit_id: str, roles_text: str | None) -> dict[str, Any]:
    """How many contacts a campaign aimed at this subtree and these roles would reach (before opt-outs
    are skipped). One Select=COUNT Query per role on by_role (no role: by_tree), each stopped after
    COUNT_MAX_PAGES pages: then `exact` is false and the count is a lower bound."""
    unit = require_unit(unit_id)
    if unit.district_id is None:
        raise ValidationError("count contacts district by district", field="unit_id")
    roles = [r for r in (roles_text or "").split(",") if r]
    bad = [r for r in roles if r not in rules.ROLES]
    if bad or len(roles) > len(rules.ROLES):
        raise ValidationError(f"roles must be among: {', '.join(rules.ROLES)}", field="roles")
    total, exact = 0, True
    for role in dict.fromkeys(roles) or [None]:
        count, complete = store.count_in_subtree(unit.district_id, unit.path, role, COUNT_MAX_PAGES)
        total += count
        exact = exact and complete
    return {"unit_id": unit.unit_id, "roles": list(dict.fromkeys(roles)), "count": total, "exact": exact}
