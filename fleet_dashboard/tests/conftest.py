import os

os.environ.setdefault(
    'DJANGO_SETTINGS_MODULE', 'fleet_dashboard.tests.settings'
)
