"""The case form finds an administration by name in Darija, Arabic or French, by acronym,
synonym or keypad code, whatever the accents or Arabic spelling variants."""
import pytest

from shared.types import Role


@pytest.fixture()
def find(make_user, logged_in):
    client = logged_in(make_user("salma", Role.AGENT))

    def search(query):
        response = client.get("/console/administrations", query_string={"q": query})
        assert response.status_code == 200, response.text
        return [result["code"] for result in response.get_json()["results"]]
    return search


@pytest.mark.parametrize("query", [
    "الضمان الاجتماعي",                   # Darija name (and Arabic synonym)
    "الصندوق الوطني للضمان الاجتماعي",   # Arabic name
    "Caisse nationale de sécurité sociale",  # French name
    "securite sociale",                  # French synonym, no accents
    "CNSS", "cnss",                      # acronym
    "201",                               # keypad code
])
def test_the_cnss_comes_first(find, query):
    assert find(query)[0] == "201"


def test_arabic_spelling_variants_are_folded(find):
    assert find("الامانة العامة للحكومة")[0] == "105"  # أ written ا


def test_a_code_prefix_lists_that_block(find):
    found = find("5511")
    assert found and all(code.startswith("5511") for code in found)


def test_the_results_are_named_in_the_agents_language(make_user, logged_in):
    client = logged_in(make_user("amina", Role.AGENT, console_language="ar"))
    (first, *_rest) = client.get("/console/administrations?q=CNSS").get_json()["results"]
    assert first == {"code": "201", "acronym": "CNSS",
                     "name": "الصندوق الوطني للضمان الاجتماعي"}


def test_nothing_or_too_much_asked(find, make_user, logged_in):
    assert find("") == [] and find("zzzzqqq") == []
    client = logged_in(make_user("karim", Role.AGENT))
    response = client.get("/console/administrations", query_string={"q": "x" * 101})
    assert response.status_code == 400 and response.get_json()["error"]
