"""SQLAlchemy side of the inventory: host history, places and instances,
mixed into :class:`fleet.db.sqlalchemy.api.Connection`.

Kept apart from the hosts and executions code so each file stays small;
it shares the transaction helpers of :mod:`fleet.db.sqlalchemy.base`.
"""

from oslo_db import api as oslo_db_api
from oslo_db import exception as db_exc
from oslo_utils import uuidutils
import sqlalchemy as sa

from fleet.common import exception
from fleet.db.sqlalchemy import base
from fleet.db.sqlalchemy import models

PLACE_FILTERS = ('name', 'kind', 'parent_uuid', 'source')
INSTANCE_FILTERS = ('host', 'status', 'project_id', 'source')


class InventoryConnection:
    """Host history, places and host instances."""

    # Host history

    @oslo_db_api.retry_on_deadlock
    def add_host_history(self, ident, action, changes=None, history=None):
        with base.writer() as session:
            host = session.execute(
                base.host_query(session, ident)
            ).scalar_one_or_none()
            if host is None:
                raise exception.HostNotFound(host=ident)
            base.add_history(session, host, action, changes or {}, history)

    def list_host_history(self, ident, limit=None):
        with base.reader() as session:
            host = session.execute(
                base.host_query(session, ident)
            ).scalar_one_or_none()
            # A deleted host's history stays readable by uuid.
            uuid = host.uuid if host is not None else ident
            query = (
                sa.select(models.HostHistory)
                .filter_by(host_uuid=uuid)
                .order_by(models.HostHistory.id.desc())
            )
            if limit:
                query = query.limit(limit)
            rows = [r.as_dict() for r in session.execute(query).scalars()]
            if host is None and not rows:
                raise exception.HostNotFound(host=ident)
            return rows

    # Places

    def _place_query(self, ident, kind=None):
        query = sa.select(models.Place)
        if uuidutils.is_uuid_like(ident):
            return query.filter_by(uuid=ident)
        query = query.filter_by(name=ident)
        if kind is not None:
            query = query.filter_by(kind=kind)
        return query

    def _one_place(self, session, ident, kind=None, for_update=False):
        """The one place ``ident`` (and ``kind``) names.

        :raises: PlaceNotFound; PlaceAmbiguous when places of several
            kinds share the name.
        """
        query = self._place_query(ident, kind)
        if for_update:
            query = query.with_for_update()
        places = session.execute(query).scalars().all()
        if not places:
            raise exception.PlaceNotFound(place=ident)
        if len(places) > 1:
            raise exception.PlaceAmbiguous(
                place=ident, kinds=', '.join(sorted(p.kind for p in places))
            )
        return places[0]

    @oslo_db_api.retry_on_deadlock
    def create_place(self, values):
        values = dict(values)
        values.setdefault('uuid', uuidutils.generate_uuid())
        values.setdefault('labels', {})
        values.setdefault('variables', {})
        values.setdefault('source', 'api')
        place = models.Place()
        place.update(values)
        try:
            with base.writer() as session:
                session.add(place)
                session.flush()
                return place.as_dict()
        except db_exc.DBDuplicateEntry as e:
            raise exception.PlaceAlreadyExists(
                kind=values.get('kind'), name=values.get('name')
            ) from e

    def get_place(self, ident, kind=None):
        with base.reader() as session:
            return self._one_place(session, ident, kind).as_dict()

    def list_places(
        self,
        filters=None,
        limit=None,
        marker=None,
        sort_key='id',
        sort_dir='asc',
    ):
        return base.list_rows(
            models.Place,
            filters,
            PLACE_FILTERS,
            limit,
            marker,
            sort_key,
            sort_dir,
            'place',
        )

    @oslo_db_api.retry_on_deadlock
    def update_place(self, ident, values):
        values = dict(values)
        values.pop('uuid', None)
        values.pop('id', None)
        try:
            with base.writer() as session:
                place = self._one_place(session, ident, for_update=True)
                place.update(values)
                session.flush()
                return place.as_dict()
        except db_exc.DBDuplicateEntry as e:
            raise exception.PlaceAlreadyExists(
                kind=values.get('kind'), name=values.get('name')
            ) from e

    @oslo_db_api.retry_on_deadlock
    def destroy_place(self, ident):
        with base.writer() as session:
            place = self._one_place(session, ident, for_update=True)
            session.delete(place)

    # Instances

    def list_instances(self, filters=None):
        with base.reader() as session:
            query = base.apply_filters(
                sa.select(models.HostInstance),
                models.HostInstance,
                filters,
                INSTANCE_FILTERS,
            ).order_by(models.HostInstance.id)
            return [i.as_dict() for i in session.execute(query).scalars()]

    def get_instance(self, uuid):
        with base.reader() as session:
            row = session.execute(
                sa.select(models.HostInstance).filter_by(uuid=uuid)
            ).scalar_one_or_none()
            if row is None:
                raise exception.InstanceNotFound(instance=uuid)
            return row.as_dict()

    @oslo_db_api.retry_on_deadlock
    def apply_instance(self, values, timestamp=None):
        values = dict(values)
        uuid = values['uuid']
        with base.writer() as session:
            row = session.execute(
                sa.select(models.HostInstance)
                .filter_by(uuid=uuid)
                .with_for_update()
            ).scalar_one_or_none()
            if row is None:
                row = models.HostInstance(
                    uuid=uuid,
                    vcpus=0,
                    memory_mb=0,
                    disk_gb=0,
                    source='notification',
                )
                session.add(row)
            elif (
                timestamp is not None
                and row.notified_at is not None
                and timestamp < row.notified_at
            ):
                return None
            old_host = row.host
            values.pop('id', None)
            row.update(values)
            if timestamp is not None:
                row.notified_at = timestamp
            session.flush()
            return {'instance': row.as_dict(), 'old_host': old_host}

    @oslo_db_api.retry_on_deadlock
    def delete_instance(self, uuid, timestamp=None):
        with base.writer() as session:
            row = session.execute(
                sa.select(models.HostInstance)
                .filter_by(uuid=uuid)
                .with_for_update()
            ).scalar_one_or_none()
            if row is None:
                return None
            if (
                timestamp is not None
                and row.notified_at is not None
                and timestamp < row.notified_at
            ):
                return None
            body = row.as_dict()
            session.delete(row)
            return body
