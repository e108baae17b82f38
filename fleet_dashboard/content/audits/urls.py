from django.urls import re_path

from fleet_dashboard.content.audits import views

PROFILE = r'^profiles/(?P<profile>[^/]+)/'

urlpatterns = [
    re_path(r'^$', views.IndexView.as_view(), name='index'),
    re_path(PROFILE + r'$', views.ProfileDetailView.as_view(), name='profile'),
    re_path(PROFILE + r'run/$', views.RunAuditView.as_view(), name='run'),
    re_path(r'^findings/$', views.FindingsView.as_view(), name='findings'),
    re_path(
        r'^findings/(?P<finding_id>[^/]+)/$',
        views.FindingDetailView.as_view(),
        name='finding',
    ),
]
