from django.urls import path

from covenant.activities import views

urlpatterns = [
    path("covenants/<slug:slug>/activities/", views.overview, name="activities-overview"),
    path(
        "covenants/<slug:slug>/activities/calendar/",
        views.calendar_view,
        name="activities-calendar",
    ),
    path("covenants/<slug:slug>/activities/new/", views.create, name="activities-create"),
    path("covenants/<slug:slug>/activities.ics", views.ics_feed, name="activities-ics"),
    path("activities/<uuid:code>/", views.detail, name="activities-detail"),
    path("activities/<uuid:code>/edit/", views.edit, name="activities-edit"),
    path("activities/<uuid:code>/updates/", views.add_update, name="activities-add-update"),
    path("activities/<uuid:code>/interest/", views.express_interest, name="activities-interest"),
    path("activities/<uuid:code>/participants/", views.counts, name="activities-counts"),
    path("activities/<uuid:code>/attachments/", views.add_attachment, name="activities-attach"),
    path(
        "activities/<uuid:code>/registrations/",
        views.registrations,
        name="activities-registrations",
    ),
    path("trainings/<uuid:code>/register/", views.register, name="activities-register"),
    path("attachments/<uuid:code>/", views.download_attachment, name="activities-attachment"),
]
