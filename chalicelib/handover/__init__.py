"""The shift handover: a workflow across shifts (who worked, who comes next) and campaigns (leases and
callbacks), so it lives in a room above both."""
