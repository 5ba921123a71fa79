from django.urls import path

from . import views

app_name = "directory"
urlpatterns = [
    path("", views.staff_list, name="staff_list"),
    path("staff/<str:number>/", views.staff_detail, name="staff_detail"),
    path("staff/<str:number>/personal/", views.personal_contact, name="personal_contact"),
    path("staff/<str:number>/edit/", views.staff_edit, name="staff_edit"),
    path("import/", views.import_upload, name="import"),
    path("import/apply/", views.import_apply, name="import_apply"),
]
