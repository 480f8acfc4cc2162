"""An agent's wrap-up notes may name the caller: they go with the call's other personal
data after CALL_RETENTION_DAYS; the disposition stays (the line's figures)."""
import datetime as dt

from sqlalchemy import select

from ivr.retention import anonymise_calls
from shared.extensions import db
from shared.models import Call
from tests.console.followup import held_call


def test_old_wrapup_notes_are_deleted_and_the_disposition_kept(app, agent, logged_in):
    sid = held_call(app, agent.id)
    logged_in(agent).post(f"/console/calls/{sid}/wrapup", data={
        "disposition": "information_given", "notes": "Mme Fatima rappellera au 0612345678"})
    with app.app_context():
        call = db.session.scalar(select(Call).where(Call.call_sid == sid))
        call.caller = None  # already anonymised otherwise: the notes alone are enough
        db.session.commit()
        started = call.started_at
        assert anonymise_calls(db.session, 90, started + dt.timedelta(days=89)) == 0
        assert anonymise_calls(db.session, 90, started + dt.timedelta(days=91)) == 1
        db.session.commit()
        call = db.session.scalar(select(Call).where(Call.call_sid == sid))
        assert call.wrapup_notes is None
        assert call.disposition == "information_given" and call.wrapped_up_at is not None
        db.session.remove()
