from django.urls import path

from xinfang.orgs import views

urlpatterns = [
    path("units/", views.unit_tree, name="unit-tree"),
    path("units/new/", views.unit_create, name="unit-create"),
    path("units/import/", views.unit_import, name="unit-import"),
    path("units/import/template/", views.unit_import_template, name="unit-import-template"),
    path("units/<int:pk>/", views.unit_detail, name="unit-detail"),
    path("units/<int:pk>/rename/", views.unit_rename, name="unit-rename"),
    path("units/<int:pk>/move/", views.unit_move, name="unit-move"),
    path("units/<int:pk>/active/", views.unit_active, name="unit-active"),
    path("compliance/", views.compliance, name="compliance"),
]
