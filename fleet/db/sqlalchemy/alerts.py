"""SQLAlchemy side of alerts and runbooks, mixed into
:class:`fleet.db.sqlalchemy.api.Connection`.

Kept apart from the hosts and executions code so each file stays small;
it shares the transaction helpers of :mod:`fleet.db.sqlalchemy.base`.
"""

from oslo_db import api as oslo_db_api
from oslo_db import exception as db_exc
from oslo_utils import timeutils
from oslo_utils import uuidutils
import sqlalchemy as sa

from fleet.common import alert_states
from fleet.common import exception as alert_exc
from fleet.db.sqlalchemy import base
from fleet.db.sqlalchemy import models

ALERT_FILTERS = ('name', 'state', 'severity', 'source', 'host_uuid')
RUNBOOK_FILTERS = ('name', 'enabled')
#: Events that count for a runbook's threshold.
OCCURRENCE = 'occurrence'


_RUNBOOKS = base.NamedRows(
    models.Runbook,
    lambda ident: alert_exc.RunbookNotFound(runbook=ident),
    lambda name: alert_exc.RunbookAlreadyExists(name=name),
)


class AlertConnection:
    """Alerts, their history, runbooks and runbook actions."""

    # Alerts

    # Two conductors hearing the same occurrence (a compute seen down by
    # both polls) race to insert the same alert or occurrence row: the
    # loser's transaction fails on the unique constraint and, retried,
    # finds the winner's row and counts nothing.
    @oslo_db_api.wrap_db_retry(
        max_retries=3,
        retry_on_deadlock=True,
        exception_checker=lambda e: isinstance(e, db_exc.DBDuplicateEntry),
    )
    def ingest_alerts(self, signals):
        """Record signals in ONE transaction: all or nothing.

        Each signal is a dict with ``fingerprint``, ``name``, ``source``,
        ``severity``, ``status`` (firing / resolved), ``labels``,
        ``annotations``, ``host_uuid``, ``host_name``, ``occurrence_key``
        (a signal whose key this alert already has is a duplicate: it
        refreshes ``last_seen`` only), ``at`` (when it happened) and
        ``silence`` (``None`` or the reason to silence it now).

        :returns: one dict per signal: ``alert`` (the row after),
            ``new`` (a distinct occurrence was recorded), ``raised`` (it
            went from nothing/resolved to firing), ``resolved``.
        """
        now = timeutils.utcnow()
        results = []
        with base.writer() as session:
            for signal in signals:
                results.append(self._ingest_one(session, signal, now))
            session.flush()
            return [dict(r, alert=r['alert'].as_dict()) for r in results]

    def _ingest_one(self, session, signal, now):
        alert = session.execute(
            sa.select(models.Alert)
            .filter_by(fingerprint=signal['fingerprint'])
            .with_for_update()
        ).scalar_one_or_none()
        at = signal.get('at') or now
        result = {'new': False, 'raised': False, 'resolved': False}
        firing = signal['status'] == alert_states.FIRING
        if alert is None:
            if not firing:
                # A resolve for an alert never seen firing: nothing to
                # resolve, nothing recorded.
                result['alert'] = models.Alert(
                    uuid=None, fingerprint=signal['fingerprint'], count=0
                )
                result['ignored'] = True
                return result
            alert = models.Alert(
                uuid=uuidutils.generate_uuid(),
                fingerprint=signal['fingerprint'],
                name=signal['name'],
                source=signal['source'],
                severity=signal['severity'],
                state=alert_states.FIRING,
                host_uuid=signal.get('host_uuid'),
                host_name=signal.get('host_name'),
                labels=signal.get('labels') or {},
                annotations=signal.get('annotations') or {},
                count=0,
                first_seen=at,
                last_seen=at,
            )
            session.add(alert)
            session.flush()
            result['raised'] = True
        key = signal.get('occurrence_key') or uuidutils.generate_uuid()
        if firing:
            seen = session.execute(
                sa.select(models.AlertEvent.id).filter_by(
                    alert_id=alert.id, occurrence_key=key
                )
            ).first()
            alert.last_seen = max(alert.last_seen, at)
            if seen is None:
                result['new'] = True
                alert.count = (alert.count or 0) + 1
                if alert.state == alert_states.RESOLVED:
                    result['raised'] = True
                    alert.state = alert_states.FIRING
                    alert.resolved_at = None
                    alert.acknowledged_by = None
                session.add(
                    models.AlertEvent(
                        alert_id=alert.id,
                        kind=OCCURRENCE,
                        occurrence_key=key,
                        message=f'{signal["source"]}: firing',
                        details={'at': at.isoformat() + 'Z'},
                    )
                )
            alert.labels = signal.get('labels') or alert.labels
            alert.annotations = signal.get('annotations') or alert.annotations
            alert.severity = signal['severity']
            silence = signal.get('silence')
            if (
                not silence
                and alert.state == alert_states.SILENCED
                and (
                    alert.silenced_until is None or alert.silenced_until <= now
                )
            ):
                # The host is back or the silence expired: it fires again.
                alert.state = alert_states.FIRING
                alert.silenced_until = None
                alert.silence_reason = None
                result['raised'] = True
            if silence and alert.state in (
                alert_states.FIRING,
                alert_states.ACKNOWLEDGED,
            ):
                alert.state = alert_states.SILENCED
                alert.silence_reason = silence
                session.add(
                    models.AlertEvent(
                        alert_id=alert.id,
                        kind='silenced',
                        message=f'Silenced: {silence}',
                        details={},
                    )
                )
        elif alert.state != alert_states.RESOLVED:
            alert.state = alert_states.RESOLVED
            alert.resolved_at = at
            alert.last_seen = max(alert.last_seen, at)
            result['resolved'] = True
            session.add(
                models.AlertEvent(
                    alert_id=alert.id,
                    kind='resolved',
                    message=f'{signal["source"]}: resolved',
                    details={'at': at.isoformat() + 'Z'},
                )
            )
        result['alert'] = alert
        return result

    def _get_alert(self, session, uuid, for_update=False):
        query = sa.select(models.Alert).filter_by(uuid=uuid)
        if for_update:
            query = query.with_for_update()
        alert = session.execute(query).scalar_one_or_none()
        if alert is None:
            raise alert_exc.AlertNotFound(alert=uuid)
        return alert

    def get_alert(self, uuid):
        """:raises: AlertNotFound"""
        with base.reader() as session:
            return self._get_alert(session, uuid).as_dict()

    def list_alerts(
        self,
        filters=None,
        limit=None,
        marker=None,
        sort_key='id',
        sort_dir='asc',
    ):
        return base.list_rows(
            models.Alert,
            filters,
            ALERT_FILTERS,
            limit,
            marker,
            sort_key,
            sort_dir,
            'alert',
        )

    @oslo_db_api.retry_on_deadlock
    def update_alert(self, uuid, values, message, kind='update', details=None):
        """Change an alert and record why in its history."""
        with base.writer() as session:
            alert = self._get_alert(session, uuid, for_update=True)
            alert.update(values)
            session.add(
                models.AlertEvent(
                    alert_id=alert.id,
                    kind=kind,
                    message=message,
                    details=details or {},
                )
            )
            session.flush()
            return alert.as_dict()

    @oslo_db_api.retry_on_deadlock
    def add_alert_event(self, uuid, kind, message, details=None):
        with base.writer() as session:
            alert = self._get_alert(session, uuid)
            session.add(
                models.AlertEvent(
                    alert_id=alert.id,
                    kind=kind,
                    message=message,
                    details=details or {},
                )
            )

    def list_alert_events(self, uuid):
        """An alert's history, oldest first."""
        with base.reader() as session:
            alert = self._get_alert(session, uuid)
            query = (
                sa.select(models.AlertEvent)
                .filter_by(alert_id=alert.id)
                .order_by(models.AlertEvent.id)
            )
            return [e.as_dict() for e in session.execute(query).scalars()]

    def count_alert_occurrences(self, uuid, since):
        """Distinct occurrences of an alert recorded since ``since``."""
        with base.reader() as session:
            alert = self._get_alert(session, uuid)
            return session.execute(
                sa.select(sa.func.count(models.AlertEvent.id))
                .filter_by(alert_id=alert.id, kind=OCCURRENCE)
                .where(models.AlertEvent.created_at >= since)
            ).scalar_one()

    # Runbooks

    @oslo_db_api.retry_on_deadlock
    def create_runbook(self, values):
        """:raises: RunbookAlreadyExists"""
        return _RUNBOOKS.create(values)

    def get_runbook(self, ident):
        """By uuid or name. :raises: RunbookNotFound"""
        return _RUNBOOKS.get(ident)

    def list_runbooks(
        self,
        filters=None,
        limit=None,
        marker=None,
        sort_key='id',
        sort_dir='asc',
    ):
        return base.list_rows(
            models.Runbook,
            filters,
            RUNBOOK_FILTERS,
            limit,
            marker,
            sort_key,
            sort_dir,
            'runbook',
        )

    @oslo_db_api.retry_on_deadlock
    def update_runbook(self, ident, values):
        """:raises: RunbookNotFound, RunbookAlreadyExists"""
        return _RUNBOOKS.update(ident, values)

    @oslo_db_api.retry_on_deadlock
    def destroy_runbook(self, ident):
        with base.writer() as session:
            runbook = _RUNBOOKS.one(session, ident)
            session.execute(
                sa.delete(models.RunbookAction).filter_by(
                    runbook_id=runbook.id
                )
            )
            session.delete(runbook)

    @oslo_db_api.retry_on_deadlock
    def add_runbook_action(self, runbook_uuid, values):
        """Record what a runbook did (``action``: execution, handoff,
        skipped, ...) and return it."""
        with base.writer() as session:
            runbook = _RUNBOOKS.one(session, runbook_uuid)
            action = models.RunbookAction(runbook_id=runbook.id)
            action.update(dict(values, details=values.get('details') or {}))
            session.add(action)
            session.flush()
            return action.as_dict()

    def last_runbook_action(self, runbook_uuid, host_uuid, actions, since):
        """The newest action of ``actions`` a runbook took on a host since
        ``since``, or None (the cooldown check)."""
        with base.reader() as session:
            runbook = _RUNBOOKS.one(session, runbook_uuid)
            row = session.execute(
                sa.select(models.RunbookAction)
                .filter_by(runbook_id=runbook.id, host_uuid=host_uuid)
                .where(models.RunbookAction.action.in_(list(actions)))
                .where(models.RunbookAction.created_at >= since)
                .order_by(models.RunbookAction.id.desc())
                .limit(1)
            ).scalar_one_or_none()
            return row.as_dict() if row is not None else None

    def list_runbook_actions(self, runbook_uuid, limit=50):
        """A runbook's latest actions, newest first."""
        with base.reader() as session:
            runbook = _RUNBOOKS.one(session, runbook_uuid)
            query = (
                sa.select(models.RunbookAction)
                .filter_by(runbook_id=runbook.id)
                .order_by(models.RunbookAction.id.desc())
                .limit(limit)
            )
            return [a.as_dict() for a in session.execute(query).scalars()]
