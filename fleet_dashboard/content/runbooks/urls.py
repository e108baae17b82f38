from django.urls import re_path

from fleet_dashboard.content.runbooks import views

urlpatterns = [
    re_path(r'^$', views.IndexView.as_view(), name='index'),
    re_path(
        r'^(?P<runbook>[^/]+)/$', views.DetailView.as_view(), name='detail'
    ),
    re_path(
        r'^(?P<runbook>[^/]+)/dry_run/$',
        views.DryRunView.as_view(),
        name='dry_run',
    ),
]
