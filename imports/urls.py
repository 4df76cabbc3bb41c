from django.urls import path

from imports import views

app_name = "imports"

urlpatterns = [
    path("projects/<code:code>/items/import/", views.item_import, name="items"),
    path("projects/<code:code>/items/import/confirm/", views.item_import_confirm, name="confirm"),
]
