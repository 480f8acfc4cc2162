"""Installing a vosk model for one language from its official archive (an https URL) or a
local .zip / .tar(.gz) file: streamed download with a progress bar and a timeout, sha256
computed (and verified when given), every archive member checked (no absolute path, no
`..`, no link out of the archive), unpacked beside the target, test-loaded, then swapped
into SPEECH_MODELS_DIR/<lang>/ in one rename. Until then the previous model stays in place;
on any failure it is left untouched and the staging folder removed."""
from __future__ import annotations

import ctypes
import ctypes.util
import datetime as dt
import hashlib
import ipaddress
import json
import os
import shutil
import stat
import tarfile
import tempfile
import zipfile
from dataclasses import dataclass
from pathlib import Path
from pathlib import PurePosixPath
from typing import Callable
from urllib.parse import urlsplit

from .models import is_model_dir
from .models import load_vosk_model

OFFICIAL = "https://alphacephei.com/vosk/models/"
# The official archives operators install by name (sizes as published upstream).
KNOWN_MODELS = {name: f"{OFFICIAL}{name}.zip" for name in (
    "vosk-model-small-fr-0.22",        # French, 41 MB, lookahead graph: runtime grammars work
    "vosk-model-fr-0.22",              # French, 1.4 GB
    "vosk-model-ar-mgb2-0.4",          # Arabic (MGB-2), 318 MB; Darija falls back to it
    "vosk-model-ar-0.22-linto-1.1.0",  # Arabic, 1.3 GB
)}
MAX_DOWNLOAD_BYTES = 4 << 30
CHUNK = 1 << 20
PROVENANCE = ".installed.json"  # written into the model folder: where it came from


class InstallError(Exception):
    """The model was not installed (the previous one, if any, is still in place)."""


@dataclass(frozen=True)
class Installed:
    path: Path
    sha256: str
    replaced: bool


def resolve(source: str) -> str | Path:
    """A known model's name -> its official URL; a URL as is; else a local file."""
    if source in KNOWN_MODELS:
        return KNOWN_MODELS[source]
    parts = urlsplit(source)
    if parts.scheme in ("http", "https"):
        if parts.scheme == "http" and not _loopback(parts.hostname or ""):
            raise InstallError("only https URLs are accepted (plain http: this machine only)")
        return source
    path = Path(source)
    if not path.is_file():
        known = ", ".join(KNOWN_MODELS)
        raise InstallError(f"{source}: no such file, nor an https URL, nor a known model "
                           f"({known})")
    return path


def shown(origin: str | Path) -> str:
    """The source as printed and recorded: a URL without credentials or query (a signed
    URL's token is a secret)."""
    if isinstance(origin, Path):
        return str(origin)
    parts = urlsplit(origin)
    host = parts.hostname or ""
    return f"{parts.scheme}://{host}{f':{parts.port}' if parts.port else ''}{parts.path}"


def _loopback(host: str) -> bool:
    try:
        return host == "localhost" or ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def download(url: str, into: Path, timeout: float, progress: bool) -> str:
    """Stream `url` into the file `into`; its sha256. `timeout`: seconds to connect and
    between two reads (a stalled download fails rather than hanging)."""
    import requests
    from tqdm import tqdm
    digest = hashlib.sha256()
    try:
        with requests.get(url, stream=True, timeout=(min(timeout, 30), timeout)) as response:
            response.raise_for_status()
            total = int(response.headers.get("Content-Length") or 0) or None
            if total and total > MAX_DOWNLOAD_BYTES:
                raise InstallError(f"{url} is {total} bytes, more than a model should be")
            with into.open("wb") as out, tqdm(total=total, unit="B", unit_scale=True,
                                              desc=PurePosixPath(urlsplit(url).path).name[:40],
                                              disable=not progress) as bar:
                received = 0
                for chunk in response.iter_content(CHUNK):
                    received += len(chunk)
                    if received > MAX_DOWNLOAD_BYTES:
                        raise InstallError(f"{url} sends more than {MAX_DOWNLOAD_BYTES} bytes")
                    out.write(chunk)
                    digest.update(chunk)
                    bar.update(len(chunk))
    except requests.RequestException as error:
        raise InstallError(f"download failed: {str(error).replace(url, shown(url))}") from None
    return digest.hexdigest()


def file_sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as f:
        for chunk in iter(lambda: f.read(CHUNK), b""):
            digest.update(chunk)
    return digest.hexdigest()


# -- archives ---------------------------------------------------------------------------------
def _safe_name(name: str) -> PurePosixPath:
    path = PurePosixPath(name.replace("\\", "/"))
    if path.is_absolute() or ".." in path.parts or (path.parts and ":" in path.parts[0]):
        raise InstallError(f"archive member {name!r} would be written outside the folder: "
                           "archive refused")
    return path


def _check_zip(archive: zipfile.ZipFile) -> None:
    for info in archive.infolist():
        _safe_name(info.filename)
        if stat.S_ISLNK(info.external_attr >> 16):
            raise InstallError(f"archive member {info.filename!r} is a link: archive refused")


def _check_tar(archive: tarfile.TarFile) -> None:
    for member in archive.getmembers():
        name = _safe_name(member.name)
        if member.issym() or member.islnk():
            # A symbolic link is relative to its own folder, a hard link to the archive's root.
            base = name.parent if member.issym() else PurePosixPath()
            target = os.path.normpath(str(base / member.linkname))
            if target.startswith(("/", "../")) or target == "..":
                raise InstallError(f"archive member {member.name!r} links out of the "
                                   "archive: archive refused")
        elif not (member.isfile() or member.isdir()):
            raise InstallError(f"archive member {member.name!r} is a device or pipe: "
                               "archive refused")


def unpack(archive_path: Path, into: Path) -> Path:
    """Unpack after checking every member; the folder of the model inside."""
    if zipfile.is_zipfile(archive_path):
        with zipfile.ZipFile(archive_path) as archive:
            _check_zip(archive)
            archive.extractall(into)
    elif tarfile.is_tarfile(archive_path):
        with tarfile.open(archive_path, "r:*") as archive:
            _check_tar(archive)
            archive.extractall(into, filter="data")  # the standard checks as well as ours
    else:
        raise InstallError(f"{archive_path.name} is neither a zip nor a tar archive")
    candidates = [into] + sorted(p for p in into.iterdir() if p.is_dir())
    for candidate in candidates:
        if is_model_dir(candidate):
            return candidate
    raise InstallError("the archive holds no vosk model (no am/final.mdl at its top or in "
                       "its one folder)")


# -- putting it in place ---------------------------------------------------------------------
_RENAME_EXCHANGE = 2
_AT_FDCWD = -100


def _exchange(first: Path, second: Path) -> bool:
    """Swap two paths in one step (Linux renameat2 RENAME_EXCHANGE); False if unsupported."""
    libc = ctypes.CDLL(ctypes.util.find_library("c") or None, use_errno=True)
    renameat2 = getattr(libc, "renameat2", None)
    if renameat2 is None:
        return False
    done = renameat2(_AT_FDCWD, os.fsencode(first), _AT_FDCWD, os.fsencode(second),
                     _RENAME_EXCHANGE)
    return done == 0


def put_in_place(new: Path, target: Path) -> Path | None:
    """Move the folder `new` to `target`. The previous model is replaced in one step where
    the system can swap two paths, else by two renames; returns where the previous one now
    is (to delete), or None if there was none."""
    if not target.exists() and not target.is_symlink():
        os.rename(new, target)
        return None
    if _exchange(new, target):
        return new
    old = target.with_name(f".old-{target.name}-{os.getpid()}")
    os.rename(target, old)
    os.rename(new, target)
    return old


def delete(path: Path) -> None:
    """Delete a model folder, or only the link when it is one (never what it points at)."""
    if path.is_symlink():
        path.unlink()
    elif path.exists():
        shutil.rmtree(path)


def install(source: str, language: str, models_dir: Path, *, sha256: str | None = None,
            force: bool = False, timeout: float = 60, progress: bool = True,
            loader: Callable[[Path], object] | None = None,
            echo: Callable[[str], None] = print) -> Installed:
    """Install the model of `source` as `language`'s (see the module's docstring)."""
    target = Path(models_dir) / language
    replacing = target.exists() or target.is_symlink()
    if replacing and not force:
        raise InstallError(f"{target} already holds a model: --force replaces it")
    origin = resolve(source)
    models_dir = Path(models_dir)
    models_dir.mkdir(parents=True, exist_ok=True)
    staging = Path(tempfile.mkdtemp(prefix=f".install-{language}-", dir=models_dir))
    try:
        if isinstance(origin, Path):
            archive, digest = origin, file_sha256(origin)
        else:
            archive = staging / "download"
            digest = download(origin, archive, timeout, progress)
        echo(f"sha256 {digest}  {shown(origin)}")
        if sha256 and digest != sha256.lower():
            raise InstallError(f"checksum mismatch: expected {sha256.lower()}, got {digest}; "
                               "nothing installed")
        model_dir = unpack(archive, staging / "unpacked")
        try:
            model = (loader or load_vosk_model)(model_dir)
        except Exception as error:  # noqa: BLE001 - whatever vosk says, the old model stays
            raise InstallError(f"the model cannot be loaded ({error}): not installed"
                               + ("; the previous model is kept" if replacing else "")) from None
        del model
        (model_dir / PROVENANCE).write_text(json.dumps({
            "source": shown(origin), "sha256": digest,
            "installed_at": dt.datetime.now(dt.timezone.utc).isoformat(timespec="seconds")}))
        previous = put_in_place(model_dir, target)
        if previous is not None:
            delete(previous)
        return Installed(target, digest, replacing)
    finally:
        shutil.rmtree(staging, ignore_errors=True)
