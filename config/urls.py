from django.contrib import admin
from django.urls import include, path

from config.api import api
from liaison.directory import views as directory_views

urlpatterns = [
    path("", directory_views.home, name="home"),
    path("accounts/", include("liaison.accounts.urls")),
    path("directory/", include("liaison.directory.urls")),
    path("activities/", include("liaison.activities.urls")),
    path("coordination/", include("liaison.coordination.urls")),
    path("implementation/", include("liaison.implementation.urls")),
    path("intake/", include("liaison.intake.urls")),
    path("membership/", include("liaison.membership.urls")),
    path("api/", api.urls),
    path("admin/", admin.site.urls),
]
