from django.urls import re_path

from fleet_dashboard.content.alerts import views

urlpatterns = [
    re_path(r'^$', views.IndexView.as_view(), name='index'),
    re_path(
        r'^(?P<alert_id>[^/]+)/silence/$',
        views.SilenceView.as_view(),
        name='silence',
    ),
]
