from django.urls import path

from evidence import pack_views, views

app_name = "evidence"

urlpatterns = [
    path("journal/seal.json", views.seal_json, name="seal_json"),
    path("evidence/schema/pack-v1.json", pack_views.pack_schema, name="pack_schema"),
    path("projects/<code:code>/evidence/pack.json", pack_views.pack_json, name="pack_json"),
    path("projects/<code:code>/evidence/pack.html", pack_views.pack_html, name="pack_html"),
    path("projects/<code:code>/evidence/pack.pdf", pack_views.pack_pdf, name="pack_pdf"),
]
