"""Follow-up of calls: escalation of unreachable units and verification of field reports."""
