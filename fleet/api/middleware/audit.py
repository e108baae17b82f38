"""keystonemiddleware's CADF audit middleware, one event per request.

keystonemiddleware notifies twice per request: ``audit.http.request``
(outcome ``pending``) and ``audit.http.response`` (the outcome). An
auditor wants one record per act: fleet sends only the second, which
carries everything the first did plus the outcome and the HTTP status.

It sits inside auth_token, so the initiator is the token's user and
project; pycadf masks the token itself. The target is fleet's service
(from the token's catalog, or ``service/fleet`` at the request's URL
when the catalog has no fleet endpoint), typed by the audit map:
``service/fleet/executions/execution/cancel``; the event's
``requestPath`` names the resource.
"""

import uuid

from keystonemiddleware import audit
from oslo_config import cfg
from pycadf import cadftaxonomy as taxonomy
from pycadf import endpoint

CONF = cfg.CONF
SERVICE_TYPE = 'fleet'


class _AuditApi(audit.OpenStackAuditApi):
    def get_target_resource(self, req):
        target = super().get_target_resource(req)
        if target.typeURI != taxonomy.UNKNOWN:
            return target
        service = audit.Service(
            # A stable UUID of this API (CADF identifiers are UUIDs).
            id=str(uuid.uuid5(uuid.NAMESPACE_URL, req.application_url)),
            name=SERVICE_TYPE,
            type=self._MAP.service_endpoints.get(
                SERVICE_TYPE, 'service/' + SERVICE_TYPE
            ),
            admin_endp=None,
            private_endp=None,
            public_endp=endpoint.Endpoint(
                name='public', url=req.application_url
            ),
        )
        return self._build_target(req, service)


class AuditMiddleware(audit.AuditMiddleware):
    """:raises: OSError if ``[audit] audit_map_file`` cannot be read."""

    def __init__(self, app):
        super().__init__(
            app,
            oslo_config_config=CONF,
            audit_map_file=CONF.audit.audit_map_file,
            ignore_req_list=','.join(CONF.audit.ignore_req_list),
            service_name=SERVICE_TYPE,
        )
        self._cadf_audit = _AuditApi(CONF.audit.audit_map_file, audit._LOG)

    def _process_request(self, request):
        # The event is built (and kept in the environ) now, sent once the
        # response is known. A failure here is retried there.
        try:
            self._create_event(request)
        except Exception:  # noqa: S110
            pass
