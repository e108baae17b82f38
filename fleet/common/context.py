"""Request context: who asks, carried from the API through RPC to tasks."""

from oslo_context import context


class RequestContext(context.RequestContext):
    """fleet's context; adds nothing yet but is the one type passed around.

    Usage::

        ctx = RequestContext.from_environ(environ)   # in the API
        admin = get_admin_context()                   # in the conductor
    """

    def to_policy_values(self):
        values = super().to_policy_values()
        values['project_id'] = self.project_id
        return values


def get_admin_context():
    """A context for fleet's own work (periodic tasks, resumed runs)."""
    return RequestContext(
        is_admin=True, roles=['admin', 'member', 'reader'], overwrite=False
    )
