"""Texts said with <Say> come from people (an agent's reply, pasted from a document): a
character XML cannot carry must never make the TwiML invalid."""
import xml.etree.ElementTree as ET

import pytest

from shared import administrations
from shared.cases import CaseService
from shared.cases import Citizen
from shared.cases import NewCase
from shared.extensions import db
from shared.types import CaseKind
from shared.types import Channel
from tests.ivr.conftest import MOBILE
from tests.ivr.helpers import to_main_menu


@pytest.mark.parametrize("odd", ["\x0b", "\x0c", "\x01", "\x1f"])
def test_a_reply_with_control_characters_is_still_valid_twiml(app, caller, odd):
    with app.app_context():
        service = CaseService(db.session, actor="test")
        case = service.file(NewCase(
            kind=CaseKind.COMPLAINT, administration=administrations.by_code(db.session, "201"),
            channel=Channel.WEB, language="fr", description="retard",
            citizen=Citizen(phone=MOBILE)))
        service.transmit(case)
        service.answer(case, f"Votre dossier{odd}est réglé.", "fr")
        db.session.commit()
        reference = case.reference
    to_main_menu(caller, "fr")
    caller.press("4")
    turn = caller.press(reference)
    assert turn.status == 200
    root = ET.fromstring(turn.xml)  # raises on what XML 1.0 cannot carry
    said = [element.text for element in root.iter("Say")]
    assert "Votre dossier est réglé." in said
