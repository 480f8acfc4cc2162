"""Transcripts of recorded descriptions, on the real engine: a stored recording's job runs
vosk over the WAV file in the case's language and attaches the masked text as a draft; an
agent's correction is kept beside it; no model, a broken file, a model that does not load;
retention; nothing held in the database while vosk listens."""
import datetime as dt
import logging
from pathlib import Path

import pytest
from sqlalchemy import select
from sqlalchemy.orm import selectinload

from ivr.recordings import purge_expired
from ivr.speech import transcribe
from ivr.speech.privacy import mask_transcript
from ivr.speech.runtime import speech_models
from shared import jobs
from shared.cases import CaseService
from shared.extensions import db
from shared.models import Case
from shared.models import Job
from shared.models import User
from shared.types import JobState
from shared.types import Role
from tests.ivr.helpers import cases
from tests.ivr.helpers import file_by_phone
from tests.ivr.test_voicemail import leave_voicemail
from tests.shared.helpers import file_case
from tests.support.speech import YES
from tests.support.speech import heard_yes
from tests.support.speech import install_test_model
from tests.support.speech import speech_wav

pytestmark = pytest.mark.slow
SID = "RE" + "5" * 32


@pytest.fixture(scope="module")
def models_dir(tmp_path_factory):
    """The Korean test model as French's (and nothing for Arabic or Darija)."""
    return install_test_model(tmp_path_factory.mktemp("models"), "fr")


@pytest.fixture(scope="module")
def module_models(app, models_dir):
    """The app's speech models over `models_dir`, made as the app makes them and loaded
    once for the module (loading takes seconds)."""
    saved = app.config["SPEECH_MODELS_DIR"], app.extensions.pop("speech_models", None)
    app.config["SPEECH_MODELS_DIR"] = str(models_dir)
    models = speech_models(app)
    app.extensions.pop("speech_models")
    app.config["SPEECH_MODELS_DIR"] = saved[0]
    if saved[1] is not None:
        app.extensions["speech_models"] = saved[1]
    return models


@pytest.fixture()
def speech(app, config, models_dir, module_models, monkeypatch):
    """SPEECH_MODELS_DIR points at the test model for this test."""
    config(SPEECH_MODELS_DIR=str(models_dir))
    monkeypatch.setitem(app.extensions, "speech_models", module_models)
    return module_models


@pytest.fixture()
def agent(session):
    user = User(username="n.alaoui", display_name="N. Alaoui", role=Role.AGENT,
                password_hash="-", languages=["fr"])
    session.add(user)
    session.commit()
    session.refresh(user)
    session.expunge(user)
    session.rollback()
    return user


def recorded_case(session, admin, folder: Path, audio: bytes, language="fr",
                  sid=SID) -> Case:
    """A case whose description recording `audio` is stored, its transcript queued."""
    case = file_case(session, admin, language=language)
    path = folder / f"description-{sid}.wav"
    path.write_bytes(audio)
    CaseService(session, actor="ivr").complete(case, recording_path=str(path))
    transcribe.schedule(session, {"RECORDING_TRANSCRIPTS": "on"}, case.reference, sid, path)
    session.commit()
    return reload(session, case)


def transcript_jobs(app) -> list[Job]:
    with app.app_context():
        found = list(db.session.scalars(select(Job).where(Job.name == transcribe.JOB)))
        db.session.expunge_all()
        return found


def run_jobs(app, session) -> None:
    """Run the due jobs, this test's session holding nothing (on SQLite, every transaction
    holds the only write lock)."""
    session.rollback()
    jobs.run_pending(app)


def reload(session, case) -> Case:
    """The case as committed now, with its trail, detached: this test's session holds
    nothing afterwards."""
    session.rollback()
    found = session.scalar(select(Case).where(Case.id == case.id).options(
        selectinload(Case.events), selectinload(Case.recording_transcript_corrected_by)))
    session.expunge_all()
    session.rollback()
    return found


def correct(session, case, text, user) -> None:
    CaseService(session).correct_transcript(session.get(Case, case.id), text,
                                            session.get(User, user.id))
    session.commit()


@pytest.mark.parametrize("subtype", ["PCM_16", "ULAW"])
def test_a_description_recording_is_transcribed_as_a_draft(
        app, session, admin, speech, tmp_path, subtype):
    case = recorded_case(session, admin, tmp_path, speech_wav(YES, subtype))
    assert case.recording_transcript is None  # filing did not wait for it
    assert [job.state for job in transcript_jobs(app)] == [JobState.PENDING]
    run_jobs(app, session)
    case = reload(session, case)
    assert heard_yes(case.recording_transcript)
    assert case.recording_transcript_language == "fr"
    assert 0 < case.recording_transcript_confidence <= 1
    assert case.recording_transcript_model == "fr"
    assert case.recording_transcribed_at is not None
    assert case.recording_transcript_correction is None  # a draft
    event = case.events[-1]
    assert (event.action, event.actor) == ("attach_transcript", "speech")
    assert event.data["words"] == 1 and event.data["model"] == "fr"
    assert YES not in str(event.data) and event.note is None
    [job] = transcript_jobs(app)
    assert job.state is JobState.DONE


def test_a_file_is_read_at_its_own_sample_rate(app, session, admin, speech, tmp_path):
    case = recorded_case(session, admin, tmp_path, speech_wav(YES, sample_rate=16000))
    run_jobs(app, session)
    assert YES in reload(session, case).recording_transcript


def test_an_agents_correction_is_kept_beside_the_machines(
        app, session, admin, speech, agent, tmp_path):
    case = recorded_case(session, admin, tmp_path, speech_wav(YES))
    run_jobs(app, session)
    case = reload(session, case)
    machine_at = case.recording_transcribed_at
    correct(session, case, "  네, 감사합니다  ", agent)
    case = reload(session, case)
    assert heard_yes(case.recording_transcript)  # the original stays
    assert case.recording_transcript_correction == "네, 감사합니다"
    assert case.recording_transcript_corrected_by.username == "n.alaoui"
    assert case.recording_transcript_corrected_at >= machine_at
    event = case.events[-1]
    assert (event.action, event.actor, event.user_id) == (
        "correct_transcript", "user:n.alaoui", agent.id)
    assert "감사" not in str(event.data)

    # Run again (`flask jobs retry`): the machine's transcript is not written twice.
    with app.app_context():
        transcribe.transcribe_recording(app, case.reference, case.recording_path)
        db.session.rollback()
    case = reload(session, case)
    assert [e.action for e in case.events].count("attach_transcript") == 1
    assert case.recording_transcript_correction == "네, 감사합니다"


def test_no_model_for_the_language_ends_the_job_with_a_note(
        app, session, admin, speech, tmp_path, caplog):
    caplog.set_level(logging.INFO)
    case = recorded_case(session, admin, tmp_path, speech_wav(YES), language="ary")
    run_jobs(app, session)
    [job] = transcript_jobs(app)
    assert job.state is JobState.DONE and job.attempts == 1
    assert "no speech model for ary" in caplog.text
    case = reload(session, case)
    assert case.recording_transcript is None and case.recording_transcribed_at is None
    assert "attach_transcript" not in [e.action for e in case.events]


@pytest.mark.parametrize("audio", [b"RIFF\x00\x00\x00\x00WAVEjunk", b"not audio at all", None])
def test_a_broken_or_missing_file_fails_for_good(app, session, admin, speech, tmp_path,
                                                 audio):
    case = recorded_case(session, admin, tmp_path, audio or b"x")
    if audio is None:
        Path(case.recording_path).unlink()
    run_jobs(app, session)
    [job] = transcript_jobs(app)
    assert job.state is JobState.FAILED and job.attempts == 1  # not retried
    assert "cannot be read" in job.last_error
    with app.app_context():
        assert [failed.id for failed in jobs.failed(db.session)] == [job.id]
    assert reload(session, case).recording_transcript is None


def test_a_model_that_does_not_load_is_tried_again_until_mended(
        app, session, admin, config, tmp_path, monkeypatch, caplog):
    models_dir = tmp_path / "models"
    (models_dir / "fr" / "am").mkdir(parents=True)
    (models_dir / "fr" / "am" / "final.mdl").write_bytes(b"not a model")
    config(SPEECH_MODELS_DIR=str(models_dir))
    monkeypatch.delitem(app.extensions, "speech_models", raising=False)
    recordings = tmp_path / "recordings"
    recordings.mkdir()
    case = recorded_case(session, admin, recordings, speech_wav(YES))
    run_jobs(app, session)
    [job] = transcript_jobs(app)
    assert job.state is JobState.PENDING and job.attempts == 1  # retried later
    assert "cannot be loaded" in job.last_error
    assert reload(session, case).recording_transcript is None

    # An operator puts a good model in place; the retry loads it.
    (models_dir / "fr" / "am" / "final.mdl").unlink()
    (models_dir / "fr" / "am").rmdir()
    (models_dir / "fr").rmdir()
    install_test_model(models_dir, "fr")
    with app.app_context():
        db.session.get(Job, job.id).run_after = job.created_at
        db.session.commit()
    run_jobs(app, session)
    [job] = transcript_jobs(app)
    assert job.state is JobState.DONE and job.attempts == 2
    assert heard_yes(reload(session, case).recording_transcript)
    monkeypatch.delitem(app.extensions, "speech_models")  # this test's models go with it


def test_no_database_transaction_is_held_while_vosk_listens(
        app, session, admin, speech, tmp_path, monkeypatch):
    seen = []
    real = transcribe.recognise

    def watched(model, audio):
        seen.append(db.session().in_transaction())
        return real(model, audio)
    monkeypatch.setattr(transcribe, "recognise", watched)
    case = recorded_case(session, admin, tmp_path, speech_wav(YES))
    run_jobs(app, session)
    assert seen == [False]
    assert heard_yes(reload(session, case).recording_transcript)


def test_digit_runs_are_masked_and_no_words_are_logged(
        app, session, admin, speech, tmp_path, monkeypatch, caplog):
    caplog.set_level(logging.DEBUG)
    said = "mon numéro est le 06 12 34 56 78 et ma CIN AB 123456"
    monkeypatch.setattr(transcribe, "recognise",
                        lambda model, audio: transcribe.Transcript(said, 0.9))
    case = recorded_case(session, admin, tmp_path, speech_wav(YES))
    run_jobs(app, session)
    text = reload(session, case).recording_transcript
    assert "12 34 56" not in text and "123456" not in text
    assert text == mask_transcript(said) and text.startswith("mon numéro est")
    for word in ("numéro", "06 12", "123456", "CIN"):
        assert word not in caplog.text
    assert f"{len(said.split())} words" in caplog.text


def test_retention_deletes_the_transcript_with_the_recording(
        app, session, admin, speech, agent, tmp_path):
    case = recorded_case(session, admin, tmp_path, speech_wav(YES))
    run_jobs(app, session)
    case = reload(session, case)
    correct(session, case, "네", agent)
    later = case.filed_at + dt.timedelta(days=366)
    assert purge_expired(session, 365, now=later) == 1
    session.commit()
    case = reload(session, case)
    assert case.recording_path is None
    assert (case.recording_transcript, case.recording_transcript_correction,
            case.recording_transcribed_at, case.recording_transcript_corrected_by) == (
        None, None, None, None)
    assert [e.action for e in case.events][-2:] == ["complete", "clear_transcript"]


def test_a_transcript_of_a_recording_deleted_meanwhile_is_not_attached(
        app, session, admin, speech, tmp_path, monkeypatch):
    case = recorded_case(session, admin, tmp_path, speech_wav(YES))
    real = transcribe.recognise

    def purged_while_listening(model, audio):
        with app.app_context():  # retention runs in another process meanwhile
            purge_expired(db.session, 0, now=dt.datetime.now(dt.timezone.utc)
                          + dt.timedelta(days=1))
            db.session.commit()
        return real(model, audio)
    monkeypatch.setattr(transcribe, "recognise", purged_while_listening)
    run_jobs(app, session)
    case = reload(session, case)
    assert case.recording_path is None and case.recording_transcript is None
    [job] = transcript_jobs(app)
    assert job.state is JobState.DONE


def test_transcripts_can_be_turned_off(app, session, admin, config, tmp_path):
    config(RECORDING_TRANSCRIPTS="off")
    case = file_case(session, admin)
    transcribe.schedule(session, app.config, case.reference, SID, tmp_path / "x.wav")
    assert not [item for item in session.new if isinstance(item, Job)]
    session.commit()
    session.commit()
    assert transcript_jobs(app) == []


# -- from a whole call ----------------------------------------------------------------------
def call_case(app) -> Case:
    [case] = cases(app)
    return case


def test_a_filing_calls_description_is_fetched_then_transcribed(
        app, session, caller, fake_twilio, speech):
    file_by_phone(caller, language="fr")
    fake_twilio.recordings[caller.last_recording_sid] = speech_wav(YES)
    assert call_case(app).recording_transcript is None  # filed without waiting
    run_jobs(app, session)
    case = call_case(app)
    assert Path(case.recording_path).name == f"description-{caller.last_recording_sid}.wav"
    assert heard_yes(case.recording_transcript) and case.recording_transcript_language == "fr"
    assert case.recording_transcript_correction is None
    assert caller.last_recording_sid in fake_twilio.deleted_recordings
    names = [job.name for job in all_jobs(app) if job.state is JobState.DONE]
    assert names.count("fetch_recording") == 2 and names.count(transcribe.JOB) == 1  # not the name


def test_a_voicemails_message_is_transcribed_too(
        app, session, make_caller, config, fake_twilio, speech):
    config(OPENING_HOURS="mon-sun 00:00-00:01")
    caller = make_caller()
    leave_voicemail(caller, language="fr")
    fake_twilio.recordings[caller.last_recording_sid] = speech_wav(YES, "ULAW")
    run_jobs(app, session)
    case = call_case(app)
    assert heard_yes(case.recording_transcript)
    assert "description" in case.pending_fields  # an agent still writes the description


def all_jobs(app) -> list[Job]:
    with app.app_context():
        found = list(db.session.scalars(select(Job).order_by(Job.id)))
        db.session.expunge_all()
        return found


def test_recording_transcripts_are_on_unless_turned_off(tmp_path):
    from shared.config import ConfigError
    from shared.config import load_config
    assert load_config(tmp_path, {})["RECORDING_TRANSCRIPTS"] == "on"
    assert load_config(tmp_path, {"RECORDING_TRANSCRIPTS": "off"})["RECORDING_TRANSCRIPTS"] == "off"
    for odd in ("maybe", "OFF", "off "):  # exact values, as for every choice
        with pytest.raises(ConfigError, match="RECORDING_TRANSCRIPTS must be one of on, off"):
            load_config(tmp_path, {"RECORDING_TRANSCRIPTS": odd})
