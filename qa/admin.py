from django.contrib import admin

from approvals.admin import EvidenceAdmin
from qa.models import AcceptanceDecision, QASignoff, TestCase, TestRun


@admin.register(TestCase)
class TestCaseAdmin(EvidenceAdmin):
    __test__ = False
    list_display = ("title", "item", "created_by", "created_at")
    list_select_related = ("item__project", "created_by")


@admin.register(TestRun)
class TestRunAdmin(EvidenceAdmin):
    __test__ = False
    list_display = ("test_case", "result", "tester", "created_at")
    list_select_related = ("test_case", "tester")
    list_filter = ("result",)


@admin.register(QASignoff)
class QASignoffAdmin(EvidenceAdmin):
    list_display = ("item", "round", "tester", "created_at")
    list_select_related = ("item__project", "tester")


@admin.register(AcceptanceDecision)
class AcceptanceDecisionAdmin(EvidenceAdmin):
    list_display = ("item", "round", "decision", "decided_by", "created_at")
    list_select_related = ("item__project", "decided_by")
