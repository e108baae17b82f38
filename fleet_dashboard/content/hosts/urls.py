from django.urls import re_path

from fleet_dashboard.content.hosts import views

HOST = r'^(?P<host>[^/]+)/'

urlpatterns = [
    re_path(r'^$', views.IndexView.as_view(), name='index'),
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
