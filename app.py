"""Sampark: the Chalice app. Creates it, binds the stores, registers blueprints and middleware."""

from datetime import datetime

from chalicelib.accounts import activity as sign_ins
from chalicelib.accounts.routes import accounts_bp
from chalicelib.board.routes import board_bp
from chalicelib.bulk.routes import bulk_bp
from chalicelib.calls.routes import calls_bp
from chalicelib.campaigns.routes import campaigns_bp
from chalicelib.core import access, clock, db
from chalicelib.core.auth import auth_bp
from chalicelib.core.chalice_app import SamparkChalice
from chalicelib.core.health import health_bp
from chalicelib.core.http import response_middleware
from chalicelib.core.observability import http_middleware, job_middleware
from chalicelib.digests.routes import digests_bp
from chalicelib.exports.routes import exports_bp
from chalicelib.followup.routes import followup_bp
from chalicelib.handover.routes import handover_bp
from chalicelib.imports.routes import imports_bp
from chalicelib.org.routes import org_bp
from chalicelib.performance.routes import performance_bp
from chalicelib.privacy.routes import privacy_bp
from chalicelib.progress.routes import progress_bp
from chalicelib.relay.routes import relay_bp
from chalicelib.shifts.routes import shifts_bp
from chalicelib.web.routes import web_bp

app = SamparkChalice(app_name="sampark")


def _centre_profile(username: str) -> access.Profile | None:
    """Every signed-in request checks its caller against this (core/access.py): the call centre's
    agents and supervisors are profiles in chalicelib/shifts; admins and leaders have none."""
    from chalicelib.shifts import store

    agent = store.get_agent(username) if username else None
    return None if agent is None else access.Profile(agent.role, bool(agent.active))


access.use_profiles(_centre_profile)


def _sign_in_activity(username: str, now: datetime) -> None:
    """A sign-in is activity on the user's day (issue 20: attendance): reporting keeps the figure, under
    the idle limit of the calling settings (shifts), both above accounts."""
    from chalicelib.reporting import counters
    from chalicelib.shifts import calling

    counters.record_sign_in(username, clock.iso(now), now.astimezone(clock.IST).date().isoformat(),
                            lambda found: calling.calling_of(found).idle_limit_minutes * 60, [calling.calling_key()])


sign_ins.use_sign_in(_sign_in_activity)

app.register_middleware(db.bind_middleware, "all")
app.register_middleware(http_middleware, "http")
app.register_middleware(response_middleware, "http")
for _event_type in ("scheduled", "sns", "sqs", "s3"):
    app.register_middleware(job_middleware, _event_type)

for _blueprint in (auth_bp, health_bp, accounts_bp, org_bp, campaigns_bp, calls_bp, shifts_bp, imports_bp,
                   exports_bp, bulk_bp, board_bp, web_bp, digests_bp, relay_bp, followup_bp,
                   handover_bp, progress_bp, privacy_bp, performance_bp):
    app.register_blueprint(_blueprint)
