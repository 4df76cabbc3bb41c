"""The journal of evidence reads: who downloaded which release's pack, when and from where;
append-only and sealed like every journal row (docs/EVIDENCE.md)."""

import pytest
from django.db import DatabaseError, transaction
from django.test import RequestFactory

from evidence.audit_log import NO_READER, evidence_view_record
from evidence.journal_tables import journal_tables
from evidence.models import EvidenceView, SealedRow
from evidence.services import journal_seal


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
