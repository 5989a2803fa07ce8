from django.urls import path

from covenant.covenants import views

urlpatterns = [
    path("", views.covenant_list, name="covenants-public-list"),
    path("covenants/<slug:slug>/", views.covenant_detail, name="covenants-public-detail"),
    path(
        "organisations/<uuid:code>/",
        views.organisation_detail,
        name="covenants-organisation-detail",
    ),
    path(
        "covenants/<slug:slug>/manage/settings/",
        views.manage_settings,
        name="covenants-manage-settings",
    ),
    path("covenants/<slug:slug>/manage/years/", views.manage_years, name="covenants-manage-years"),
    path(
        "covenants/<slug:slug>/manage/years/<int:number>/",
        views.manage_year_edit,
        name="covenants-manage-year-edit",
    ),
    path(
        "covenants/<slug:slug>/manage/organisations/",
        views.manage_organisations,
        name="covenants-manage-organisations",
    ),
    path(
        "covenants/<slug:slug>/manage/organisations/<uuid:code>/",
        views.manage_organisation_edit,
        name="covenants-manage-organisation-edit",
    ),
    path(
        "covenants/<slug:slug>/manage/memberships/",
        views.manage_memberships,
        name="covenants-manage-memberships",
    ),
    path(
        "covenants/<slug:slug>/manage/memberships/<uuid:code>/",
        views.manage_membership_edit,
        name="covenants-manage-membership-edit",
    ),
]
