from django.urls import re_path

from fleet_dashboard.content.plans import views

urlpatterns = [
    re_path(r'^$', views.IndexView.as_view(), name='index'),
    re_path(
        r'^(?P<plan_id>[^/]+)/$', views.DetailView.as_view(), name='detail'
    ),
]
