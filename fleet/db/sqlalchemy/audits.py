"""SQLAlchemy side of audits (host facts, profiles, findings and their
history), mixed into :class:`fleet.db.sqlalchemy.api.Connection`.

Recording an audit is built for a large fleet: one transaction per
profile reads the findings it may change at once, inserts the new ones
and the changed ones' history in bulk, and stamps the unchanged ones'
``checked_at`` with one UPDATE.
"""

from oslo_db import api as oslo_db_api
from oslo_log import log
from oslo_utils import timeutils
from oslo_utils import uuidutils
import sqlalchemy as sa

from fleet.audits import exception as audit_exc
from fleet.audits import rules as audit_rules
from fleet.db.sqlalchemy import base
from fleet.db.sqlalchemy import models

PROFILE_FILTERS = ('name', 'enabled')
FINDING_FILTERS = (
    'host_uuid',
    'host_name',
    'profile_uuid',
    'profile_name',
    'rule',
    'result',
    'severity',
)
LOG = log.getLogger(__name__)

#: Rows per statement of a bulk write: under every backend's limit of
#: bound parameters.
_CHUNK = 500


_PROFILES = base.NamedRows(
    models.AuditProfile,
    lambda ident: audit_exc.AuditProfileNotFound(profile=ident),
    lambda name: audit_exc.AuditProfileAlreadyExists(name=name),
)


def _group_updates(updates):
    """Updates grouped by the columns they set (one executemany each)."""
    groups = {}
    for update in updates:
        groups.setdefault(tuple(sorted(update)), []).append(update)
    for group in groups.values():
        yield from _chunks(group)


def _chunks(items):
    items = list(items)
    for i in range(0, len(items), _CHUNK):
        yield items[i : i + _CHUNK]


def _findings_upsert(dialect, update):
    """An INSERT of findings that, on their unique key (host, profile,
    rule), sets only the columns of ``update`` (one of
    ``record_audit_results``' updates) instead: the update of many
    findings in one statement. A finding that is missing after all is
    inserted whole rather than silently not updated."""
    # The key columns identify the finding; the others are updated.
    columns = [k for k in update if k not in ('host_uuid', 'rule')]
    stmt, new = base.upsert(dialect, models.AuditFinding.__table__)
    if dialect in ('mysql', 'mariadb'):
        return stmt.on_duplicate_key_update({c: new[c] for c in columns})
    return stmt.on_conflict_do_update(
        index_elements=['host_uuid', 'profile_uuid', 'rule'],
        set_={c: new[c] for c in columns},
    )


def _upsert_row(update, profile, now):
    """The whole row of an update, for :func:`_findings_upsert`."""
    row = dict(
        update,
        uuid=uuidutils.generate_uuid(),
        profile_uuid=profile['uuid'],
        created_at=now,
    )
    row.setdefault('changed_at', now)
    return row


def _select_by_hosts(conn, query, column, host_uuids):
    """The rows of ``query`` (its first column the host uuid) for
    ``host_uuids``: IN lists for a few hosts, one scan (filtered here) for
    a large part of the fleet, which beats thousands of IN lists."""
    if len(host_uuids) <= 4 * _CHUNK:
        for chunk in _chunks(host_uuids):
            yield from conn.execute(query.where(column.in_(chunk)))
        return
    wanted = set(host_uuids)
    for row in conn.execute(query):
        if row[0] in wanted:
            yield row


class AuditConnection:
    """Host facts, audit profiles, findings and their history."""

    # Facts

    @oslo_db_api.retry_on_deadlock
    def set_host_facts(self, host_uuid, host_name, facts, drivers, errors):
        """Store the facts just gathered of a host (replacing the last).

        :returns: the stored row (dict).
        """
        now = timeutils.utcnow()
        with base.writer() as session:
            row = session.execute(
                sa.select(models.HostFacts)
                .filter_by(host_uuid=host_uuid)
                .with_for_update()
            ).scalar_one_or_none()
            if row is None:
                row = models.HostFacts(host_uuid=host_uuid)
                session.add(row)
            row.host_name = host_name
            row.facts = facts
            row.drivers = list(drivers)
            row.errors = errors or {}
            row.gathered_at = now
            session.flush()
            return row.as_dict()

    @oslo_db_api.retry_on_deadlock
    def set_host_facts_errors(self, host_uuid, errors):
        with base.writer() as session:
            row = session.execute(
                sa.select(models.HostFacts)
                .filter_by(host_uuid=host_uuid)
                .with_for_update()
            ).scalar_one_or_none()
            if row is None:
                return None
            row.errors = dict(errors)
            session.flush()
            return row.as_dict()

    def get_host_facts(self, host_uuid):
        """The last facts gathered of a host, or None."""
        with base.reader() as session:
            row = session.execute(
                sa.select(models.HostFacts).filter_by(host_uuid=host_uuid)
            ).scalar_one_or_none()
            return row.as_dict() if row else None

    def list_host_facts(self, host_uuids=None):
        """``{host_uuid: row}`` of the stored facts (of ``host_uuids``,
        or every host)."""
        # Plain rows, no ORM objects: an audit of the fleet reads them all.
        table = models.HostFacts.__table__
        with base.reader() as session:
            conn = session.connection()
            if host_uuids is None:
                rows = conn.execute(sa.select(table)).mappings()
                return {r['host_uuid']: dict(r) for r in rows}
            out = {}
            if len(host_uuids) > 4 * _CHUNK:
                # Most of the fleet: one scan beats many IN lists.
                wanted = set(host_uuids)
                for r in conn.execute(sa.select(table)).mappings():
                    if r['host_uuid'] in wanted:
                        out[r['host_uuid']] = dict(r)
                return out
            for chunk in _chunks(host_uuids):
                rows = conn.execute(
                    sa.select(table).where(table.c.host_uuid.in_(chunk))
                ).mappings()
                out.update({r['host_uuid']: dict(r) for r in rows})
            return out

    # Profiles

    @oslo_db_api.retry_on_deadlock
    def create_audit_profile(self, values):
        """:raises: AuditProfileAlreadyExists"""
        return _PROFILES.create(values)

    def get_audit_profile(self, ident):
        """By uuid or name. :raises: AuditProfileNotFound"""
        return _PROFILES.get(ident)

    def list_audit_profiles(
        self,
        filters=None,
        limit=None,
        marker=None,
        sort_key='id',
        sort_dir='asc',
    ):
        return base.list_rows(
            models.AuditProfile,
            filters,
            PROFILE_FILTERS,
            limit,
            marker,
            sort_key,
            sort_dir,
            'audit profile',
        )

    @oslo_db_api.retry_on_deadlock
    def update_audit_profile(self, ident, values):
        """:raises: AuditProfileNotFound, AuditProfileAlreadyExists"""
        return _PROFILES.update(ident, values)

    @oslo_db_api.retry_on_deadlock
    def destroy_audit_profile(self, ident):
        """Delete a profile and its findings (their history stays).

        :raises: AuditProfileNotFound
        """
        with base.writer() as session:
            row = _PROFILES.one(session, ident)
            session.execute(
                sa.delete(models.AuditFinding).where(
                    models.AuditFinding.profile_uuid == row.uuid
                )
            )
            session.execute(
                sa.delete(models.AuditHostResults).where(
                    models.AuditHostResults.profile_uuid == row.uuid
                )
            )
            session.delete(row)

    # Findings

    def get_audit_host_results(self, profile_uuid, host_uuids=None):
        """``{host_uuid: text}`` of each host's results of a profile as
        the last audit recorded them (see
        :func:`fleet.audits.rules.results_text`)."""
        summaries = models.AuditHostResults.__table__
        query = sa.select(summaries.c.host_uuid, summaries.c.results).where(
            summaries.c.profile_uuid == profile_uuid
        )
        with base.reader() as session:
            conn = session.connection()
            if host_uuids is None:
                return dict(conn.execute(query).all())
            return dict(
                _select_by_hosts(
                    conn, query, summaries.c.host_uuid, sorted(host_uuids)
                )
            )

    @oslo_db_api.retry_on_deadlock
    def record_audit_results(
        self,
        profile,
        results,
        whole=False,
        audited_at=None,
        texts=None,
        checked=None,
        known=None,
    ):
        """Record one audit of ``profile`` on some hosts, in one
        transaction.

        Built for the periodic audit of a whole fleet, where almost
        nothing changes: the findings are read as plain rows (with a
        digest of their evidence, message and severity, so a changed
        evidence is seen without decoding it), only new and changed ones
        are written, and ``checked_at`` of the rest is stamped by host in
        a few UPDATEs.

        :param profile: the profile row (``uuid``, ``name``).
        :param results: dicts ``host_uuid``, ``host_name``, ``rule``,
            ``severity``, ``result``, ``evidence`` (a dict), ``message``,
            optionally ``digest`` (see :func:`fleet.audits.rules.digest`).
        :param whole: the audit covered every host: the profile's
            ``audited_at`` stands for the ``checked_at`` of its findings
            (one UPDATE instead of one per finding), and the findings of
            hosts that no longer exist, or of rules the profile no longer
            has, are deleted. ``results`` may then leave out hosts whose
            facts did not change since the last whole audit.
        :param audited_at: with ``whole``, when the audit read the facts
            (the next audit re-checks what was gathered after it).
        :param texts: ``{host_uuid: text}``, each host's whole results
            as :func:`fleet.audits.rules.results_text` makes it, if the
            caller has them (:func:`fleet.audits.auditor.evaluate` builds
            them cheaply): the rows of results written. Every host of
            ``results`` must be in it; a host in it and not in
            ``results`` had its text change and no result (a rule
            removed).
        :param known: ``{host_uuid: text}`` the caller compared its
            results with, when ``results`` holds only the rules whose
            line differs from it (with ``texts``). A host whose row is
            no longer that text (another audit wrote it meanwhile) is
            compared with its findings instead, and its row is deleted,
            not written: the next audit compares it whole.
        :param checked: the hosts audited, if ``results`` leaves out some
            (those whose results are the recorded ones): without
            ``whole``, their findings are stamped as checked too.
        :returns: the changes of result, as dicts ``finding`` (the row
            after), ``old_result`` (None for a first result) and
            ``new_result``, in the order of ``results``.
        """
        now = timeutils.utcnow()
        table = models.AuditFinding.__table__
        summaries = models.AuditHostResults.__table__
        if texts is None:
            texts = audit_rules.results_text(results)
        host_uuids = sorted(set(texts) | {r['host_uuid'] for r in results})
        stamped = host_uuids if checked is None else sorted(set(checked))
        changes = []
        # Only what tells whether a finding changed: no id, no uuid (two
        # 36-character strings a row, read again for the few that change
        # result), one small tuple per finding.
        columns = (
            table.c.host_uuid,
            table.c.rule,
            table.c.result,
            table.c.digest,
        )
        with base.writer() as session:
            conn = session.connection()
            # What each host gave last time, from its one row of results:
            # a host that gives the same has nothing to write; the
            # findings table is read only for hosts without such a row.
            existing = {}
            same = set()
            # Hosts whose row changed since the caller read it: their
            # results may be partial; compared with their findings.
            moved = set()
            rows = dict(
                _select_by_hosts(
                    conn,
                    sa.select(
                        summaries.c.host_uuid, summaries.c.results
                    ).where(summaries.c.profile_uuid == profile['uuid']),
                    summaries.c.host_uuid,
                    host_uuids,
                )
            )
            for host_uuid in host_uuids:
                text = rows.get(host_uuid)
                if known is not None and known.get(host_uuid) not in (
                    None,
                    text,
                ):
                    moved.add(host_uuid)
                    continue
                if text is None:
                    continue
                if texts.get(host_uuid) == text:
                    same.add(host_uuid)
                    continue
                try:
                    existing[host_uuid] = audit_rules.parse_results_text(text)
                except ValueError:
                    LOG.warning(
                        'Audit results of host %s (profile %s) cannot be '
                        'read; its findings are read instead.',
                        host_uuid,
                        profile['name'],
                    )
            if same:
                results = [r for r in results if r['host_uuid'] not in same]
            todo_hosts = sorted(set(texts) - same)
            unknown = sorted(set(todo_hosts) - set(existing))
            if unknown:
                for host_uuid, rule, result, digest in _select_by_hosts(
                    conn,
                    sa.select(*columns).where(
                        table.c.profile_uuid == profile['uuid']
                    ),
                    table.c.host_uuid,
                    unknown,
                ):
                    by_rule = existing.get(host_uuid)
                    if by_rule is None:
                        by_rule = existing[host_uuid] = {}
                    by_rule[rule] = (result, digest)
            new_rows = []
            updates = []
            # (result dict, old result, digest) of the findings whose
            # result changed: their uuid is read below.
            changed = []
            no_rules = {}
            for r in results:
                row = existing.get(r['host_uuid'], no_rules).get(r['rule'])
                digest = r.get('digest') or audit_rules.digest(
                    r['severity'], r['message'], r['evidence']
                )
                if row is not None and (
                    row[0] == r['result'] and row[1] == digest
                ):
                    continue
                values = {
                    'host_name': r['host_name'],
                    'severity': r['severity'],
                    'result': r['result'],
                    'evidence': r['evidence'],
                    'message': r['message'],
                    'digest': digest,
                    'checked_at': now,
                }
                if row is None:
                    new_rows.append(
                        dict(
                            values,
                            uuid=uuidutils.generate_uuid(),
                            host_uuid=r['host_uuid'],
                            profile_uuid=profile['uuid'],
                            profile_name=profile['name'],
                            rule=r['rule'],
                            changed_at=now,
                            created_at=now,
                        )
                    )
                    changed.append((r, None, new_rows[-1]['uuid']))
                    continue
                update = dict(
                    values,
                    host_uuid=r['host_uuid'],
                    rule=r['rule'],
                    profile_name=profile['name'],
                    updated_at=now,
                )
                if row[0] != r['result']:
                    update['changed_at'] = now
                    changed.append((r, row[0], None))
                # else: same result, other evidence: not a change of
                # result, its time stays.
                updates.append(update)
            # The uuids of updated findings whose result changed.
            wanted = {}
            for r, _old, uuid in changed:
                if uuid is None:
                    wanted.setdefault(r['host_uuid'], set()).add(r['rule'])
            uuids = {}
            for chunk in _chunks(sorted(wanted)):
                for host_uuid, rule, uuid in conn.execute(
                    sa.select(table.c.host_uuid, table.c.rule, table.c.uuid)
                    .where(table.c.profile_uuid == profile['uuid'])
                    .where(table.c.host_uuid.in_(chunk))
                ):
                    if rule in wanted[host_uuid]:
                        uuids[(host_uuid, rule)] = uuid
            events = []
            for r, old, uuid in changed:
                after = {
                    'uuid': uuid or uuids[(r['host_uuid'], r['rule'])],
                    'host_uuid': r['host_uuid'],
                    'host_name': r['host_name'],
                    'profile_uuid': profile['uuid'],
                    'profile_name': profile['name'],
                    'rule': r['rule'],
                    'severity': r['severity'],
                    'result': r['result'],
                    'evidence': r['evidence'],
                    'message': r['message'],
                    'digest': r.get('digest')
                    or audit_rules.digest(
                        r['severity'], r['message'], r['evidence']
                    ),
                    'checked_at': now,
                    'changed_at': now,
                }
                events.append(
                    {
                        'finding_uuid': after['uuid'],
                        'host_uuid': r['host_uuid'],
                        'profile_name': profile['name'],
                        'rule': r['rule'],
                        'old_result': old,
                        'new_result': r['result'],
                        'evidence': r['evidence'],
                        'message': r['message'],
                        'created_at': now,
                    }
                )
                changes.append(
                    {
                        'finding': after,
                        'old_result': old,
                        'new_result': r['result'],
                    }
                )
            if whole:
                # Findings of hosts that are gone, found from their rows
                # of results (a 10,000-row read, not a scan of every
                # finding; destroy_host deletes both already, this is
                # the net), and of rules the profile no longer has, only
                # when its rules changed since its last whole audit.
                gone = [
                    host_uuid
                    for (host_uuid,) in conn.execute(
                        sa.select(summaries.c.host_uuid).where(
                            summaries.c.profile_uuid == profile['uuid'],
                            ~summaries.c.host_uuid.in_(
                                sa.select(models.Host.__table__.c.uuid)
                            ),
                        )
                    )
                ]
                for chunk in _chunks(gone):
                    for t in (table, summaries):
                        conn.execute(
                            sa.delete(t).where(
                                t.c.profile_uuid == profile['uuid'],
                                t.c.host_uuid.in_(chunk),
                            )
                        )
                if profile.get('audited_digest') != audit_rules.profile_digest(
                    profile
                ):
                    rules = [r['name'] for r in profile.get('rules') or []]
                    conn.execute(
                        sa.delete(table).where(
                            table.c.profile_uuid == profile['uuid'],
                            ~table.c.rule.in_(rules),
                        )
                    )
            for chunk in _chunks(new_rows):
                conn.execute(sa.insert(table), chunk)
            # The results of the hosts whose findings were written.
            for chunk in _chunks(todo_hosts):
                conn.execute(
                    sa.delete(summaries).where(
                        summaries.c.profile_uuid == profile['uuid'],
                        summaries.c.host_uuid.in_(chunk),
                    )
                )
                written = [
                    {
                        'profile_uuid': profile['uuid'],
                        'host_uuid': host_uuid,
                        'results': texts[host_uuid],
                        'created_at': now,
                    }
                    for host_uuid in chunk
                    if host_uuid not in moved
                ]
                if written:
                    conn.execute(sa.insert(summaries), written)
            if moved:
                LOG.info(
                    'Audit of profile %s: the results of %d host(s) were '
                    'recorded by another audit meanwhile; compared with '
                    'their findings, and compared whole next time.',
                    profile['name'],
                    len(moved),
                )
            # One multi-row upsert a chunk, by the unique key (host,
            # profile, rule), not one UPDATE a finding (10,000 round trips
            # on MariaDB).
            for group in _group_updates(updates):
                conn.execute(
                    _findings_upsert(conn.dialect.name, group[0]),
                    [_upsert_row(u, profile, now) for u in group],
                )
            if whole:
                conn.execute(
                    sa.update(models.AuditProfile.__table__)
                    .where(
                        models.AuditProfile.__table__.c.uuid == profile['uuid']
                    )
                    .values(
                        audited_at=audited_at or now,
                        audited_digest=audit_rules.profile_digest(profile),
                    )
                )
            else:
                for chunk in _chunks(stamped):
                    conn.execute(
                        sa.update(table)
                        .where(
                            table.c.profile_uuid == profile['uuid'],
                            table.c.host_uuid.in_(chunk),
                        )
                        .values(checked_at=now)
                    )
            for chunk in _chunks(events):
                conn.execute(
                    sa.insert(models.AuditFindingEvent.__table__), chunk
                )
        return changes

    @oslo_db_api.retry_on_deadlock
    def add_audit_history(self, entries):
        """Record audit lines in hosts' histories, in one transaction.

        :param entries: dicts ``host_uuid``, ``host_name``, ``changes``,
            ``reason``.
        """
        now = timeutils.utcnow()
        rows = [
            {
                'host_uuid': e['host_uuid'],
                'host_name': e['host_name'],
                'action': 'audit',
                'source': 'audit',
                'reason': e.get('reason'),
                'changes': e['changes'],
                'created_at': now,
            }
            for e in entries
        ]
        with base.writer() as session:
            conn = session.connection()
            for chunk in _chunks(rows):
                conn.execute(sa.insert(models.HostHistory.__table__), chunk)

    @staticmethod
    def _checked(session, findings):
        """Findings with ``checked_at`` from their profile's last audit
        of every host, when later than their own."""
        audited = dict(
            session.execute(
                sa.select(
                    models.AuditProfile.uuid, models.AuditProfile.audited_at
                )
            ).all()
        )
        for finding in findings:
            at = audited.get(finding['profile_uuid'])
            if at is not None and at > finding['checked_at']:
                finding['checked_at'] = at
        return findings

    def get_audit_finding(self, uuid):
        """:raises: FindingNotFound"""
        with base.reader() as session:
            row = session.execute(
                sa.select(models.AuditFinding).filter_by(uuid=uuid)
            ).scalar_one_or_none()
            if row is None:
                raise audit_exc.FindingNotFound(finding=uuid)
            return self._checked(session, [row.as_dict()])[0]

    def list_audit_findings(
        self,
        filters=None,
        since=None,
        limit=None,
        marker=None,
        sort_key='id',
        sort_dir='asc',
    ):
        """Findings matching ``filters`` (see FINDING_FILTERS) whose
        result changed at or after ``since``, one page."""
        with base.reader() as session:
            query = base.apply_filters(
                sa.select(models.AuditFinding),
                models.AuditFinding,
                filters,
                FINDING_FILTERS,
            )
            if since is not None:
                query = query.where(models.AuditFinding.changed_at >= since)
            return self._checked(
                session,
                base.paginate(
                    session,
                    models.AuditFinding,
                    query,
                    limit,
                    marker,
                    sort_key,
                    sort_dir,
                    'finding',
                ),
            )

    def list_audit_finding_events(
        self, finding_uuid=None, host_uuid=None, since=None, limit=None
    ):
        """History of findings (of one finding or host), oldest first."""
        with base.reader() as session:
            query = sa.select(models.AuditFindingEvent)
            if finding_uuid:
                query = query.filter_by(finding_uuid=finding_uuid)
            if host_uuid:
                query = query.filter_by(host_uuid=host_uuid)
            if since is not None:
                query = query.where(
                    models.AuditFindingEvent.created_at >= since
                )
            query = query.order_by(models.AuditFindingEvent.id)
            if limit:
                query = query.limit(limit)
            return [r.as_dict() for r in session.execute(query).scalars()]

    def audit_compliance(self, profile_uuid):
        """Counts of hosts per rule, result and availability zone.

        :returns: ``[{'rule', 'result', 'availability_zone', 'hosts'}]``.
        """
        finding, host = models.AuditFinding, models.Host
        with base.reader() as session:
            query = (
                sa.select(
                    finding.rule,
                    finding.result,
                    host.availability_zone,
                    sa.func.count(finding.id),
                )
                .select_from(finding)
                .outerjoin(host, host.uuid == finding.host_uuid)
                .where(finding.profile_uuid == profile_uuid)
                .group_by(finding.rule, finding.result, host.availability_zone)
            )
            return [
                {
                    'rule': rule,
                    'result': result,
                    'availability_zone': az,
                    'hosts': count,
                }
                for rule, result, az, count in session.execute(query)
            ]
