"""The framework floor: the cheapest page the portal could serve, for the benchmark's ratios.

Mounted at /bench/floor/ only when BENCH_FLOOR=1 (releasemgmt/urls.py). It is *not* exempt from
login: like every page it passes the whole middleware stack and pays the session and user
queries (and on POST the CSRF check), then answers two bytes without touching anything else.
"""

from django.http import HttpRequest, HttpResponse
from django.views.decorators.http import require_http_methods


@require_http_methods(["GET", "POST"])
def floor(request: HttpRequest) -> HttpResponse:
    return HttpResponse(b"ok", content_type="text/plain")
