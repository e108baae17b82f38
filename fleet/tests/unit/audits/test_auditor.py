from unittest import mock

from fleet.audits import auditor
from fleet.audits import exception as audit_exc
from fleet.audits import facts as audit_facts
from fleet.audits import profiles
from fleet.audits import rules as audit_rules
from fleet.common import exception
from fleet.db.sqlalchemy import audits as db_audits
from fleet.db.sqlalchemy import base as db_base
from fleet.db.sqlalchemy import models
from fleet.drivers import fake_cloud
from fleet.tests import base

PROFILE = {
    'name': 'el9',
    'description': 'EL9 computes',
    'enabled': True,
    'applies_to': {'kind': 'compute'},
    'rules': [
        {
            'name': 'kernel-patch-level',
            'severity': 'critical',
            'check': {
                'type': 'kernel_version',
                'op': '>=',
                'version': '5.14.0-503.el9',
            },
        },
        {
            'name': 'nova-compute-running',
            'check': {
                'type': 'service',
                'service': 'nova-compute',
                'running': True,
            },
        },
    ],
}


class AuditTestCase(base.DbTestCase):
    def setUp(self):
        super().setUp()
        self.config(group='drivers', facts=['fake'])
        self.profile = self.dbapi.create_audit_profile(dict(PROFILE))
        self.h1 = self.create_host(name='cmp-1', availability_zone='az1')
        self.h2 = self.create_host(name='cmp-2', availability_zone='az2')
        self.sw = self.create_host(name='sw-1', kind='switch')
        self.cloud = fake_cloud.get_cloud()

    def gather(self, *hosts):
        for host in hosts:
            audit_facts.gather_host(host, self.dbapi)

    def findings(self, **filters):
        return {
            (f['host_name'], f['rule']): f
            for f in self.dbapi.list_audit_findings(filters=filters)
        }


class TestFacts(AuditTestCase):
    def test_gather_stores_when_and_how(self):
        result = audit_facts.gather_host(self.h1, self.dbapi)
        row = self.dbapi.get_host_facts(self.h1['uuid'])
        self.assertEqual(result['stored'], row)
        self.assertEqual(['fake'], row['drivers'])
        self.assertEqual('5.14.0-427.el9.x86_64', row['facts']['kernel'])
        self.assertIsNotNone(row['gathered_at'])
        self.assertEqual({}, row['errors'])

    def test_failing_driver_keeps_old_facts(self):
        self.gather(self.h1)
        before = self.dbapi.get_host_facts(self.h1['uuid'])
        with mock.patch.object(
            fake_cloud.SimulatedCloud,
            'facts_of',
            side_effect=exception.FactsError(
                host='cmp-1', driver='fake', reason='unreachable'
            ),
        ):
            result = audit_facts.gather_host(self.h1, self.dbapi)
        self.assertIsNone(result['stored'])
        self.assertIn('unreachable', result['errors']['fake'])
        after = self.dbapi.get_host_facts(self.h1['uuid'])
        # The facts and their time stand; the failure is recorded beside.
        self.assertEqual(before['facts'], after['facts'])
        self.assertEqual(before['gathered_at'], after['gathered_at'])
        self.assertEqual({}, before['errors'])
        self.assertIn('unreachable', after['errors']['fake'])

    def test_host_never_gathered_failure_in_history(self):
        with mock.patch.object(
            fake_cloud.SimulatedCloud,
            'facts_of',
            side_effect=exception.FactsError(
                host='cmp-1', driver='fake', reason='unreachable'
            ),
        ):
            audit_facts.gather_host(self.h1, self.dbapi)
        self.assertIsNone(self.dbapi.get_host_facts(self.h1['uuid']))
        entry = self.dbapi.list_host_history(self.h1['uuid'])[0]
        self.assertEqual('gather_facts', entry['action'])
        self.assertIn('fake: Facts of host cmp-1', entry['reason'])
        self.assertIn('unreachable', entry['changes']['errors']['fake'])

    def test_too_large_facts_are_an_error(self):
        self.config(max_bytes=1024, group='facts')
        self.cloud.update_facts('cmp-1', {'blob': 'x' * 2000})
        result = audit_facts.gather_host(self.h1, self.dbapi)
        self.assertIsNone(result['stored'])
        self.assertIn('more than [facts] max_bytes', result['errors']['fake'])

    def test_gather_hosts_reports_failures(self):
        def facts_of(cloud, name):
            if name == 'cmp-2':
                raise exception.FactsError(
                    host=name, driver='fake', reason='ssh: timed out'
                )
            return {'kernel': '1.0'}

        with mock.patch.object(
            fake_cloud.SimulatedCloud, 'facts_of', facts_of
        ):
            result = audit_facts.gather_hosts([self.h1, self.h2], self.dbapi)
        self.assertEqual(1, result['gathered'])
        self.assertIn('timed out', result['failed']['cmp-2']['fake'])

    def test_effective_overlays_inventory_facts(self):
        host = dict(self.h1, facts={'kernel': 'old', 'cpu': 'x'})
        self.assertEqual(
            {'kernel': 'new', 'cpu': 'x'},
            audit_facts.effective(host, {'facts': {'kernel': 'new'}}),
        )
        self.assertEqual(
            {'kernel': 'old', 'cpu': 'x'}, audit_facts.effective(host, None)
        )


class TestAudit(AuditTestCase):
    def test_results_per_rule_and_host(self):
        self.gather(self.h1)  # cmp-2 never gathered
        summary = auditor.audit(self.dbapi, act=False)
        found = self.findings()
        k1 = found[('cmp-1', 'kernel-patch-level')]
        self.assertEqual('fail', k1['result'])
        self.assertEqual({'value': '5.14.0-427.el9.x86_64'}, k1['evidence'])
        self.assertEqual('critical', k1['severity'])
        self.assertEqual(
            'pass', found[('cmp-1', 'nova-compute-running')]['result']
        )
        # Never gathered: fleet does not know, it does not claim "fail".
        self.assertEqual(
            'error', found[('cmp-2', 'kernel-patch-level')]['result']
        )
        self.assertEqual(
            'notapplicable', found[('sw-1', 'kernel-patch-level')]['result']
        )
        self.assertEqual(
            {'pass': 1, 'fail': 1, 'error': 2, 'notapplicable': 2},
            summary['profiles']['el9'],
        )

    def test_new_failure_raises_alert_fix_resolves_it(self):
        self.gather(self.h1)
        auditor.audit(self.dbapi, hosts=[self.h1], act=False)
        alerts = self.dbapi.list_alerts(filters={'source': 'audit'})
        self.assertEqual(1, len(alerts))
        alert = alerts[0]
        self.assertEqual('AuditFailed', alert['name'])
        self.assertEqual('firing', alert['state'])
        self.assertEqual('critical', alert['severity'])
        self.assertEqual('cmp-1', alert['host_name'])
        self.assertEqual(
            {'profile': 'el9', 'rule': 'kernel-patch-level'}, alert['labels']
        )
        # Auditing again: same finding, no new occurrence, one alert.
        auditor.audit(self.dbapi, hosts=[self.h1], act=False)
        alerts = self.dbapi.list_alerts(filters={'source': 'audit'})
        self.assertEqual(1, len(alerts))
        self.assertEqual(1, alerts[0]['count'])
        # Patched: the rule passes, the alert resolves.
        self.cloud.update_facts('cmp-1', {'kernel': '5.14.0-503.el9.x86_64'})
        self.gather(self.h1)
        summary = auditor.audit(self.dbapi, hosts=[self.h1], act=False)
        self.assertEqual(
            [
                {
                    'host': 'cmp-1',
                    'profile': 'el9',
                    'rule': 'kernel-patch-level',
                    'old': 'fail',
                    'new': 'pass',
                }
            ],
            summary['changes'],
        )
        self.assertEqual(
            'resolved', self.dbapi.get_alert(alert['uuid'])['state']
        )
        # Failing again is a second occurrence of the same alert.
        self.cloud.update_facts('cmp-1', {'kernel': '5.14.0-427.el9.x86_64'})
        self.gather(self.h1)
        auditor.audit(self.dbapi, hosts=[self.h1], act=False)
        again = self.dbapi.get_alert(alert['uuid'])
        self.assertEqual('firing', again['state'])
        self.assertEqual(2, again['count'])

    def test_error_neither_raises_nor_resolves(self):
        auditor.audit(self.dbapi, hosts=[self.h2], act=False)
        self.assertEqual([], self.dbapi.list_alerts())
        self.gather(self.h2)
        auditor.audit(self.dbapi, hosts=[self.h2], act=False)
        (alert,) = self.dbapi.list_alerts()
        with mock.patch.object(audit_facts, 'effective', return_value={}):
            auditor.audit(self.dbapi, hosts=[self.h2], act=False)
        self.assertEqual(
            'error', self.findings()[('cmp-2', 'kernel-patch-level')]['result']
        )
        self.assertEqual(
            'firing', self.dbapi.get_alert(alert['uuid'])['state']
        )

    def test_history_of_every_change_in_order(self):
        self.gather(self.h1)
        auditor.audit(self.dbapi, hosts=[self.h1], act=False)
        self.cloud.update_facts('cmp-1', {'kernel': '5.14.0-503.el9'})
        self.gather(self.h1)
        auditor.audit(self.dbapi, hosts=[self.h1], act=False)
        auditor.audit(self.dbapi, hosts=[self.h1], act=False)  # no change
        finding = self.findings()[('cmp-1', 'kernel-patch-level')]
        events = self.dbapi.list_audit_finding_events(
            finding_uuid=finding['uuid']
        )
        self.assertEqual(
            [(None, 'fail'), ('fail', 'pass')],
            [(e['old_result'], e['new_result']) for e in events],
        )
        self.assertEqual({'value': '5.14.0-503.el9'}, events[1]['evidence'])
        history = [
            h
            for h in self.dbapi.list_host_history(self.h1['uuid'])
            if h['action'] == 'audit'
        ]
        # Newest first: the fix, then the failure.
        self.assertEqual(
            [{'old': 'fail', 'new': 'pass'}, {'old': None, 'new': 'fail'}],
            [h['changes']['el9/kernel-patch-level'] for h in history],
        )
        self.assertIn('failing: el9/kernel-patch-level', history[1]['reason'])

    def test_disabled_profile_not_audited_named_one_is(self):
        self.dbapi.update_audit_profile('el9', {'enabled': False})
        summary = auditor.audit(self.dbapi, act=False)
        self.assertEqual({}, summary['profiles'])
        summary = auditor.audit(self.dbapi, profile_names=['el9'], act=False)
        self.assertIn('el9', summary['profiles'])
        self.assertRaises(
            audit_exc.AuditProfileNotFound,
            auditor.audit,
            self.dbapi,
            profile_names=['nope'],
            act=False,
        )

    def test_compliance_per_rule_and_az(self):
        self.gather(self.h1, self.h2)
        auditor.audit(self.dbapi, act=False)
        rows = self.dbapi.audit_compliance(self.profile['uuid'])
        self.assertIn(
            {
                'rule': 'kernel-patch-level',
                'result': 'fail',
                'availability_zone': 'az1',
                'hosts': 1,
            },
            rows,
        )
        self.assertIn(
            {
                'rule': 'kernel-patch-level',
                'result': 'notapplicable',
                'availability_zone': None,
                'hosts': 1,
            },
            rows,
        )

    def test_findings_filters_and_paging(self):
        self.gather(self.h1, self.h2)
        auditor.audit(self.dbapi, act=False)
        fails = self.dbapi.list_audit_findings(filters={'result': 'fail'})
        self.assertEqual({'cmp-1', 'cmp-2'}, {f['host_name'] for f in fails})
        page1 = self.dbapi.list_audit_findings(limit=2)
        page2 = self.dbapi.list_audit_findings(
            limit=2, marker=page1[-1]['uuid']
        )
        self.assertEqual(2, len(page1))
        self.assertFalse(
            {f['uuid'] for f in page1} & {f['uuid'] for f in page2}
        )
        self.assertRaises(
            exception.InvalidParameterValue,
            self.dbapi.list_audit_findings,
            filters={'colour': 'red'},
        )

    def test_destroy_profile_drops_its_findings(self):
        self.gather(self.h1)
        auditor.audit(self.dbapi, act=False)
        self.dbapi.destroy_audit_profile('el9')
        self.assertEqual([], self.dbapi.list_audit_findings())
        self.assertRaises(
            audit_exc.AuditProfileNotFound, self.dbapi.get_audit_profile, 'el9'
        )

    def test_duplicate_profile_name(self):
        self.assertRaises(
            audit_exc.AuditProfileAlreadyExists,
            self.dbapi.create_audit_profile,
            dict(PROFILE),
        )


class TestCheckedAt(AuditTestCase):
    def test_whole_audit_stamps_every_finding_as_checked(self):
        self.gather(self.h1)
        auditor.audit(self.dbapi, act=False)
        first = self.findings()[('cmp-1', 'kernel-patch-level')]
        auditor.audit(self.dbapi, act=False)  # nothing changes
        again = self.findings()[('cmp-1', 'kernel-patch-level')]
        self.assertGreater(again['checked_at'], first['checked_at'])
        self.assertEqual(first['changed_at'], again['changed_at'])
        shown = self.dbapi.get_audit_finding(first['uuid'])
        self.assertEqual(again['checked_at'], shown['checked_at'])

    def test_audit_of_some_hosts_stamps_theirs(self):
        self.gather(self.h1, self.h2)
        auditor.audit(self.dbapi, act=False)
        before = self.findings()
        auditor.audit(self.dbapi, hosts=[self.h1], act=False)
        after = self.findings()
        key1 = ('cmp-1', 'kernel-patch-level')
        key2 = ('cmp-2', 'kernel-patch-level')
        self.assertGreater(
            after[key1]['checked_at'], before[key1]['checked_at']
        )
        self.assertEqual(after[key2]['checked_at'], before[key2]['checked_at'])

    def test_changed_evidence_same_result_is_recorded_not_a_change(self):
        self.gather(self.h1)
        auditor.audit(self.dbapi, hosts=[self.h1], act=False)
        self.cloud.update_facts('cmp-1', {'kernel': '5.14.0-430.el9.x86_64'})
        self.gather(self.h1)
        summary = auditor.audit(self.dbapi, hosts=[self.h1], act=False)
        self.assertEqual([], summary['changes'])
        finding = self.findings()[('cmp-1', 'kernel-patch-level')]
        self.assertEqual(
            {'value': '5.14.0-430.el9.x86_64'}, finding['evidence']
        )
        self.assertEqual(
            1,
            len(
                self.dbapi.list_audit_finding_events(
                    finding_uuid=finding['uuid']
                )
            ),
        )


class TestConductorPeriodic(AuditTestCase):
    def test_periodic_tasks_follow_intervals(self):
        from fleet.conductor import manager

        self.config(interval=600, group='facts')
        self.config(interval=0, group='auditing')
        m = manager.ConductorManager('c1')
        tasks = dict((f.__name__, i) for i, f in m.periodic_tasks())
        self.assertEqual(600, tasks['gather_all_facts'])
        self.assertNotIn('audit_all', tasks)

    def test_gather_all_skips_unmanaged_hosts_then_audits(self):
        from fleet.conductor import manager

        self.dbapi.update_host('cmp-2', {'state': 'unmanaged'})
        with mock.patch.object(manager.conductor_rpcapi, 'ConductorAPI'):
            manager.ConductorManager('c1').gather_all_facts()
        self.assertIsNotNone(self.dbapi.get_host_facts(self.h1['uuid']))
        self.assertIsNone(self.dbapi.get_host_facts(self.h2['uuid']))
        self.assertEqual(
            'fail',
            self.findings()[('cmp-1', 'kernel-patch-level')]['result'],
        )

    def test_only_the_leader_gathers_and_audits(self):
        from fleet.conductor import manager

        class Coordinator:
            leader = False

            def is_leader(self):
                return self.leader

        coordinator = Coordinator()
        self.config(interval=600, group='facts')
        self.config(interval=900, group='auditing')
        m = manager.ConductorManager('c1', coordinator=coordinator)
        tasks = {f.__name__: f for _, f in m.periodic_tasks()}
        self.assertIsNone(tasks['audit_all']())
        self.assertIsNone(tasks['gather_all_facts']())
        self.assertEqual([], self.dbapi.list_audit_findings())
        coordinator.leader = True
        with mock.patch.object(manager.conductor_rpcapi, 'ConductorAPI'):
            tasks['gather_all_facts']()
        self.assertNotEqual([], self.dbapi.list_audit_findings())


class TestStaleFindings(AuditTestCase):
    def test_whole_audit_forgets_deleted_hosts_and_removed_rules(self):
        self.gather(self.h1, self.h2)
        auditor.audit(self.dbapi, act=False)
        self.dbapi.destroy_host('cmp-2')
        # A host's findings go with it.
        self.assertNotIn(('cmp-2', 'kernel-patch-level'), self.findings())
        self.dbapi.update_audit_profile('el9', {'rules': PROFILE['rules'][:1]})
        # An audit of some hosts keeps what it did not look at.
        auditor.audit(self.dbapi, hosts=[self.h1], act=False)
        self.assertIn(('sw-1', 'nova-compute-running'), self.findings())
        auditor.audit(self.dbapi, act=False)
        self.assertEqual(
            {('cmp-1', 'kernel-patch-level'), ('sw-1', 'kernel-patch-level')},
            set(self.findings()),
        )


class TestNoDriver(AuditTestCase):
    def test_no_facts_driver_enabled(self):
        self.config(facts=[], group='drivers')
        result = audit_facts.gather_host(self.h1, self.dbapi)
        self.assertIsNone(result['stored'])
        self.assertIn('[drivers] facts', result['errors']['-'])


class TestIncremental(AuditTestCase):
    def checked(self):
        with mock.patch.object(
            auditor, 'evaluate', wraps=auditor.evaluate
        ) as evaluate:
            summary = auditor.audit(self.dbapi, act=False)
        names = sorted(h['name'] for h in evaluate.call_args[0][1])
        return names, summary

    def test_only_changed_hosts_are_checked_again(self):
        self.gather(self.h1, self.h2)
        names, _ = self.checked()
        self.assertEqual(['cmp-1', 'cmp-2', 'sw-1'], names)
        names, summary = self.checked()
        self.assertEqual([], names)
        self.assertEqual({'el9': 3}, summary['unchanged'])
        # New facts of cmp-1, a label on sw-1: both checked again.
        self.cloud.update_facts('cmp-1', {'kernel': '5.14.0-503.el9'})
        self.gather(self.h1)
        self.dbapi.update_host('sw-1', {'labels': {'x': 'y'}})
        names, summary = self.checked()
        self.assertEqual(['cmp-1', 'sw-1'], names)
        self.assertEqual(
            'pass', self.findings()[('cmp-1', 'kernel-patch-level')]['result']
        )
        # The findings of hosts not checked stand.
        self.assertEqual(
            'fail', self.findings()[('cmp-2', 'kernel-patch-level')]['result']
        )

    def test_changed_profile_checks_every_host(self):
        self.gather(self.h1)
        self.checked()
        rules = [dict(PROFILE['rules'][0], severity='warning')]
        self.dbapi.update_audit_profile('el9', {'rules': rules})
        names, _ = self.checked()
        self.assertEqual(['cmp-1', 'cmp-2', 'sw-1'], names)
        self.assertEqual(
            'warning',
            self.findings()[('cmp-1', 'kernel-patch-level')]['severity'],
        )
        # Disabling and enabling again changes nothing it checks.
        self.dbapi.update_audit_profile('el9', {'enabled': False})
        self.dbapi.update_audit_profile('el9', {'enabled': True})
        names, _ = self.checked()
        self.assertEqual([], names)

    def test_facts_gathered_during_an_audit_are_checked_next_time(self):
        self.gather(self.h1)
        real = self.dbapi.list_host_facts

        def list_then_gather(uuids):
            rows = real(uuids)
            # cmp-1 is gathered again after the audit read its facts.
            self.cloud.update_facts('cmp-1', {'kernel': '5.14.0-503.el9'})
            self.gather(self.h1)
            return rows

        with mock.patch.object(
            self.dbapi, 'list_host_facts', side_effect=list_then_gather
        ):
            auditor.audit(self.dbapi, act=False)
        self.assertEqual(
            'fail', self.findings()[('cmp-1', 'kernel-patch-level')]['result']
        )
        names, _ = self.checked()
        self.assertEqual(['cmp-1'], names)
        self.assertEqual(
            'pass', self.findings()[('cmp-1', 'kernel-patch-level')]['result']
        )


class TestHostResults(AuditTestCase):
    """A whole audit compares each host's results with its one row of
    results of last time; the findings table is read only for a host
    without such a row."""

    def summaries(self):
        with db_base.reader() as session:
            return dict(
                session.query(
                    models.AuditHostResults.host_uuid,
                    models.AuditHostResults.results,
                ).filter_by(profile_uuid=self.profile['uuid'])
            )

    def full_recheck(self):
        """Audit every host as after a change of the profile (every host
        evaluated again); returns the hosts whose findings were read and
        the summary."""
        with db_base.writer() as session:
            session.query(models.AuditProfile).filter_by(
                uuid=self.profile['uuid']
            ).update({'audited_digest': None})
        real = db_audits._select_by_hosts
        read = []

        def spy(conn, query, column, host_uuids):
            if column.table.name == 'audit_findings':
                read.extend(host_uuids)
            return real(conn, query, column, host_uuids)

        with (
            mock.patch.object(
                auditor, 'evaluate', wraps=auditor.evaluate
            ) as evaluate,
            mock.patch.object(db_audits, '_select_by_hosts', spy),
        ):
            summary = auditor.audit(self.dbapi, act=False)
        self.assertEqual(3, len(evaluate.call_args[0][1]))
        return sorted(read), summary

    def test_same_results_write_nothing_read_no_finding(self):
        self.gather(self.h1, self.h2)
        auditor.audit(self.dbapi, act=False)
        first = self.summaries()
        self.assertEqual(
            {self.h1['uuid'], self.h2['uuid'], self.sw['uuid']}, set(first)
        )
        self.assertEqual(
            ['kernel-patch-level fail', 'nova-compute-running pass'],
            [
                line.rsplit(' ', 1)[0]
                for line in first[self.h1['uuid']].split('\n')
            ],
        )

        def unchecked():
            # checked_at moves on with every audit of the whole fleet.
            return {
                key: {k: v for k, v in f.items() if k != 'checked_at'}
                for key, f in self.findings().items()
            }

        before = unchecked()
        read, summary = self.full_recheck()
        self.assertEqual([], read)
        self.assertEqual([], summary['changes'])
        self.assertEqual(before, unchecked())
        self.assertEqual(first, self.summaries())

    def test_changed_evidence_and_result_without_reading_findings(self):
        self.gather(self.h1, self.h2)
        auditor.audit(self.dbapi, act=False)
        first = self.summaries()
        # Same result (still below the level), other evidence.
        self.cloud.update_facts('cmp-1', {'kernel': '5.14.0-430.el9.x86_64'})
        self.gather(self.h1)
        read, summary = self.full_recheck()
        self.assertEqual([], read)
        self.assertEqual([], summary['changes'])
        self.assertEqual(
            {'value': '5.14.0-430.el9.x86_64'},
            self.findings()[('cmp-1', 'kernel-patch-level')]['evidence'],
        )
        after = self.summaries()
        self.assertNotEqual(first[self.h1['uuid']], after[self.h1['uuid']])
        self.assertEqual(first[self.h2['uuid']], after[self.h2['uuid']])
        # Patched: a change of result, with its history and alert path.
        self.cloud.update_facts('cmp-2', {'kernel': '5.14.0-503.el9'})
        self.gather(self.h2)
        read, summary = self.full_recheck()
        self.assertEqual([], read)
        self.assertEqual(
            [('cmp-2', 'kernel-patch-level', 'fail', 'pass')],
            [
                (c['host'], c['rule'], c['old'], c['new'])
                for c in summary['changes']
            ],
        )
        finding = self.findings()[('cmp-2', 'kernel-patch-level')]
        self.assertEqual('pass', finding['result'])
        self.assertEqual(
            ['fail', 'pass'],
            [
                e['new_result']
                for e in self.dbapi.list_audit_finding_events(
                    finding_uuid=finding['uuid']
                )
            ],
        )

    def test_hosts_without_a_row_or_an_unreadable_one_read_findings(self):
        self.gather(self.h1, self.h2)
        auditor.audit(self.dbapi, act=False)
        first = self.summaries()
        before = self.findings()
        with db_base.writer() as session:
            # As after the upgrade that added the rows: none for cmp-1;
            # and a damaged one for cmp-2.
            session.query(models.AuditHostResults).filter_by(
                host_uuid=self.h1['uuid']
            ).delete()
            session.query(models.AuditHostResults).filter_by(
                host_uuid=self.h2['uuid']
            ).update({'results': 'garbage'})
        self.cloud.update_facts('cmp-1', {'kernel': '5.14.0-503.el9'})
        self.gather(self.h1)
        read, summary = self.full_recheck()
        self.assertEqual(sorted([self.h1['uuid'], self.h2['uuid']]), read)
        # cmp-1's finding updated in place (no second finding), cmp-2's
        # unchanged; both rows of results written again.
        self.assertEqual(
            [('cmp-1', 'kernel-patch-level', 'fail', 'pass')],
            [
                (c['host'], c['rule'], c['old'], c['new'])
                for c in summary['changes']
            ],
        )
        after = self.findings()
        self.assertEqual(before.keys(), after.keys())
        self.assertEqual(
            before[('cmp-1', 'kernel-patch-level')]['uuid'],
            after[('cmp-1', 'kernel-patch-level')]['uuid'],
        )
        self.assertEqual(
            first[self.h2['uuid']], self.summaries()[self.h2['uuid']]
        )
        self.assertEqual(set(first), set(self.summaries()))

    def test_removed_rule_deleted_host_and_destroyed_profile(self):
        self.gather(self.h1, self.h2)
        auditor.audit(self.dbapi, act=False)
        self.dbapi.destroy_host('cmp-2')
        self.dbapi.update_audit_profile('el9', {'rules': PROFILE['rules'][:1]})
        auditor.audit(self.dbapi, act=False)
        # The host that is gone has no row left; the others' rows and
        # findings have the one rule left.
        rows = self.summaries()
        self.assertEqual({self.h1['uuid'], self.sw['uuid']}, set(rows))
        self.assertTrue(
            rows[self.h1['uuid']].startswith('kernel-patch-level fail ')
        )
        self.assertNotIn('\n', rows[self.h1['uuid']])
        self.assertEqual(
            {('cmp-1', 'kernel-patch-level'), ('sw-1', 'kernel-patch-level')},
            set(self.findings()),
        )
        self.dbapi.destroy_audit_profile('el9')
        self.assertEqual({}, self.summaries())

    def test_texts_of_evaluate_are_those_of_the_results(self):
        # The text evaluate builds from its memo is the one the database
        # layer would build from the results: rows written from either
        # read back the same.
        self.gather(self.h1)
        self.cloud.update_facts('cmp-2', {'kernel': '5.14.0-503.el9'})
        self.gather(self.h2)
        profile = profiles.compile_profile(self.dbapi.get_audit_profile('el9'))
        hosts = self.dbapi.list_hosts()
        stored = self.dbapi.list_host_facts([h['uuid'] for h in hosts])
        texts = {}
        results = auditor.evaluate(profile, hosts, stored, texts)
        self.assertEqual(audit_rules.results_text(results), texts)
        self.assertEqual(
            {
                h['uuid']: {
                    r['rule']: (r['result'], r['digest'])
                    for r in results
                    if r['host_uuid'] == h['uuid']
                }
                for h in hosts
            },
            {
                uuid: audit_rules.parse_results_text(text)
                for uuid, text in texts.items()
            },
        )

    def test_a_finding_missing_behind_its_row_is_written_again(self):
        # The row of results says cmp-1 has a finding that is gone (deleted
        # by hand): a changed evidence writes it back whole, not into the
        # void.
        self.gather(self.h1)
        auditor.audit(self.dbapi, act=False)
        with db_base.writer() as session:
            session.query(models.AuditFinding).filter_by(
                host_uuid=self.h1['uuid'], rule='kernel-patch-level'
            ).delete()
        self.cloud.update_facts('cmp-1', {'kernel': '5.14.0-430.el9.x86_64'})
        self.gather(self.h1)
        self.full_recheck()
        finding = self.findings()[('cmp-1', 'kernel-patch-level')]
        self.assertEqual('fail', finding['result'])
        self.assertEqual(
            {'value': '5.14.0-430.el9.x86_64'}, finding['evidence']
        )
        self.assertIsNotNone(finding['uuid'])
        self.assertIsNotNone(finding['changed_at'])

    def test_destroy_host_takes_its_findings_facts_and_row(self):
        self.gather(self.h1, self.h2)
        auditor.audit(self.dbapi, act=False)
        self.dbapi.destroy_host('cmp-2')
        self.assertNotIn(self.h2['uuid'], self.summaries())
        self.assertEqual(
            set(),
            {k for k in self.findings() if k[0] == 'cmp-2'},
        )
        self.assertIsNone(self.dbapi.get_host_facts(self.h2['uuid']))
        self.assertIsNotNone(self.dbapi.get_host_facts(self.h1['uuid']))

    def test_whole_audit_forgets_a_host_gone_another_way(self):
        # The net: a host row gone without destroy_host (a database
        # restored, a hand-made DELETE): the next whole audit finds it
        # from its row of results and deletes its findings, even though
        # nothing else changed.
        self.gather(self.h1, self.h2)
        auditor.audit(self.dbapi, act=False)
        with db_base.writer() as session:
            session.query(models.Host).filter_by(uuid=self.h2['uuid']).delete()
        auditor.audit(self.dbapi, act=False)
        self.assertEqual(
            set(),
            {k for k in self.findings() if k[0] == 'cmp-2'},
        )
        self.assertNotIn(self.h2['uuid'], self.summaries())
        self.assertIn(('cmp-1', 'kernel-patch-level'), self.findings())

    def test_only_the_rules_that_differ_are_compared_and_written(self):
        self.gather(self.h1, self.h2)
        auditor.audit(self.dbapi, act=False)
        known = self.dbapi.get_audit_host_results(self.profile['uuid'])
        self.cloud.update_facts('cmp-1', {'kernel': '5.14.0-430.el9.x86_64'})
        self.gather(self.h1)
        profile = profiles.compile_profile(self.dbapi.get_audit_profile('el9'))
        hosts = self.dbapi.list_hosts()
        stored = self.dbapi.list_host_facts([h['uuid'] for h in hosts])
        texts = {}
        results = auditor.evaluate(profile, hosts, stored, texts, known)
        # cmp-1's kernel line only: its service line and the other hosts
        # are what the last audit recorded.
        self.assertEqual(
            [('cmp-1', 'kernel-patch-level')],
            [(r['host_name'], r['rule']) for r in results],
        )
        self.assertNotEqual(known[self.h1['uuid']], texts[self.h1['uuid']])
        self.assertEqual(known[self.h2['uuid']], texts[self.h2['uuid']])

    def test_a_row_another_audit_wrote_meanwhile_is_not_trusted(self):
        self.gather(self.h1)
        auditor.audit(self.dbapi, act=False)
        profile = self.dbapi.get_audit_profile('el9')
        known = self.dbapi.get_audit_host_results(profile['uuid'])
        # Another audit records cmp-1 between this one's read and write.
        with db_base.writer() as session:
            session.query(models.AuditHostResults).filter_by(
                host_uuid=self.h1['uuid']
            ).update({'results': known[self.h1['uuid']] + '\nx pass 0'})
        self.cloud.update_facts('cmp-1', {'kernel': '5.14.0-503.el9'})
        self.gather(self.h1)
        compiled = profiles.compile_profile(profile)
        stored = self.dbapi.list_host_facts([self.h1['uuid']])
        texts = {}
        results = auditor.evaluate(compiled, [self.h1], stored, texts, known)
        self.assertEqual(['kernel-patch-level'], [r['rule'] for r in results])
        changes = self.dbapi.record_audit_results(
            profile, results, texts=texts, known=known
        )
        # Compared with its finding (a change fail -> pass), and its row
        # dropped: the next audit compares it whole.
        self.assertEqual(
            [('fail', 'pass')],
            [(c['old_result'], c['new_result']) for c in changes],
        )
        self.assertNotIn(self.h1['uuid'], self.summaries())
        self.assertEqual(
            'pass', self.findings()[('cmp-1', 'kernel-patch-level')]['result']
        )
