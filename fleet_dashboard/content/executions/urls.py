from django.urls import re_path

from fleet_dashboard.content.executions import views

urlpatterns = [
    re_path(r'^$', views.IndexView.as_view(), name='index'),
    re_path(
        r'^(?P<run_id>[^/]+)/$', views.DetailView.as_view(), name='detail'
    ),
]
