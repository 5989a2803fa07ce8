from django.urls import path

from covenant.accounts import views

urlpatterns = [
    path("home/", views.home, name="accounts-home"),
    path("me/tokens/", views.api_tokens, name="accounts-api-tokens"),
    path("me/tokens/<uuid:code>/revoke/", views.api_token_revoke, name="accounts-api-token-revoke"),
    path("invitations/<str:token>/", views.invitation_accept, name="accounts-invitation"),
    path("covenants/<slug:slug>/manage/people/", views.people, name="accounts-people"),
    path(
        "covenants/<slug:slug>/manage/people/roles/<int:pk>/revoke/",
        views.role_revoke,
        name="accounts-role-revoke",
    ),
    path(
        "covenants/<slug:slug>/manage/people/invitations/<uuid:code>/cancel/",
        views.invitation_cancel,
        name="accounts-invitation-cancel",
    ),
]
