"""The demo's configuration items and a cross-release dependency (manage.py seed_demo), so the
board shows an arrow that "waits for CRM-…" and the release pages list what they touch."""

from django.contrib.auth.models import AbstractBaseUser
from django.db.models import Q

from configuration.models import ChangedConfigurationItem, CIType, ConfigurationItem, Dependency
from items.models import ReleaseItem, ReleaseStatus

CATALOGUE = [
    ("Payment gateway", CIType.SERVICE, "Card and SEPA acquiring; PCI scope."),
    ("Core banking API", CIType.APPLICATION, "Accounts and postings, used by payments and CRM."),
    ("ORA-PAY01", CIType.DATABASE, "Payments database (Oracle 19c, primary site)."),
    ("web-prod-01", CIType.SERVER, "Web shop front end, production."),
    ("DMZ load balancer", CIType.NETWORK, "F5 pair in front of the web tier."),
]
# (release code, item number, configuration items it changes)
CHANGES = [
    ("PAY", 1, ["Payment gateway", "ORA-PAY01"]),
    ("PAY", 2, ["Core banking API"]),
    ("CRM", 1, ["Core banking API"]),
    ("WEB", 1, ["web-prod-01", "DMZ load balancer"]),
]


def configuration_seed_demo(*, owner: AbstractBaseUser) -> None:
    """Idempotent: the catalogue, what the demo's items change, and "PAY-n needs CRM-1" on the
    PAY item furthest along short of production (while CRM-1 has not shipped)."""
    cis = {}
    for name, kind, description in CATALOGUE:
        cis[name], _ = ConfigurationItem.objects.get_or_create(
            name=name, defaults={"type": kind, "owner": owner, "description": description}
        )
    items = {
        (i.project.code, i.number): i
        for i in ReleaseItem.objects.select_related("project").filter(
            Q(project__code__in={code for code, _n, _c in CHANGES})
        )
    }
    for code, number, names in CHANGES:
        item = items.get((code, number))
        for name in names if item else []:
            ChangedConfigurationItem.objects.get_or_create(
                item=item, configuration_item=cis[name], defaults={"created_by": owner}
            )
    production = set(ReleaseStatus.objects.filter(production=True).values_list("id", flat=True))
    needed = items.get(("CRM", 1))
    waiting = (
        ReleaseItem.objects.filter(project__code="PAY")
        .exclude(status_id__in=production)
        .order_by("-status__position", "number")
        .first()
    )
    if needed and waiting and not Dependency.objects.filter(item=waiting).exists():
        dependency = Dependency(item=waiting, depends_on=needed, created_by=owner)
        dependency._history_user = owner
        dependency.save()
