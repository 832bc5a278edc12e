from django.urls import URLPattern, path

from liaison.activities import views_feeds

urlpatterns: list[URLPattern] = [
    path("feeds/", views_feeds.feed_list, name="feed-list"),
    path("feeds/<int:feed_id>/revoke/", views_feeds.feed_revoke, name="feed-revoke"),
    # No sign-in: the token is the credential (and only its hash is stored).
    path("feeds/<str:token>.ics", views_feeds.feed, name="feed"),
    path("export.<str:fmt>", views_feeds.export, name="export"),
]
