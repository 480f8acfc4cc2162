"""Transcripts of recorded descriptions (a voicemail's message too): a job, queued when the
recording is stored, runs vosk over the WAV file in the case's language and attaches the
masked text to the case as a draft an agent may correct (shared/cases.py).

Filing never waits for it. No database transaction is held while vosk listens: on SQLite
every transaction takes the only write lock. A recording that cannot be read fails for good
(`flask jobs failed`); a language without a model ends the job with a note and nothing
attached; a model that does not load is tried again within the jobs' retry window (an
operator may mend it).
"""
from __future__ import annotations

import logging
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import soundfile
from sqlalchemy import select
from sqlalchemy.orm import Session

from shared import jobs
from shared.cases import CaseService
from shared.extensions import db
from shared.jobs import PermanentError
from shared.models import Case

from .privacy import mask_transcript
from .recognizer import Segment
from .recognizer import VoskRecognizer
from .runtime import speech_models

log = logging.getLogger(__name__)
JOB = "transcribe_recording"
ACTOR = "speech"
# vosk takes a file in chunks; half a second keeps each call short and the overhead low.
CHUNK_SECONDS = 0.5


class UnreadableRecording(PermanentError):
    """The stored file is missing or is not audio soundfile can read: retrying cannot mend it."""


class ModelNotLoaded(RuntimeError):
    """The language has a model folder that does not load: retried (it may be mended)."""


@dataclass(frozen=True)
class Audio:
    pcm: bytes        # 16-bit little-endian mono PCM
    sample_rate: int  # the file's own: vosk resamples, but must be told the true rate


@dataclass(frozen=True)
class Transcript:
    text: str
    confidence: float | None  # mean word confidence, 0-1; None when nothing was heard


def register_jobs(app) -> None:
    jobs.register(app, JOB, transcribe_recording)


def schedule(session: Session, config, reference: str, recording_sid: str,
             path: Path) -> None:
    """Queue the transcript of a case's stored description recording (once per recording),
    in the caller's transaction, unless RECORDING_TRANSCRIPTS is off."""
    if config["RECORDING_TRANSCRIPTS"] != "on":
        return
    jobs.enqueue(session, JOB, unique_key=f"transcript:{recording_sid}", reference=reference,
                 path=str(path))


def read_audio(path: Path) -> Audio:
    """The file as 16-bit mono PCM (PCM or mu-law WAV, any rate; channels are mixed)."""
    try:
        samples, rate = soundfile.read(str(path), dtype="int16", always_2d=True)
    except (OSError, RuntimeError) as error:  # soundfile's errors are RuntimeErrors
        raise UnreadableRecording(f"recording {path.name} cannot be read: "
                                  f"{type(error).__name__}") from None
    mono = samples[:, 0] if samples.shape[1] == 1 else \
        samples.mean(axis=1).round().astype(np.int16)
    return Audio(mono.astype("<i2").tobytes(), rate)


def recognise(model, audio: Audio) -> Transcript:
    """Free-form recognition over the whole file: the finals joined, their confidence the
    mean over words."""
    recognizer = VoskRecognizer(model, sample_rate=audio.sample_rate)
    chunk = 2 * max(1, int(audio.sample_rate * CHUNK_SECONDS))
    finals: list[Segment] = []
    for start in range(0, len(audio.pcm), chunk):
        finals += [s for s in recognizer.feed(audio.pcm[start:start + chunk]) if s.final]
    finals += [s for s in recognizer.finish() if s.final]
    weighted = [(len(s.text.split()), s.confidence) for s in finals if s.confidence is not None]
    words = sum(count for count, _ in weighted)
    confidence = sum(count * conf for count, conf in weighted) / words if words else None
    return Transcript(" ".join(s.text for s in finals), confidence)


def transcribe_recording(app, reference: str, path: str) -> None:
    """The job: transcribe case `reference`'s description recording stored at `path`."""
    session = db.session
    case = session.scalar(select(Case).where(Case.reference == reference))
    current = (case.recording_path, case.language, case.recording_transcribed_at) \
        if case is not None else (None, None, None)
    session.rollback()  # nothing held while the model loads and vosk listens
    recording_path, language, transcribed_at = current
    if recording_path != path or transcribed_at is not None:
        log.info("case %s: recording already transcribed or no longer kept: nothing to do",
                 reference)
        return
    models = speech_models(app)
    folder = models.path_for(language)
    if folder is None:
        log.info("case %s: no speech model for %s: its recording is not transcribed",
                 reference, language)
        return
    audio = read_audio(Path(path))
    if models.is_broken(language):
        models.forget_broken(language)  # this job can wait: try loading it again
    model = models.get(language)
    if model is None:
        raise ModelNotLoaded(f"the speech model for {language} at {folder} cannot be loaded")
    transcript = recognise(model, audio)
    attach(session, reference, path, language, folder.name, transcript)


def attach(session: Session, reference: str, path: str, language: str, model_name: str,
           transcript: Transcript) -> None:
    """Attach the masked transcript, unless the recording went meanwhile (retention)."""
    service = CaseService(session, actor=ACTOR)
    case = service.lock(service.get(reference))
    if case.recording_path != path:
        session.rollback()
        log.info("case %s: its recording went while it was transcribed: nothing attached",
                 reference)
        return
    service.attach_transcript(case, mask_transcript(transcript.text), language,
                              transcript.confidence, model_name)
    session.commit()
    # The words are personal data: the log says how many, never which.
    log.info("case %s: description transcribed in %s (%d words, confidence %s, model %s)",
             reference, language, len(transcript.text.split()),
             f"{transcript.confidence:.2f}" if transcript.confidence is not None else "-",
             model_name)
