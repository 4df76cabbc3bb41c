from django.urls import path

from items import views

app_name = "items"

urlpatterns = [
    path("board/", views.board, name="board"),
    path("items/", views.item_list, name="list"),
    path("items/new/", views.item_create, name="create"),
    path("items/bulk-move/", views.items_bulk_move, name="bulk_move"),
    path("items/include/", views.item_include, name="include"),
    path("items/<number:number>/", views.item_detail, name="detail"),
    path("items/<number:number>/edit/", views.item_edit, name="edit"),
    path("items/<number:number>/delete/", views.item_delete, name="delete"),
    path("items/<number:number>/move/", views.item_move, name="move"),
    path("items/<number:number>/reorder/", views.item_reorder, name="reorder"),
]
