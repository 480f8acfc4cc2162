"""Helpers of the admin screens' tests: the rows an admin's change leaves, the
administrations put back as they were."""
import copy
from pathlib import Path

import pytest
from sqlalchemy import select

from ivr.speech.grammars import write_administration_grammars

from shared.extensions import db
from shared.models import AccessLogEntry
from shared.models import AdminChange
from shared.models import Administration


def changes(app) -> list[tuple[str, str, str, dict]]:
    """[(actor, action, target, details)] of admin_changes, oldest first; each one also
    has its row in the access log (same actor and action)."""
    with app.app_context():
        rows = db.session.scalars(select(AdminChange).order_by(AdminChange.id)).all()
        logged = [(entry.actor, entry.kind, entry.detail) for entry in db.session.scalars(
            select(AccessLogEntry).where(AccessLogEntry.kind.like("admin_%"))
            .order_by(AccessLogEntry.id))]
        found = [(row.actor, row.action, row.target, row.details) for row in rows]
        db.session.remove()
    # The hash-chained log names the fields changed, never their values (a name, a text).
    assert logged == [(actor, action, {"action": action, "fields": sorted(details)})
                      for actor, action, _target, details in found]
    return found


FIELDS = ("code", "names", "synonyms", "acronym", "active", "edited_in_console")


@pytest.fixture()
def restored_administrations(app):
    """The administrations (loaded once for the session) as they were before the test, and
    the grammar files of GRAMMARS_DIR too."""
    directory = Path(app.config["GRAMMARS_DIR"])
    with app.app_context():
        before = {admin.id: {name: copy.deepcopy(getattr(admin, name)) for name in FIELDS}
                  for admin in db.session.scalars(select(Administration))}
        db.session.remove()
    had_grammars = any(directory.glob("*/administrations.json"))
    yield
    with app.app_context():
        for admin in db.session.scalars(select(Administration)):
            if any(getattr(admin, name) != value for name, value in before[admin.id].items()):
                admin.code = f"x{admin.id}"  # no clash while codes swap back
        db.session.flush()
        for admin in db.session.scalars(select(Administration)):
            for name, value in before[admin.id].items():
                setattr(admin, name, value)
        db.session.commit()
        if had_grammars:
            write_administration_grammars(db.session, directory)
        else:
            for path in directory.glob("*/administrations.json"):
                path.unlink()
        db.session.remove()
