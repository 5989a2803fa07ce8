from django.urls import path

from covenant.screening import views

urlpatterns = [
    path("covenants/<slug:slug>/screening/", views.home, name="screening-home"),
    path("covenants/<slug:slug>/screening/sector/", views.sector, name="screening-sector"),
    path(
        "covenants/<slug:slug>/screening/remembered/",
        views.remembered,
        name="screening-remembered",
    ),
    path("screening/uploads/<uuid:code>/", views.preview, name="screening-preview"),
    path("screening/uploads/<uuid:code>/mapping/", views.mapping, name="screening-mapping"),
    path(
        "screening/uploads/<uuid:code>/header-row/", views.header_row, name="screening-header-row"
    ),
    path("screening/uploads/<uuid:code>/countries/", views.countries, name="screening-countries"),
    path("screening/uploads/<uuid:code>/words/", views.synonym_add, name="screening-synonym"),
    path(
        "screening/uploads/<uuid:code>/delete/", views.upload_delete, name="screening-upload-delete"
    ),
    path("screening/runs/<uuid:code>/", views.run_detail, name="screening-run"),
    path("screening/runs/<uuid:code>/findings.<str:fmt>", views.export, name="screening-export"),
    path("screening/runs/<uuid:code>/compare/", views.compare, name="screening-compare"),
    path("screening/findings/<uuid:code>/", views.finding_detail, name="screening-finding"),
    path("screening/findings/<uuid:code>/adopt/", views.adopt, name="screening-adopt"),
]
