"""oslo.messaging plumbing shared by the API and the conductor.

Usage::

    rpc.init(CONF)
    client = rpc.get_client(target)
    server = rpc.get_server(target, endpoints)
"""

import oslo_messaging as messaging
from oslo_messaging.rpc import dispatcher
from oslo_serialization import jsonutils

from fleet.common import context as fleet_context

TRANSPORT = None
NOTIFICATION_TRANSPORT = None

# Exceptions raised by the conductor come back to the API as themselves, so
# the API can answer 404/409 rather than 500.
ALLOWED_EXMODS = ['fleet.common.exception']


def init(conf):
    global TRANSPORT, NOTIFICATION_TRANSPORT
    if TRANSPORT is None:
        TRANSPORT = messaging.get_rpc_transport(
            conf, allowed_remote_exmods=ALLOWED_EXMODS
        )
    if NOTIFICATION_TRANSPORT is None:
        NOTIFICATION_TRANSPORT = messaging.get_notification_transport(conf)


def cleanup():
    global TRANSPORT, NOTIFICATION_TRANSPORT
    for transport in (TRANSPORT, NOTIFICATION_TRANSPORT):
        if transport is not None:
            transport.cleanup()
    TRANSPORT = NOTIFICATION_TRANSPORT = None


class JsonPayloadSerializer(messaging.NoOpSerializer):
    @staticmethod
    def serialize_entity(context, entity):
        return jsonutils.to_primitive(entity, convert_instances=True)


class RequestContextSerializer(messaging.Serializer):
    """Carries fleet's RequestContext across RPC."""

    def __init__(self, base=None):
        self._base = base or JsonPayloadSerializer()

    def serialize_entity(self, context, entity):
        return self._base.serialize_entity(context, entity)

    def deserialize_entity(self, context, entity):
        return self._base.deserialize_entity(context, entity)

    def serialize_context(self, context):
        return context.to_dict()

    def deserialize_context(self, context):
        return fleet_context.RequestContext.from_dict(context)


def get_client(target, version_cap=None, timeout=None):
    return messaging.get_rpc_client(
        TRANSPORT,
        target,
        version_cap=version_cap,
        timeout=timeout,
        serializer=RequestContextSerializer(),
    )


def get_server(target, endpoints):
    access_policy = dispatcher.DefaultRPCAccessPolicy
    return messaging.get_rpc_server(
        TRANSPORT,
        target,
        endpoints,
        executor='threading',
        serializer=RequestContextSerializer(),
        access_policy=access_policy,
    )
