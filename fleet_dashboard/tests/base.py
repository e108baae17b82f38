"""Horizon's admin view test case with a "fleet" service in the catalog."""

import copy

from openstack_dashboard.test import helpers

FLEET_SERVICE = {
    'type': 'fleet',
    'name': 'fleet',
    'endpoints_links': [],
    'endpoints': [
        {
            'region': region,
            'interface': interface,
            'url': f'http://{interface}.fleet.example.com:9880',
        }
        for region in ('RegionOne', 'RegionTwo')
        for interface in ('admin', 'internal', 'public')
    ],
}


class FleetAdminTestCase(helpers.BaseAdminViewTests):
    """An admin whose token's catalog lists fleet."""

    def _setup_test_data(self):
        super()._setup_test_data()
        self.service_catalog = copy.deepcopy(self.service_catalog) + [
            copy.deepcopy(FLEET_SERVICE)
        ]


class NoFleetAdminTestCase(helpers.BaseAdminViewTests):
    """An admin of a cloud whose catalog has no fleet."""


class FleetMemberTestCase(helpers.TestCase):
    """A project member (no admin role) of a cloud with fleet."""

    def _setup_test_data(self):
        super()._setup_test_data()
        self.service_catalog = copy.deepcopy(self.service_catalog) + [
            copy.deepcopy(FLEET_SERVICE)
        ]


class FleetObserverTestCase(helpers.TestCase):
    """A read-only operator: the "fleet_observer" role, no admin role, in
    a cloud with fleet."""

    def _setup_test_data(self):
        super()._setup_test_data()
        self.service_catalog = copy.deepcopy(self.service_catalog) + [
            copy.deepcopy(FLEET_SERVICE)
        ]

    def setActiveUser(self, *args, **kwargs):
        kwargs['roles'] = [{'id': 'r-observer', 'name': 'fleet_observer'}]
        return super().setActiveUser(*args, **kwargs)
