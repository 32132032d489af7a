"""Seats and shift windows: readable by staff, changed by an admin against the version read."""

from __future__ import annotations

from tests.api.conftest import Api

ROOMS = [{"room_id": "hall", "name_hi": "हॉल", "name_en": "Hall", "seats": ["A1", "A2"]},
         {"room_id": "annexe", "name_hi": "अनुबंध", "name_en": "Annexe", "seats": ["B1"]}]
SHIFTS = {"morning": {"start": "07:30", "end": "14:00"}, "evening": {"start": "14:00", "end": "20:30"}}


def test_the_defaults_are_35_seats_in_three_rooms_and_two_ist_shifts(api: Api) -> None:
    seats = api.get("/settings/seats", role="supervisor").json
    assert seats["seat_count"] == 35 and seats["version"] == 0
    assert [(r["room_id"], len(r["seats"])) for r in seats["rooms"]] == [("room-1", 12), ("room-2", 12), ("room-3", 11)]
    assert seats["rooms"][0]["seats"][0] == "S01" and seats["rooms"][2]["seats"][-1] == "S35"
    shifts = api.get("/settings/shifts", role="supervisor").json
    assert shifts["shifts"] == {"morning": {"start": "08:00", "end": "14:30"},
                                "evening": {"start": "14:30", "end": "21:00"}}
    assert shifts["timezone"] == "Asia/Kolkata" and shifts["period_weeks"] == 1 and len(shifts["working_days"]) == 7


def test_an_admin_changes_them_against_the_version_read(api: Api) -> None:
    assert api.put("/settings/seats", {"version": 0, "rooms": ROOMS}, role="supervisor").status == 403
    r = api.put("/settings/seats", {"version": 0, "rooms": ROOMS})
    assert r.status == 200 and r.json["version"] == 1 and r.json["seat_count"] == 3
    stale = api.put("/settings/seats", {"version": 0, "rooms": ROOMS[:1]})
    assert stale.status == 409 and stale.error["code"] == "stale_version"
    assert api.get("/settings/seats").json["seat_count"] == 3
    shifts = api.put("/settings/shifts", {"version": 0, "shifts": SHIFTS, "period_weeks": 2})
    assert shifts.status == 200 and shifts.json["version"] == 1 and shifts.json["shifts"] == SHIFTS
    again = api.put("/settings/shifts", {**api.get("/settings/shifts").json, "period_weeks": 1})
    assert again.status == 200 and again.json["version"] == 2  # what GET returns can be sent back


BAD_SEATS = [
    ({"rooms": [{**ROOMS[0], "seats": ["A1", "A1"]}]}, "rooms"),
    ({"rooms": [{**ROOMS[0], "seats": ["a1"]}]}, "rooms[0].seats"),
    ({"rooms": []}, "rooms"),
    ({}, "rooms"),
    ({"rooms": ROOMS, "colour": "red"}, "body"),
]
BAD_SHIFTS = [
    ({"shifts": {"morning": SHIFTS["morning"]}}, "shifts"),
    ({"shifts": {**SHIFTS, "morning": {"start": "08:00", "end": "15:00"}}}, "shifts.evening.start"),
    ({"shifts": {**SHIFTS, "morning": {"start": "14:00", "end": "08:00"}}}, "shifts.morning.end"),
    ({"shifts": {**SHIFTS, "evening": {"start": "14:00", "end": "25:00"}}}, "shifts.evening.end"),
    ({"shifts": SHIFTS, "period_weeks": 3}, "period_weeks"),
    ({"shifts": SHIFTS, "working_days": ["mon", "mon"]}, "working_days"),
    ({"shifts": SHIFTS, "version": -1}, "version"),
]


def test_bad_settings_are_refused_with_the_field(api: Api) -> None:
    for path, cases in (("/settings/seats", BAD_SEATS), ("/settings/shifts", BAD_SHIFTS)):
        for body, field in cases:
            r = api.put(path, {"version": 0, **body})
            assert r.status == 400, (body, r.body)
            assert r.error["field"] == field, (body, r.error)
    assert api.get("/settings/seats").json["version"] == 0 and api.get("/settings/shifts").json["version"] == 0
