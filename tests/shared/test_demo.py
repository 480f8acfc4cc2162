"""The demo data of `make run`: users of every role and cases in every status."""
from sqlalchemy import select

from shared import demo
from shared.models import Case
from shared.models import User
from shared.types import CaseStatus
from shared.types import Role


def test_demo_data_has_every_role_and_every_status_and_loads_once(session):
    lines = demo.load(session)
    session.commit()
    assert {user.role for user in session.scalars(select(User))} == set(Role)
    assert {case.status for case in session.scalars(select(Case))} == set(CaseStatus)
    assert any("demo3737" in line for line in lines)
    demo.load(session)
    session.commit()
    assert len(session.scalars(select(Case)).all()) == len(demo.DEMO_CASES)
    officer = session.scalar(select(User).where(User.role == Role.OFFICER))
    assert officer.administration.acronym == "CNSS" and officer.check_password("demo3737")
