from django.urls import re_path
from django.views.generic import base as generic

from fleet_dashboard.content.hosts import views

# Hosts is the Fleet dashboard's default panel, which Horizon mounts at the
# dashboard's root (/fleet/), after the other panels' prefixes. A host's
# pages are under hosts/ so that no host name (say, one called "plans")
# can collide with another panel's prefix.
HOST = r'^hosts/(?P<host>[^/]+)/'

urlpatterns = [
    re_path(r'^$', views.IndexView.as_view(), name='index'),
    re_path(
        r'^hosts/$',
        generic.RedirectView.as_view(pattern_name='horizon:fleet:hosts:index'),
        name='index_alias',
    ),
    re_path(HOST + r'$', views.DetailView.as_view(), name='detail'),
    re_path(
        HOST + r'maintenance/$',
        views.StartMaintenanceView.as_view(),
        name='maintenance',
    ),
    re_path(HOST + r'release/$', views.ReleaseView.as_view(), name='release'),
    re_path(
        HOST + r'unmanage/$', views.UnmanageView.as_view(), name='unmanage'
    ),
    re_path(HOST + r'manage/$', views.ManageView.as_view(), name='manage'),
]
