"""The journal of evidence reads: who downloaded which release's pack, when and from where;
append-only and sealed like every journal row (docs/EVIDENCE.md)."""

import pytest
from django.db import DatabaseError, transaction
from django.test import Client, RequestFactory

from evidence.audit_log import NO_READER, evidence_view_record
from evidence.journal_tables import journal_tables
from evidence.models import EvidenceView, SealedRow
from evidence.services import journal_seal
from tests.factories import ProjectFactory
from tests.test_auditor_access import make_auditor


def a_request(user, address: str = "192.0.2.7"):
    request = RequestFactory().get("/projects/PAY/evidence/pack.json", REMOTE_ADDR=address)
    request.user = user
    return request


def test_a_pack_read_is_recorded_with_who_when_where_and_what(team):
    row = evidence_view_record(
        request=a_request(team.manager), project=team.project, what="pack.json"
    )
    row.refresh_from_db()
    assert row.history_user == team.manager
    assert row.user_name == "maria"
    assert row.ip_address == "192.0.2.7"
    assert (row.project_id, row.project_code, row.what) == (team.project.pk, "PAY", "pack.json")
    assert row.history_date is not None


def test_a_command_records_its_user_without_an_address(team):
    row = evidence_view_record(user=team.admin, project=team.project, what="pack.pdf")
    assert (row.history_user, row.ip_address) == (team.admin, None)


def test_a_read_without_a_reader_is_refused(team):
    with pytest.raises(ValueError, match=NO_READER):
        evidence_view_record(project=team.project, what="pack.json")


def test_the_evidence_view_journal_is_a_journal_table_but_the_seals_are_not():
    tables = {item.table for item in journal_tables()}
    assert "evidence_evidenceview" in tables
    assert not tables & {"evidence_seal", "evidence_sealedrow", "evidence_sealschema"}


@pytest.mark.django_db(transaction=True)
def test_a_pack_read_is_sealed_when_it_commits(postgres, team):
    journal_seal()
    row = evidence_view_record(user=team.manager, project=team.project, what="pack.json")
    assert SealedRow.objects.filter(table="evidence_evidenceview", row_id=row.pk).exists()


def test_a_pack_read_cannot_be_changed_or_deleted(postgres, team):
    row = evidence_view_record(user=team.manager, project=team.project, what="pack.json")
    with pytest.raises(DatabaseError, match="append-only"), transaction.atomic():
        EvidenceView.objects.filter(pk=row.pk).update(what="nothing")
    with pytest.raises(DatabaseError, match="append-only"), transaction.atomic():
        EvidenceView.objects.filter(pk=row.pk).delete()


# The pack downloads (evidence/pack_views.py) record every read, an auditor's included.


def client_for(user) -> Client:
    client = Client(REMOTE_ADDR="198.51.100.4")
    client.force_login(user)
    return client


@pytest.mark.parametrize("what", ["pack.json", "pack.html"])
def test_an_auditor_downloads_any_releases_pack_and_the_read_is_journaled(team, what):
    auditor = make_auditor()
    team.item()
    response = client_for(auditor).get(f"/projects/PAY/evidence/{what}")
    assert response.status_code == 200
    read = EvidenceView.objects.get()
    assert (read.history_user, read.user_name, read.what) == (auditor, "audrey", what)
    assert (read.project_code, read.ip_address) == ("PAY", "198.51.100.4")


def test_a_refused_pack_download_journals_nothing(team):
    assert client_for(team.viewer).get("/projects/PAY/evidence/pack.json").status_code == 403
    assert client_for(team.outsider).get("/projects/PAY/evidence/pack.json").status_code == 404
    assert not EvidenceView.objects.exists()


def test_the_release_journal_shows_who_read_its_evidence(team):
    auditor = make_auditor()
    ProjectFactory(code="CRM", release_manager=team.manager)
    assert client_for(auditor).get("/projects/PAY/evidence/pack.json").status_code == 200
    page = client_for(team.manager).get("/projects/PAY/journal/").text
    assert "Evidence read" in page
    assert "Downloaded the evidence pack as JSON" in page
    assert "audrey" in page
    other = client_for(team.admin).get("/projects/CRM/journal/").text
    assert "Downloaded the evidence pack" not in other


def test_the_installations_journal_shows_the_reads_and_filters_by_kind(team):
    auditor = make_auditor()
    evidence_view_record(user=auditor, project=team.project, what="pack.pdf")
    client = client_for(team.admin)
    assert "Downloaded the evidence pack as PDF" in client.get("/journal/").text
    filtered = client.get("/journal/", {"kind": "created"})
    assert filtered.status_code == 200
    assert "Downloaded the evidence pack" not in filtered.text
