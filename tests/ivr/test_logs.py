"""What the IVR logs never carries the CIN digits a caller keyed (they have no letters)."""
from sqlalchemy.exc import IntegrityError

from shared.cases import CaseService
from tests.ivr.helpers import file_by_phone
from tests.shared.test_logs import output  # noqa: F401  (the masked handler's text)


def test_a_failed_filing_logs_no_cin_digits(app, caller, output, monkeypatch):  # noqa: F811
    def fail(self, new):
        raise IntegrityError("INSERT INTO cases (citizen_cin, citizen_phone) VALUES (?, ?)",
                             (new.citizen.cin, new.citizen.phone),
                             Exception(f"cin_digits={new.citizen.cin} already filed"))
    monkeypatch.setattr(CaseService, "file", fail)
    turn = file_by_phone(caller, language="fr", cin="734215")
    assert "technical_problem" in turn.keys
    text = output.getvalue()
    assert "IVR webhook failed" in text and "IntegrityError" in text
    assert "734215" not in text and "612345678" not in text
