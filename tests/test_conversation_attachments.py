"""Attachments on items: what is refused (too large, types not allowed, content that is not
what its name says, programs, HTML, SVG), how they are served (always a download, nosniff),
who may attach, download and remove, and what the journal keeps."""

import hashlib
from pathlib import Path

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from conversation.models import Attachment
from conversation.services import attachment_add
from conversation.uploads import UploadRefused
from items import services as item_services
from journal.selectors import ITEM_SOURCES, JournalQuery, journal_entries
from projects.models import Lifecycle
from tests.conftest import Team

pytestmark = pytest.mark.django_db

PDF = b"%PDF-1.7\n1 0 obj\n<< /Type /Catalog >>\nendobj\n%%EOF\n"
PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 32


@pytest.fixture(autouse=True)
def media(settings, tmp_path: Path) -> Path:
    settings.MEDIA_ROOT = tmp_path
    settings.ATTACHMENT_MAX_BYTES = 1024
    return tmp_path


@pytest.fixture
def item(team: Team):
    return team.item(number=1)


def attach_url(number: int = 1) -> str:
    return reverse("conversation:attachment_add", kwargs={"code": "PAY", "number": number})


def download_url(pk: int, number: int = 1) -> str:
    return reverse("conversation:attachment", kwargs={"code": "PAY", "number": number, "pk": pk})


def remove_url(pk: int) -> str:
    return reverse("conversation:attachment_remove", kwargs={"code": "PAY", "number": 1, "pk": pk})


def upload(name: str, content: bytes) -> SimpleUploadedFile:
    return SimpleUploadedFile(name, content)


def stored_files(media: Path) -> list[Path]:
    return [p for p in media.rglob("*") if p.is_file()]


# --- Refused -------------------------------------------------------------------------------


def test_an_oversized_file_is_refused_with_413_and_nothing_is_stored(
    team: Team, item, media: Path
) -> None:
    response = team.client(team.developer).post(
        attach_url(), {"file": upload("big.txt", b"a" * 1025)}
    )
    assert response.status_code == 413
    assert "at most 1,024 bytes" in response.content.decode()
    assert not Attachment.objects.exists()
    assert stored_files(media) == []


def test_a_body_far_over_the_limit_is_refused_before_it_is_read(team: Team, item, settings) -> None:
    response = team.client(team.developer).post(
        attach_url(), {"file": upload("big.txt", b"a" * (70 * 1024 + 2048))}
    )
    assert response.status_code == 413
    assert not Attachment.objects.exists()


@pytest.mark.parametrize(
    ("name", "content"),
    [
        ("setup.exe", b"MZ\x90\x00"),
        ("page.html", b"<html><script>alert(1)</script></html>"),
        ("logo.svg", b'<svg xmlns="http://www.w3.org/2000/svg"><script>x</script></svg>'),
        ("run.sh", b"#!/bin/sh\nrm -rf /\n"),
        ("noextension", b"hello"),
    ],
)
def test_disallowed_types_are_refused(team: Team, item, media: Path, name, content) -> None:
    response = team.client(team.developer).post(attach_url(), {"file": upload(name, content)})
    assert response.status_code == 400
    assert "not a file type attachments accept" in response.content.decode()
    assert not Attachment.objects.exists()
    assert stored_files(media) == []


@pytest.mark.parametrize(
    ("name", "content", "says"),
    [
        ("notes.txt", b"<!DOCTYPE html><html><body>hi</body></html>", "HTML or SVG"),
        ("readme.md", b"text <svg onload=alert(1)>", "HTML or SVG"),
        ("tool.txt", b"MZ\x90\x00\x03", "a program"),
        ("report.pdf", b"<html>not a pdf</html>", "does not contain what a .pdf file does"),
        ("photo.png", PDF, "does not contain what a .png file does"),
        ("data.csv", b"\x00\x01\x02binary", "does not contain what a .csv file does"),
    ],
)
def test_content_that_is_not_what_its_name_says_is_refused(
    team: Team, item, media: Path, name, content, says
) -> None:
    response = team.client(team.developer).post(attach_url(), {"file": upload(name, content)})
    assert response.status_code == 400
    assert says in response.content.decode()
    assert not Attachment.objects.exists()
    assert stored_files(media) == []


def test_an_empty_file_is_refused(team: Team, item) -> None:
    response = team.client(team.developer).post(attach_url(), {"file": upload("a.txt", b"")})
    assert response.status_code == 400
    assert not Attachment.objects.exists()


def test_a_missing_file_is_refused(team: Team, item) -> None:
    response = team.client(team.developer).post(attach_url(), {})
    assert response.status_code == 400
    assert not Attachment.objects.exists()


# --- Accepted and served -------------------------------------------------------------------


def test_a_pdf_is_stored_under_a_random_name_and_journaled(team: Team, item, media: Path) -> None:
    response = team.client(team.qa).post(attach_url(), {"file": upload("../../Test plan.pdf", PDF)})
    assert response.status_code == 302
    attachment = Attachment.objects.get()
    assert attachment.name == "Test_plan.pdf"
    assert attachment.content_type == "application/pdf"
    assert attachment.size == len(PDF)
    assert attachment.sha256 == hashlib.sha256(PDF).hexdigest()
    assert attachment.file.name.startswith(f"attachments/{item.pk}/")
    assert "Test" not in attachment.file.name
    assert [p.read_bytes() for p in stored_files(media)] == [PDF]
    row = Attachment.history.get()
    assert (row.history_user, row.change_kind, row.name) == (team.qa, "created", "Test_plan.pdf")


def test_a_download_is_an_attachment_with_nosniff_and_its_type(team: Team, item) -> None:
    team.client(team.developer).post(attach_url(), {"file": upload("shot.png", PNG)})
    attachment = Attachment.objects.get()
    response = team.client(team.viewer).get(download_url(attachment.pk))
    assert response.status_code == 200
    assert response["Content-Disposition"] == 'attachment; filename="shot.png"'
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["Content-Type"] == "image/png"
    assert "sandbox" in response["Content-Security-Policy"]
    assert b"".join(response.streaming_content) == PNG


def test_a_text_file_is_served_as_plain_text(team: Team, item) -> None:
    team.client(team.developer).post(attach_url(), {"file": upload("trace.log", b"<b>x</b>")})
    response = team.client(team.developer).get(download_url(Attachment.objects.get().pk))
    assert response["Content-Type"] == "text/plain; charset=utf-8"
    assert response["Content-Disposition"].startswith("attachment;")


def test_an_outsider_gets_404_for_a_download(team: Team, item) -> None:
    team.client(team.developer).post(attach_url(), {"file": upload("a.txt", b"secret")})
    response = team.client(team.outsider).get(download_url(Attachment.objects.get().pk))
    assert response.status_code == 404


def test_an_attachment_is_reached_only_through_its_own_item(team: Team, item) -> None:
    team.item(number=2)
    team.client(team.developer).post(attach_url(), {"file": upload("a.txt", b"hello")})
    pk = Attachment.objects.get().pk
    assert team.client(team.developer).get(download_url(pk, number=2)).status_code == 404


def test_files_are_never_served_from_a_media_url(settings) -> None:
    from django.urls import Resolver404, resolve

    with pytest.raises(Resolver404):
        resolve("/media/attachments/1/x.txt")


# --- Who may attach and remove -------------------------------------------------------------


def test_a_viewer_cannot_attach(team: Team, item, media: Path) -> None:
    response = team.client(team.viewer).post(attach_url(), {"file": upload("a.txt", b"hello")})
    assert response.status_code == 403
    assert stored_files(media) == []


def test_a_viewer_is_refused_before_the_upload_is_judged(team: Team, item, media: Path) -> None:
    response = team.client(team.viewer).post(attach_url(), {"file": upload("x.exe", b"MZ" * 600)})
    assert response.status_code == 403
    assert stored_files(media) == []


def test_an_outsider_cannot_attach(team: Team, item, media: Path) -> None:
    response = team.client(team.outsider).post(attach_url(), {"file": upload("a.txt", b"hi")})
    assert response.status_code == 404
    assert stored_files(media) == []


def test_a_closed_release_takes_no_file(team: Team, item, media: Path) -> None:
    team.project.lifecycle = Lifecycle.CLOSED
    team.project.save()
    response = team.client(team.manager).post(attach_url(), {"file": upload("a.txt", b"hi")})
    assert response.status_code == 403
    assert stored_files(media) == []


def test_the_uploader_removes_a_file_and_the_journal_keeps_what_it_was(
    team: Team, item, media: Path
) -> None:
    team.client(team.qa).post(attach_url(), {"file": upload("a.txt", b"hello")})
    pk = Attachment.objects.get().pk
    response = team.client(team.qa).post(remove_url(pk), {"reason": "wrong file"})
    assert response.status_code == 302
    assert not Attachment.objects.exists()
    removed = Attachment.history.filter(change_kind="removed").get()
    assert (removed.history_user, removed.history_change_reason) == (team.qa, "wrong file")
    assert removed.sha256 == hashlib.sha256(b"hello").hexdigest()
    entries, _ = journal_entries(sources=ITEM_SOURCES, query=JournalQuery(), item_id=item.pk)
    said = [(e.action, e.reason) for e in entries if e.source == "attachments"]
    assert said == [("File removed", "wrong file"), ("File attached", "")]


def test_the_file_leaves_the_storage_when_the_removal_commits(
    team: Team, item, media: Path, django_capture_on_commit_callbacks
) -> None:
    team.client(team.qa).post(attach_url(), {"file": upload("a.txt", b"hello")})
    pk = Attachment.objects.get().pk
    with django_capture_on_commit_callbacks(execute=True):
        team.client(team.qa).post(remove_url(pk), {"reason": ""})
    assert stored_files(media) == []


def test_a_release_manager_removes_anyones_file(team: Team, item) -> None:
    team.client(team.qa).post(attach_url(), {"file": upload("a.txt", b"hello")})
    pk = Attachment.objects.get().pk
    assert team.client(team.manager).post(remove_url(pk), {}).status_code == 302
    assert not Attachment.objects.exists()


def test_another_member_cannot_remove_someones_file(team: Team, item) -> None:
    team.client(team.qa).post(attach_url(), {"file": upload("a.txt", b"hello")})
    pk = Attachment.objects.get().pk
    assert team.client(team.developer).post(remove_url(pk), {}).status_code == 403
    assert Attachment.objects.exists()


def test_removing_an_unknown_attachment_is_404(team: Team, item) -> None:
    assert team.client(team.manager).post(remove_url(999), {}).status_code == 404


def test_removing_is_post_only(team: Team, item) -> None:
    assert team.client(team.manager).get(remove_url(1)).status_code == 405


def test_removing_the_item_removes_its_files_and_keeps_their_journal(
    team: Team, item, media: Path, django_capture_on_commit_callbacks
) -> None:
    team.client(team.qa).post(attach_url(), {"file": upload("a.txt", b"hello")})
    with django_capture_on_commit_callbacks(execute=True):
        item_services.item_delete(
            access=team.access(team.manager),
            item_id=item.pk,
            expected_version=item.version,
            reason="descoped",
        )
    assert stored_files(media) == []
    assert Attachment.history.filter(change_kind="removed").exists()


def test_a_row_that_fails_to_save_leaves_no_file_behind(
    team: Team, item, media: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    def fail(self, *args, **kwargs):
        raise RuntimeError("the database went away")

    monkeypatch.setattr(Attachment, "save", fail)
    with pytest.raises(RuntimeError):
        attachment_add(
            access=team.access(team.developer), number=1, upload=upload("a.txt", b"hello")
        )
    assert stored_files(media) == []


def test_upload_refusals_carry_their_status() -> None:
    assert UploadRefused("x").status_code == 400
