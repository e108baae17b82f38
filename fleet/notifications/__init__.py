"""fleet's own versioned notifications.

Each event has a payload class with a name and a version; the message's
payload is ``{"fleet_object.name", "fleet_object.namespace",
"fleet_object.version", "fleet_object.data"}`` as in Nova and Watcher.
A sample of every event is committed in ``doc/notification_samples/``
and a unit test checks the emitted payload has the sample's shape.

Usage::

    from fleet.notifications import alert
    alert.emit(context, 'alert.raise', alert_row)
"""
