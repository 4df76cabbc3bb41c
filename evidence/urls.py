from django.urls import path

from evidence import views

app_name = "evidence"

urlpatterns = [
    path("journal/seal.json", views.seal_json, name="seal_json"),
]
