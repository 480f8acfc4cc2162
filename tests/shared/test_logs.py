"""Logs never carry a CIN or a phone number in clear (law 09-08); references stay readable."""
import io
import logging

import pytest

from shared import logs
from shared.cases import CaseService
from shared.logs import PersonalDataFilter
from shared.logs import mask_personal_data
from shared.references import new_reference
from tests.shared.helpers import CIN
from tests.shared.helpers import PHONE
from tests.shared.helpers import apply
from tests.shared.helpers import file_case

log = logging.getLogger("tests.shared.logs")


@pytest.fixture()
def output():
    """What the handler installed by logs.configure() writes, as text."""
    logs.configure()
    [handler] = [h for h in logging.getLogger().handlers
                 if any(isinstance(f, PersonalDataFilter) for f in h.filters)]
    stream = io.StringIO()
    previous = handler.setStream(stream)
    try:
        yield stream
    finally:
        handler.setStream(previous)


@pytest.mark.parametrize("phone", [
    "+212612345678", "00212612345678", "212612345678", "0612345678", "0712345678",
    "0522123456", "06 12 34 56 78", "+212 6 12 34 56 78", "06-12-34-56-78", "06.12.34.56.78",
    "+33612345678",
])
def test_phone_numbers_are_masked(output, phone):
    log.warning("callback asked by %s today", phone)
    line = output.getvalue()
    assert phone not in line
    assert "callback asked by " + "*" * (len(phone) - 2) + phone[-2:] + " today" in line


@pytest.mark.parametrize("cin", ["AB123456", "K12345", "BE654321", "X123", "AB 123456"])
def test_cins_are_masked(output, cin):
    log.info("identity %s checked", cin)
    line = output.getvalue()
    assert cin not in line
    assert "identity " + "*" * (len(cin) - 2) + cin[-2:] + " checked" in line


def test_references_stay_readable(output):
    reference = new_reference()
    spaced = " ".join((reference[:3], reference[3:6], reference[6:]))
    log.info("case %s filed; read back as %s", reference, spaced)
    assert f"case {reference} filed; read back as {spaced}" in output.getvalue()


def test_a_national_phone_number_is_not_taken_for_a_reference(output):
    """0612345678 has ten digits like a reference, but references never start with 0."""
    log.info("caller %s", "0612345678")
    assert "0612345678" not in output.getvalue()


def test_harmless_numbers_are_left_alone():
    for text in ("job send_filed_sms #42 failed (attempt 3)", "due on 2025-07-09",
                 "took 1234 ms", "HTTP 404", "SM1234567890abcdef0123456789abcdef"):
        assert mask_personal_data(text) == text


def test_masked_values_are_not_masked_again():
    once = mask_personal_data(f"{PHONE} {CIN}")
    assert once == "***********78 ******56"
    assert mask_personal_data(once) == once


def test_structures_and_args_are_masked(output):
    log.info("payload %s", {"phone": PHONE, "cin": CIN, "name": "Fatima"})
    line = output.getvalue()
    assert PHONE not in line and CIN not in line and "123456" not in line
    assert "'***********78'" in line and "'******56'" in line


def test_tracebacks_are_masked(output):
    try:
        raise ValueError(f"duplicate citizen {CIN} with phone {PHONE}")
    except ValueError:
        log.exception("could not file")
    text = output.getvalue()
    assert "Traceback" in text and "ValueError: duplicate citizen ******56" in text
    assert CIN not in text and PHONE not in text and "612345678" not in text


def test_the_filter_keeps_every_record():
    record = logging.LogRecord("x", logging.INFO, __file__, 1, "tel %s", (PHONE,), None)
    assert PersonalDataFilter().filter(record) is True
    assert record.getMessage() == "tel ***********78"


def test_configure_installs_one_handler():
    logs.configure()
    logs.configure()
    masked = [h for h in logging.getLogger().handlers
              if any(isinstance(f, PersonalDataFilter) for f in h.filters)]
    assert len(masked) == 1


def test_the_case_service_never_logs_the_cin_or_phone(session, admin, caplog, monkeypatch):
    """Even unmasked, what the service logs names the case, never the citizen."""
    monkeypatch.setattr(PersonalDataFilter, "filter", lambda self, record: True)
    caplog.set_level(logging.DEBUG)
    service = CaseService(session, actor="agent")
    case = file_case(session, admin)
    for action in ("transmit", "start", "answer", "rate", "reopen"):
        apply(service, case, action)
    service.complete(case, citizen_cin="BE654321", citizen_phone="+212698765432")
    session.commit()
    text = caplog.text
    assert case.reference in text
    for secret in (CIN, "123456", PHONE, "612345678", "BE654321", "654321", "698765432",
                   "Fatima"):
        assert secret not in text


def test_filing_through_the_configured_handler_shows_no_cin_or_phone(session, admin, output,
                                                                    caplog):
    caplog.set_level(logging.DEBUG)
    log.info("filing for %s (%s)", PHONE, CIN)  # as careless code might
    case = file_case(session, admin)
    session.commit()
    for text in (output.getvalue(), caplog.text):
        assert case.reference in text
        assert CIN not in text and PHONE not in text and "612345678" not in text


def test_a_cin_typed_in_lower_case_is_masked():
    from shared.logs import mask_personal_data
    assert mask_personal_data("cin ab123456 given") == "cin ******56 given"


@pytest.mark.parametrize("text, masked", [
    ("cin 123456 keyed", "cin ****56 keyed"),
    ("CIN: 1234", "CIN: ****"),
    ("{'cin_digits': '654321', 'kind': 'complaint'}",
     "{'cin_digits': '****21', 'kind': 'complaint'}"),
    ('{"citizen_cin": "123456"}', '{"citizen_cin": "****56"}'),
    ("citizen_cin=98765", "citizen_cin=***65"),
])
def test_cin_digits_after_a_cin_label_are_masked(text, masked):
    assert mask_personal_data(text) == masked


@pytest.mark.parametrize("text", ["vaccin 123456", "cinq 12345 appels", "step cin (turn 7)"])
def test_words_that_only_contain_cin_are_left_alone(text):
    assert mask_personal_data(text) == text


def test_a_database_error_never_shows_its_parameters():
    error = ("(psycopg.errors.UniqueViolation) duplicate key\n[SQL: INSERT INTO cases "
             "(reference, citizen_cin) VALUES (%s, %s)]\n[parameters: ('5128043391', '123456', "
             "'Fatima Zahra', 'Derb Omar 12')]\n(Background on this error at: https://x/e/20)")
    masked = mask_personal_data(error)
    assert "123456" not in masked and "Fatima" not in masked and "Derb" not in masked
    assert "[parameters: hidden]\n(Background on this error" in masked


@pytest.mark.parametrize("line", [
    '"GET /open311/v2/requests.json?api_key=s3cr3t-KEY_0123&page=2 HTTP/1.1" 400',
    "POST /x?API-KEY=s3cr3t-KEY_0123",
    "headers {'X-Api-Key=s3cr3t-KEY_0123'}",
    "login with password=s3cr3t-KEY_0123 refused",
])
def test_secrets_in_urls_are_masked(line):
    masked = mask_personal_data(line)
    assert "s3cr3t-KEY_0123" not in masked and "***" in masked
    assert masked.split("***")[0] == line.split("s3cr3t")[0]  # the rest stays readable
