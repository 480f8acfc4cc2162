"""Every environment variable the configuration reads has its row in the README's
configuration table: an operator finds there all they can set."""
import re
from pathlib import Path

import pytest

from shared.config import load_config

README = Path(__file__).resolve().parents[2] / "README.md"
PRODUCTION = {"APP_ENV": "production", "SECRET_KEY": "s" * 32, "TWILIO_AUTH_TOKEN": "token",
              "TWILIO_ACCOUNT_SID": "AC" + "0" * 32, "PUBLIC_BASE_URL": "https://3737.example",
              "DATABASE_URL": "postgresql+psycopg://u@db/allo"}


class ReadEnviron(dict):
    """An environment that notes each name the configuration looks up."""

    def __init__(self, values):
        super().__init__(values)
        self.read: set[str] = set()

    def get(self, name, default=None):
        self.read.add(name)
        return super().get(name, default)

    def __getitem__(self, name):
        self.read.add(name)
        return super().__getitem__(name)

    def __contains__(self, name):
        self.read.add(name)
        return super().__contains__(name)


def documented_variables(readme: str) -> set[str]:
    """The names in the first column of the "## Configuration" section's table."""
    section = readme.split("\n## Configuration\n", 1)[1].split("\n## ", 1)[0]
    return set(re.findall(r"^\| `([A-Z][A-Z0-9_]*)` \|", section, re.MULTILINE))


@pytest.mark.parametrize("values", [{}, PRODUCTION], ids=["development", "production"])
def test_every_variable_the_configuration_reads_is_in_the_readme(tmp_path, values):
    environ = ReadEnviron(values)
    load_config(tmp_path, environ)
    assert environ.read, "the configuration read no variable through `environ`"
    missing = environ.read - documented_variables(README.read_text(encoding="utf-8"))
    assert not missing, f"README.md, ## Configuration: add a row for {sorted(missing)}"


def test_the_readme_table_is_read_as_written():
    table = "\n## Configuration\n\n| `A_B` | `1` | x |\n| `C` | | y |\n\n## Next\n| `D` | |"
    assert documented_variables(table) == {"A_B", "C"}
