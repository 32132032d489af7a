"""The outcomes a call can have: recorded on call logs (calls) and counted per outcome (reporting)."""

DISPOSITIONS = ("connected", "no_answer", "busy", "switched_off", "wrong_number", "callback_requested",
                "declined", "do_not_call")
