"""Random files and random tokens to the item import: never a 500, and nothing written unless
a confirmed preview says so."""

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import reverse
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from imports.models import ItemImport
from items.models import Change, ReleaseItem
from items.rules import rule_seed_defaults

pytestmark = pytest.mark.django_db

CELLS = st.one_of(
    st.text(max_size=30),
    st.sampled_from(["PAY-1", "PAY-999999999", "Bug", "7 - Closed", "maria", "=1+1", '"', ","]),
)
CSV_FILES = st.lists(st.lists(CELLS, max_size=6), max_size=8).map(
    lambda rows: "\n".join(",".join(row) for row in rows).encode("utf-8", "surrogatepass")
)
SETTINGS = settings(
    max_examples=25,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
    database=None,
)


def _snapshot() -> tuple:
    return (
        ReleaseItem.history.count(),
        Change.history.count(),
        ItemImport.objects.count(),
    )


@pytest.fixture
def client(team) -> Client:
    rule_seed_defaults()
    team.item(number=1)
    client = Client(raise_request_exception=False)
    client.force_login(team.manager)
    return client


def test_random_files_are_previewed_or_refused_and_never_written(client):
    url = reverse("imports:items", kwargs={"code": "PAY"})

    @SETTINGS
    @given(
        content=st.one_of(CSV_FILES, st.binary(max_size=200)),
        name=st.sampled_from(["a.csv", "a.xlsx", "a", "a.CSV"]),
    )
    @example(content=b"title\n" + b"x" * 300 + b"\n", name="a.csv")
    @example(content=b"key,key\nPAY-1,PAY-1\n", name="a.csv")
    @example(content=b"PK\x03\x04garbage", name="a.xlsx")
    def check(content: bytes, name: str) -> None:
        before = _snapshot()
        response = client.post(url, {"file": SimpleUploadedFile(name, content)})
        assert response.status_code in (200, 400), response.status_code
        assert _snapshot() == before

    check()


def test_random_tokens_are_refused_and_never_written(client):
    url = reverse("imports:confirm", kwargs={"code": "PAY"})

    @SETTINGS
    @given(token=st.text(max_size=200))
    @example(token="eyJ1c2VyIjoxfQ:1abc:def")
    def check(token: str) -> None:
        before = _snapshot()
        response = client.post(url, {"token": token})
        assert response.status_code == 400, response.status_code
        assert _snapshot() == before

    check()


def test_a_csv_file_with_nul_characters_is_refused(client):
    url = reverse("imports:items", kwargs={"code": "PAY"})
    response = client.post(url, {"file": SimpleUploadedFile("a.csv", b"title\nA\x00B\n")})
    assert response.status_code == 400
    assert "NUL characters" in response.content.decode()
