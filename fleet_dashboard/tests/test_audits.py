"""The Audits panel (profiles, compliance, findings, run audit) and the
plan creation form, with the API mocked at fleet_dashboard.api.fleet;
the new API calls at the HTTP boundary (requests-mock)."""

from unittest import mock

from django.urls import reverse
from openstack_auth import utils as auth_utils
import requests_mock

from fleet_dashboard.api import fleet as api
from fleet_dashboard.tests import base
from fleet_dashboard.tests import data

URL = 'http://public.fleet.example.com:9880'
INDEX = reverse('horizon:fleet:audits:index')
FINDINGS = reverse('horizon:fleet:audits:findings')
PROFILE = reverse('horizon:fleet:audits:profile', args=['el9-baseline'])
RUN = reverse('horizon:fleet:audits:run', args=['el9-baseline'])
FINDING = reverse('horizon:fleet:audits:finding', args=[data.FINDING_UUID])
PLANS = reverse('horizon:fleet:plans:index')
CREATE_PLAN = reverse('horizon:fleet:plans:create')
PLAN_UUID = '9a3c1f52-0b7e-4e0c-8d7e-5d2b8c3f9a10'
#: Horizon's default page size (API_RESULT_PAGE_SIZE).
PAGE = 20
REFUSED = 'Policy doesn\'t allow fleet:audit:run to be performed. (HTTP 403)'


class ProfilesTests(base.FleetAdminTestCase):
    @mock.patch.object(api, 'audit_profile_list')
    def test_index(self, profile_list):
        profile_list.return_value = [
            data.audit_profile(),
            data.audit_profile(
                name='switches', enabled=False, applies_to={}, rules=[]
            ),
        ]
        res = self.client.get(INDEX)
        self.assertEqual(200, res.status_code)
        html = res.content.decode()
        self.assertIn('el9-baseline', html)
        self.assertIn('&quot;kind&quot;: [&quot;compute&quot;]', html)
        self.assertIn('every host', html)
        self.assertIn('View Findings', html)
        self.assertIn('All Findings', html)
        rows = {
            r.datum['name']: r
            for r in res.context['table'].get_rows()
        }  # fmt: skip
        self.assertEqual(2, rows['el9-baseline'].cells['rules'].data)
        self.assertEqual(0, rows['switches'].cells['rules'].data)
        self.assertEqual('No', str(rows['switches'].cells['enabled'].data))
        # The admin may run an audit; everyone may look at the findings.
        self.assertIn(RUN, html)
        self.assertIn(f'{FINDINGS}?profile=el9-baseline', html)
        profile_list.assert_called_once_with(mock.ANY)

    @mock.patch.object(api, 'audit_profile_list')
    def test_index_api_error_is_a_message(self, profile_list):
        profile_list.side_effect = api.FleetNotFound(
            'Audit profiles needs fleet API version 1.6 (HTTP 404)', 404
        )
        res = self.client.get(INDEX)
        self.assertEqual(200, res.status_code)
        self.assertMessageCount(res, error=1)

    @mock.patch.object(api, 'audit_profile_compliance')
    @mock.patch.object(api, 'audit_profile_get')
    def test_detail_compliance_per_rule_and_zone(self, get, compliance):
        get.return_value = data.audit_profile()
        compliance.return_value = data.compliance()
        res = self.client.get(PROFILE)
        self.assertEqual(200, res.status_code)
        get.assert_called_once_with(mock.ANY, 'el9-baseline')
        compliance.assert_called_once_with(mock.ANY, 'el9-baseline')
        # Each table under its title.
        self.assertContains(res, 'id="fleet-audit-by-rule"')
        self.assertContains(res, 'Compliance by Availability Zone')
        rules = res.context['rules_table'].data
        self.assertEqual(
            ['kernel-patch-level', 'nova-compute-running'],
            [r['rule'] for r in rules],
        )
        self.assertEqual(
            {'pass': 3, 'fail': 2, 'error': 0, 'notapplicable': 1},
            rules[0]['hosts'],
        )
        # A rule without findings yet counts zeros.
        self.assertEqual(
            {'pass': 0, 'fail': 0, 'error': 0, 'notapplicable': 0},
            rules[1]['hosts'],
        )
        self.assertEqual(
            [
                ('kernel-patch-level', 'az1', 2, 1),
                ('kernel-patch-level', 'az2', 1, 1),
            ],
            [
                (z['rule'], z['zone'], z['hosts']['pass'], z['hosts']['fail'])
                for z in res.context['zones_table'].data
            ],
        )
        html = res.content.decode()
        # A count links to its findings; the check is shown.
        self.assertIn(
            f'{FINDINGS}?profile=el9-baseline&amp;rule=kernel-patch-level'
            '&amp;result=fail',
            html,
        )
        self.assertIn('kernel_version', html)
        self.assertIn('2 Fail', html)
        # Findings have no zone filter: a zone's count links nowhere.
        zone_row = html[
            html.index('id="zones__row__kernel-patch-level@az1"') :
        ]
        zone_row = zone_row[: zone_row.index('</tr>')]
        self.assertNotIn('<a ', zone_row)
        # The row's own "View Findings", and the panel's "All Findings".
        self.assertIn('View Findings', html)
        self.assertIn(RUN, html)

    @mock.patch.object(api, 'audit_profile_compliance')
    @mock.patch.object(api, 'audit_profile_get')
    def test_detail_without_compliance_still_shows(self, get, compliance):
        get.return_value = data.audit_profile()
        compliance.side_effect = api.FleetUnavailable('boom (HTTP 500)', 500)
        res = self.client.get(PROFILE)
        self.assertEqual(200, res.status_code)
        self.assertMessageCount(res, error=1)
        self.assertEqual(2, len(res.context['rules_table'].data))
        self.assertEqual([], res.context['zones_table'].data)

    @mock.patch.object(api, 'audit_profile_compliance')
    @mock.patch.object(api, 'audit_profile_get')
    def test_missing_profile_redirects(self, get, compliance):
        get.side_effect = api.FleetNotFound('No profile (HTTP 404)', 404)
        self.assertRedirectsNoFollow(self.client.get(PROFILE), INDEX)
        compliance.assert_not_called()


class FindingsTests(base.FleetAdminTestCase):
    @mock.patch.object(api, 'finding_list')
    def test_index(self, finding_list):
        finding_list.return_value = [
            data.finding(),
            data.finding(uuid='f-2', host_name='cmp-2', result='pass'),
        ]
        res = self.client.get(FINDINGS)
        self.assertEqual(200, res.status_code)
        html = res.content.decode()
        self.assertIn(FINDING, html)
        self.assertIn(
            reverse('horizon:fleet:hosts:detail', args=['cmp-2']), html
        )
        self.assertIn(PROFILE, html)
        self.assertIn('kernel 5.14.0-427 &lt; 5.14.0-503', html)
        finding_list.assert_called_once_with(mock.ANY, limit=PAGE + 1)

    @mock.patch.object(api, 'finding_list', return_value=[])
    def test_query_string_filters_go_to_the_api(self, finding_list):
        res = self.client.get(
            FINDINGS,
            {
                'profile': 'el9-baseline',
                'rule': 'kernel-patch-level',
                'result': 'fail',
                'host': '',
                'other': 'ignored',
            },
        )
        self.assertEqual(200, res.status_code)
        finding_list.assert_called_once_with(
            mock.ANY,
            limit=PAGE + 1,
            profile='el9-baseline',
            rule='kernel-patch-level',
            result='fail',
        )
        self.assertIn('result=fail', res.content.decode())

    @mock.patch.object(api, 'finding_list', return_value=[])
    def test_table_filters_go_to_the_api(self, finding_list):
        for field, value in (
            ('result', 'fail'),
            ('host', 'cmp-1'),
            ('rule', 'kernel-patch-level'),
        ):
            finding_list.reset_mock()
            self.client.post(
                FINDINGS,
                {
                    'findings__filter__q': value,
                    'findings__filter__q_field': field,
                },
                follow=True,
            )
            finding_list.assert_called_with(
                mock.ANY, limit=PAGE + 1, **{field: value}
            )

    @mock.patch.object(api, 'finding_list', return_value=[])
    def test_table_filter_and_query_string_together(self, finding_list):
        # The table's filter is kept in the session (Horizon's server
        # filter); a link with a query string adds its own filters, and
        # wins on the same field.
        self.client.post(
            FINDINGS,
            {
                'findings__filter__q': 'cmp-1',
                'findings__filter__q_field': 'host',
            },
            follow=True,
        )
        finding_list.assert_called_with(mock.ANY, limit=PAGE + 1, host='cmp-1')
        self.client.get(FINDINGS, {'profile': 'el9-baseline'})
        finding_list.assert_called_with(
            mock.ANY, limit=PAGE + 1, profile='el9-baseline', host='cmp-1'
        )
        self.client.get(FINDINGS, {'profile': 'el9-baseline', 'host': 'cmp-2'})
        finding_list.assert_called_with(
            mock.ANY, limit=PAGE + 1, profile='el9-baseline', host='cmp-2'
        )

    @mock.patch.object(api, 'finding_list')
    def test_pages_keep_the_query_filters(self, finding_list):
        finding_list.return_value = [
            data.finding(uuid=f'f-{i:02d}') for i in range(PAGE + 1)
        ]
        res = self.client.get(FINDINGS, {'result': 'fail', 'other': 'x'})
        self.assertEqual(PAGE, len(res.context['table'].data))
        # The next page starts after the last finding shown, same filters.
        self.assertIn('?result=fail&amp;marker=f-19', res.content.decode())
        finding_list.return_value = [data.finding(uuid='f-20')]
        res = self.client.get(FINDINGS, {'result': 'fail', 'marker': 'f-19'})
        finding_list.assert_called_with(
            mock.ANY, limit=PAGE + 1, result='fail', marker='f-19'
        )
        self.assertEqual(1, len(res.context['table'].data))
        self.assertNotIn('marker=f-20', res.content.decode())

    @mock.patch.object(api, 'finding_list')
    def test_bad_filter_value_is_fleets_message(self, finding_list):
        finding_list.side_effect = api.FleetRequestError(
            'result must be one of pass, fail, error, notapplicable, got '
            '\'nope\'. (HTTP 400)',
            400,
        )
        res = self.client.get(FINDINGS, {'result': 'nope'})
        self.assertEqual(200, res.status_code)
        self.assertMessageCount(res, error=1)

    @mock.patch.object(api, 'finding_get')
    def test_detail_with_history_newest_first(self, finding_get):
        finding_get.return_value = data.finding(
            history=[
                {
                    'at': '2026-11-29T10:00:00Z',
                    'old_result': None,
                    'new_result': 'pass',
                    'evidence': {'kernel': '5.14.0-503'},
                    'message': None,
                },
                {
                    'at': '2026-11-30T10:00:00Z',
                    'old_result': 'pass',
                    'new_result': 'fail',
                    'evidence': {'kernel': '5.14.0-427'},
                    'message': 'downgraded',
                },
            ]
        )
        res = self.client.get(FINDING)
        self.assertEqual(200, res.status_code)
        finding_get.assert_called_once_with(mock.ANY, data.FINDING_UUID)
        self.assertEqual(
            [('pass', 'fail'), (None, 'pass')],
            [
                (e['old_result'], e['new_result'])
                for e in res.context['table'].data
            ],
        )
        html = res.content.decode()
        self.assertIn('fleet-finding-evidence', html)
        self.assertIn('&quot;expected&quot;: &quot;5.14.0-503', html)
        self.assertIn('downgraded', html)
        self.assertIn(
            reverse('horizon:fleet:hosts:detail', args=['cmp-1']), html
        )
        self.assertIn(PROFILE, html)

    @mock.patch.object(api, 'finding_get')
    def test_missing_finding_redirects(self, finding_get):
        finding_get.side_effect = api.FleetNotFound(
            'No finding (HTTP 404)', 404
        )
        self.assertRedirectsNoFollow(self.client.get(FINDING), FINDINGS)


class RunAuditTests(base.FleetAdminTestCase):
    def test_form(self):
        res = self.client.get(RUN)
        self.assertEqual(200, res.status_code)
        self.assertTemplateUsed(res, 'fleet/form.html')
        self.assertEqual(
            'el9-baseline', res.context['form'].initial['profile']
        )

    @mock.patch.object(
        api, 'audit_profile_compliance', return_value=data.compliance()
    )
    @mock.patch.object(
        api, 'audit_profile_get', return_value=data.audit_profile()
    )
    @mock.patch.object(api, 'audit_run')
    def test_run_on_some_hosts(self, audit_run, *_):
        audit_run.return_value = {
            'hosts': 2,
            'profiles': {
                'el9-baseline': {
                    'pass': 3, 'fail': 1, 'error': 0, 'notapplicable': 0,
                }
            },
            'unchanged': {'el9-baseline': 0},
            'changes': [
                {
                    'host': 'cmp-1', 'profile': 'el9-baseline',
                    'rule': 'kernel-patch-level', 'old': 'pass', 'new': 'fail',
                }
            ],
        }  # fmt: skip
        res = self.client.post(
            RUN,
            {'profile': 'el9-baseline', 'hosts': 'cmp-1, cmp-2\ncmp-1'},
            follow=True,
        )
        self.assertNoFormErrors(res)
        audit_run.assert_called_once_with(
            mock.ANY,
            hosts=['cmp-1', 'cmp-2'],
            profiles=['el9-baseline'],
            gather=False,
        )
        messages = [(m.level_tag, str(m)) for m in res.context['messages']]
        self.assertEqual(
            [
                (
                    'success',
                    'Audited 2 host(s) against el9-baseline: 3 pass, 1 fail, '
                    '0 error, 0 notapplicable; 1 result(s) changed.',
                )
            ],
            messages,
        )

    @mock.patch.object(
        api, 'audit_profile_compliance', return_value=data.compliance()
    )
    @mock.patch.object(
        api, 'audit_profile_get', return_value=data.audit_profile()
    )
    @mock.patch.object(api, 'audit_run')
    def test_run_every_host_says_which_were_checked(self, audit_run, *_):
        # A whole audit checks again only the hosts that changed: the
        # failing host left as it was is not in the counts.
        audit_run.return_value = {
            'hosts': 3,
            'profiles': {
                'el9-baseline': {
                    'pass': 2, 'fail': 0, 'error': 0, 'notapplicable': 0,
                }
            },
            'unchanged': {'el9-baseline': 2},
            'changes': [],
        }  # fmt: skip
        res = self.client.post(
            RUN, {'profile': 'el9-baseline', 'hosts': ''}, follow=True
        )
        self.assertNoFormErrors(res)
        audit_run.assert_called_once_with(
            mock.ANY, hosts=None, profiles=['el9-baseline'], gather=False
        )
        messages = [(m.level_tag, str(m)) for m in res.context['messages']]
        self.assertEqual(
            [
                (
                    'success',
                    'Audited 3 host(s) against el9-baseline: 2 pass, 0 fail, '
                    '0 error, 0 notapplicable; 0 result(s) changed. The '
                    'counts are of the hosts checked again: 2 host(s) had '
                    'not changed since the last audit and keep their '
                    'findings.',
                )
            ],
            messages,
        )

    @mock.patch.object(api, 'audit_run')
    def test_run_every_host_gathering_first(self, audit_run):
        audit_run.return_value = {'accepted': True, 'message': 'later'}
        res = self.client.post(
            RUN, {'profile': 'el9-baseline', 'hosts': '', 'gather': 'on'}
        )
        self.assertNoFormErrors(res)
        self.assertRedirectsNoFollow(res, PROFILE)
        audit_run.assert_called_once_with(
            mock.ANY, hosts=None, profiles=['el9-baseline'], gather=True
        )
        self.assertMessageCount(success=1)

    @mock.patch.object(api, 'audit_run')
    def test_refused_is_an_error_message(self, audit_run):
        audit_run.side_effect = api.FleetRequestError(REFUSED, 403)
        res = self.client.post(RUN, {'profile': 'el9-baseline'})
        self.assertEqual(200, res.status_code)
        self.assertMessageCount(res, error=1)
        self.assertIn(REFUSED.replace("'", '&#x27;'), res.content.decode())
        self.assertNotIn('Traceback', res.content.decode())

    @mock.patch.object(api, 'audit_run')
    def test_host_name_too_long_is_a_form_error(self, audit_run):
        res = self.client.post(
            RUN, {'profile': 'el9-baseline', 'hosts': 'x' * 256}
        )
        self.assertFormErrors(res, 1)
        audit_run.assert_not_called()


class ObserverAuditsTests(base.FleetObserverTestCase):
    @mock.patch.object(api, 'audit_profile_compliance')
    @mock.patch.object(api, 'audit_profile_get')
    @mock.patch.object(api, 'audit_profile_list')
    def test_no_run_audit_button(self, profile_list, get, compliance):
        profile_list.return_value = [data.audit_profile()]
        get.return_value = data.audit_profile()
        compliance.return_value = data.compliance()
        for url in (INDEX, PROFILE):
            res = self.client.get(url)
            self.assertEqual(200, res.status_code, url)
            html = res.content.decode()
            self.assertNotIn(RUN, html, url)
            self.assertNotIn('run_audit', html, url)
            # Reading stays open to the observer.
            self.assertIn(f'{FINDINGS}?profile=el9-baseline', html, url)

    @mock.patch.object(api, 'finding_get')
    @mock.patch.object(api, 'finding_list')
    def test_findings_readable(self, finding_list, finding_get):
        finding_list.return_value = [data.finding()]
        finding_get.return_value = data.finding(history=[])
        self.assertEqual(200, self.client.get(FINDINGS).status_code)
        self.assertEqual(200, self.client.get(FINDING).status_code)

    @mock.patch.object(api, 'audit_run')
    def test_run_audit_url_is_forbidden(self, audit_run):
        self.assertEqual(403, self.client.get(RUN).status_code)
        res = self.client.post(RUN, {'profile': 'el9-baseline'})
        self.assertEqual(403, res.status_code)
        audit_run.assert_not_called()

    @mock.patch.object(api, 'plan_create')
    @mock.patch.object(api, 'plan_list')
    def test_no_create_plan(self, plan_list, plan_create):
        plan_list.return_value = []
        html = self.client.get(PLANS).content.decode()
        self.assertNotIn(CREATE_PLAN, html)
        self.assertNotIn('plans__create', html)
        self.assertEqual(403, self.client.get(CREATE_PLAN).status_code)
        res = self.client.post(
            CREATE_PLAN, {'hosts': 'cmp-1', 'kind': 'drain'}
        )
        self.assertEqual(403, res.status_code)
        plan_create.assert_not_called()


class MemberAuditsTests(base.FleetMemberTestCase):
    @mock.patch.object(api, 'audit_profile_list')
    def test_panel_refused_to_ordinary_members(self, profile_list):
        for url in (INDEX, FINDINGS, PROFILE):
            self.assertNotEqual(200, self.client.get(url).status_code, url)
        profile_list.assert_not_called()


def plan_form(**fields):
    body = {
        'name': '',
        'hosts': '',
        'availability_zone': '',
        'aggregate': '',
        'labels': '',
        'audit_profile': '',
        'audit_rule': '',
        'kind': 'drain',
        'action': '',
        'max_at_once': '',
    }
    body.update(fields)
    return body


@mock.patch.object(
    api, 'audit_profile_list', return_value=[{'name': 'el9-baseline'}]
)
@mock.patch.object(api, 'action_list', return_value=[{'name': 'dnf-update'}])
class CreatePlanTests(base.FleetAdminTestCase):
    @mock.patch.object(api, 'plan_list', return_value=[])
    def test_index_offers_create(self, plan_list, *_):
        html = self.client.get(PLANS).content.decode()
        self.assertIn(CREATE_PLAN, html)

    def test_form_offers_actions_and_profiles(self, action_list, profiles):
        res = self.client.get(CREATE_PLAN)
        self.assertEqual(200, res.status_code)
        self.assertTemplateUsed(res, 'fleet/plans/create.html')
        form = res.context['form']
        self.assertIn('dnf-update', dict(form.fields['action'].choices))
        self.assertIn(
            'el9-baseline', dict(form.fields['audit_profile'].choices)
        )
        # A dry run first, unless the operator clears the box.
        self.assertIn('checked', str(form['dry_run']))

    @mock.patch.object(api, 'plan_create')
    def test_create(self, plan_create, *_):
        plan_create.return_value = {'uuid': PLAN_UUID, 'name': 'k-2026-12'}
        res = self.client.post(
            CREATE_PLAN,
            plan_form(
                name='k-2026-12',
                hosts='cmp-1 cmp-2,cmp-3',
                availability_zone='az1',
                aggregate='gpu',
                labels='tier=gold, rack=r1',
                kind='drain_patch_reboot',
                action='dnf-update',
                max_at_once='2',
            ),
        )
        self.assertNoFormErrors(res)
        self.assertRedirectsNoFollow(
            res, reverse('horizon:fleet:plans:detail', args=[PLAN_UUID])
        )
        plan_create.assert_called_once_with(
            mock.ANY,
            {
                'name': 'k-2026-12',
                'selector': {
                    'hosts': ['cmp-1', 'cmp-2', 'cmp-3'],
                    'availability_zone': 'az1',
                    'aggregate': 'gpu',
                    'labels': {'tier': 'gold', 'rack': 'r1'},
                },
                'action': {
                    'kind': 'drain_patch_reboot',
                    'action': 'dnf-update',
                },
                'budget': {'max_at_once': 2},
            },
        )

    @mock.patch.object(api, 'plan_create')
    def test_create_by_failing_audit_rules(self, plan_create, *_):
        plan_create.return_value = {'uuid': PLAN_UUID, 'name': None}
        res = self.client.post(
            CREATE_PLAN,
            plan_form(
                audit_profile='el9-baseline',
                audit_rule='kernel-patch-level, nova-compute-running',
            ),
        )
        self.assertNoFormErrors(res)
        plan_create.assert_called_once_with(
            mock.ANY,
            {
                'selector': {
                    'audit': {
                        'profile': 'el9-baseline',
                        'rule': ['kernel-patch-level', 'nova-compute-running'],
                    }
                },
                'action': {'kind': 'drain'},
            },
        )

    @mock.patch.object(api, 'plan_create')
    def test_dry_run_shows_order_waves_and_eta(self, plan_create, *_):
        plan_create.return_value = {
            'hosts': ['cmp-1', 'cmp-2', 'cmp-3'],
            'waves': [['cmp-1', 'cmp-2'], ['cmp-3']],
            'budget': {'max_at_once': 2},
            'action': {'kind': 'drain', 'action': None, 'executor': None},
            'windows': [],
            'eta_s': 3725.0,
            'per_instance_s': {'None': 25.0},
        }
        res = self.client.post(
            CREATE_PLAN,
            plan_form(availability_zone='az1', max_at_once='2', dry_run='on'),
        )
        self.assertEqual(200, res.status_code)
        self.assertNoFormErrors(res)
        plan_create.assert_called_once_with(
            mock.ANY,
            {
                'selector': {'availability_zone': 'az1'},
                'action': {'kind': 'drain'},
                'budget': {'max_at_once': 2},
                'dry_run': True,
            },
        )
        html = res.content.decode()
        self.assertIn('fleet-plan-preview', html)
        self.assertIn('<li>cmp-1, cmp-2</li><li>cmp-3</li>', html)
        self.assertIn('1 h 02 min', html)
        self.assertIn('max_at_once=2', html)
        # The box is cleared: the next submit creates the plan.
        self.assertNotIn('checked', str(res.context['form']['dry_run']))
        self.assertEqual(
            'az1', res.context['form']['availability_zone'].value()
        )

    @mock.patch.object(api, 'plan_create')
    def test_dry_run_without_measured_migrations(self, plan_create, *_):
        plan_create.return_value = {
            'hosts': ['cmp-1'], 'waves': [['cmp-1']], 'budget': {},
            'eta_s': None,
        }  # fmt: skip
        res = self.client.post(
            CREATE_PLAN, plan_form(hosts='cmp-1', dry_run='on')
        )
        self.assertIn(
            'unknown (no migration measured yet)', res.content.decode()
        )

    @mock.patch.object(api, 'plan_create')
    def test_validation_errors(self, plan_create, *_):
        for fields, what in (
            ({}, 'no hosts selected'),
            ({'audit_profile': 'el9-baseline'}, 'a profile without a rule'),
            ({'hosts': 'cmp-1', 'audit_rule': 'r'}, 'a rule without profile'),
            ({'hosts': 'cmp-1', 'action': 'dnf-update'}, 'action with drain'),
            ({'labels': 'tier'}, 'a label without ='),
            ({'hosts': 'cmp-1', 'max_at_once': '0'}, 'max_at_once 0'),
            ({'hosts': 'cmp-1', 'kind': 'reboot'}, 'an unknown kind'),
            ({'audit_profile': 'nope', 'audit_rule': 'r'}, 'unknown profile'),
        ):
            res = self.client.post(CREATE_PLAN, plan_form(**fields))
            self.assertEqual(200, res.status_code, what)
            self.assertFormErrors(res, 1)
        plan_create.assert_not_called()

    @mock.patch.object(api, 'plan_create')
    def test_refused_is_an_error_message(self, plan_create, *_):
        plan_create.side_effect = api.FleetRequestError(
            'Policy doesn\'t allow fleet:plan:create to be performed. '
            '(HTTP 403)',
            403,
        )
        res = self.client.post(CREATE_PLAN, plan_form(hosts='cmp-1'))
        self.assertEqual(200, res.status_code)
        self.assertMessageCount(res, error=1)
        self.assertIn(
            'Policy doesn&#x27;t allow fleet:plan:create to be performed. '
            '(HTTP 403)',
            res.content.decode(),
        )

    @mock.patch.object(api, 'plan_create')
    def test_dry_run_refused_is_an_error_message(self, plan_create, *_):
        plan_create.side_effect = api.FleetRequestError(
            'No compute host matches the selector. (HTTP 400)', 400
        )
        res = self.client.post(
            CREATE_PLAN, plan_form(aggregate='none', dry_run='on')
        )
        self.assertEqual(200, res.status_code)
        self.assertMessageCount(res, error=1)
        html = res.content.decode()
        self.assertIn('No compute host matches the selector.', html)
        self.assertNotIn('fleet-plan-preview', html)


class ApiTests(base.FleetAdminTestCase):
    """The new calls at the HTTP boundary."""

    def setUp(self):
        super().setUp()
        self.request.user = auth_utils.get_user(self.request)
        self.mocker = requests_mock.Mocker()
        self.mocker.start()
        self.addCleanup(self.mocker.stop)

    def test_profiles_compliance_and_finding(self):
        self.mocker.get(
            f'{URL}/v1/audit_profiles',
            json={'audit_profiles': [data.audit_profile()]},
        )
        self.mocker.get(
            f'{URL}/v1/audit_profiles/el9-baseline/compliance',
            json=data.compliance(),
        )
        self.mocker.get(
            f'{URL}/v1/findings/{data.FINDING_UUID}', json=data.finding()
        )
        self.assertEqual(
            ['el9-baseline'],
            [p['name'] for p in api.audit_profile_list(self.request)],
        )
        self.assertEqual(
            data.compliance(),
            api.audit_profile_compliance(self.request, 'el9-baseline'),
        )
        self.assertEqual(
            data.FINDING_UUID,
            api.finding_get(self.request, data.FINDING_UUID)['uuid'],
        )
        for sent in self.mocker.request_history:
            self.assertEqual(self.token.id, sent.headers['X-Auth-Token'])
            self.assertEqual(
                'fleet 1.8', sent.headers['OpenStack-API-Version']
            )

    def test_audit_run_body(self):
        self.mocker.post(f'{URL}/v1/audits', json={'hosts': 1})
        api.audit_run(self.request, hosts=['cmp-1'], profiles=['p'])
        api.audit_run(self.request, profiles=['p'], gather=True)
        self.assertEqual(
            [
                {'hosts': ['cmp-1'], 'profiles': ['p']},
                {'profiles': ['p'], 'gather': True},
            ],
            [r.json() for r in self.mocker.request_history],
        )

    def test_audit_run_refused(self):
        self.mocker.post(
            f'{URL}/v1/audits',
            status_code=403,
            json={'errors': [{'status': 403, 'detail': 'Policy says no.'}]},
        )
        with self.assertRaises(api.FleetRequestError) as ctx:
            api.audit_run(self.request, profiles=['p'])
        self.assertEqual(403, ctx.exception.status_code)
        self.assertEqual('Policy says no. (HTTP 403)', str(ctx.exception))

    def test_plan_create_version_follows_the_selector(self):
        self.mocker.post(f'{URL}/v1/plans', json={'uuid': PLAN_UUID})
        api.plan_create(
            self.request, {'selector': {'hosts': ['cmp-1']}, 'dry_run': True}
        )
        api.plan_create(
            self.request,
            {'selector': {'audit': {'profile': 'p', 'rule': 'r'}}},
        )
        self.assertEqual(
            ['fleet 1.8', 'fleet 1.10'],
            [
                r.headers['OpenStack-API-Version']
                for r in self.mocker.request_history
            ],
        )
        self.assertEqual(
            {'selector': {'hosts': ['cmp-1']}, 'dry_run': True},
            self.mocker.request_history[0].json(),
        )
