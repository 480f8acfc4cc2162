"""Speech models: one vosk model per language, read from SPEECH_MODELS_DIR/<lang>/, loaded
lazily once per process and shared by every recogniser (a vosk Model is thread-safe).

A language without a folder of its own uses its fallback's (languages.json: Darija falls
back to Arabic), so `ary` may point at the Arabic model without a copy. A missing or broken
model never breaks a call: `get` answers None and that language stays on the keypad.
Nothing is ever downloaded here (operators install models with `flask speech install`)."""
from __future__ import annotations

import logging
import os
import threading
from dataclasses import dataclass
from pathlib import Path
from typing import Callable

log = logging.getLogger(__name__)
# What makes a folder a vosk model (vosk's own loader looks for these).
MODEL_MARKERS = ("am/final.mdl", "final.mdl")


def is_model_dir(path: Path | str) -> bool:
    # os.path on strings: every IVR webhook asks which languages have a model (one may be
    # installed while the server runs), and pathlib cost more than the system calls.
    return os.path.isdir(path) and any(os.path.isfile(os.path.join(path, marker))
                                       for marker in MODEL_MARKERS)


def load_vosk_model(path: Path):
    """The real loader (vosk imported here only: the app starts without it)."""
    import vosk
    vosk.SetLogLevel(-1)
    return vosk.Model(str(path))


@dataclass(frozen=True)
class ModelStatus:
    language: str
    path: Path | None      # the folder used, None when no model is installed
    state: str             # "missing", "installed" (not loaded yet), "loaded" or "broken"


class SpeechModels:
    """The models of one process, keyed by language code."""

    def __init__(self, directory: Path, fallbacks: dict[str, str | None],
                 loader: Callable[[Path], object] = load_vosk_model):
        self.directory = Path(directory)
        self.fallbacks = fallbacks  # every language code -> its fallback code or None
        self._loader = loader
        self._lock = threading.Lock()
        self._loaded: dict[Path, object] = {}
        self._broken: set[Path] = set()

    def path_for(self, language: str) -> Path | None:
        """The model folder of `language`: its own, else its fallback's."""
        for code in (language, self.fallbacks.get(language)):
            if code and is_model_dir(os.path.join(self.directory, code)):
                return self.directory / code
        return None

    def languages(self) -> list[str]:
        """Languages that have a model folder, loaded or not (nothing is loaded to say so)."""
        paths = {code: self.path_for(code) for code in self.fallbacks}
        return [code for code, path in paths.items()
                if path is not None and path not in self._broken]

    def get(self, language: str):
        """The loaded model of `language`, loading it on first use; None without one."""
        path = self.path_for(language)
        if path is None or path in self._broken:
            return None
        model = self._loaded.get(path)
        if model is not None:
            return model
        with self._lock:  # one load per folder, however many calls ask at once
            if path not in self._loaded and path not in self._broken:
                try:
                    self._loaded[path] = self._loader(path)
                    log.info("speech model for %s loaded from %s", language, path)
                except Exception as error:  # noqa: BLE001 - a broken model must not break calls
                    self._broken.add(path)
                    log.error("speech model for %s at %s cannot be loaded (%s): that "
                              "language uses the keypad", language, path, error)
            return self._loaded.get(path)

    def is_broken(self, language: str) -> bool:
        """True when `language` has a model folder that failed to load."""
        path = self.path_for(language)
        return path is not None and path in self._broken

    def forget_broken(self, language: str) -> None:
        """Let the next `get` try `language`'s model again (an operator may have mended it):
        for work that can wait and retry (a recording's transcript), never for a live call."""
        path = self.path_for(language)
        with self._lock:
            self._broken.discard(path)

    def status(self) -> list[ModelStatus]:
        found = []
        for code in self.fallbacks:
            path = self.path_for(code)
            state = "missing" if path is None else "broken" if path in self._broken \
                else "loaded" if path in self._loaded else "installed"
            found.append(ModelStatus(code, path, state))
        return found
