# fleet runs without eventlet: select oslo.service's threading backend
# before anything imports oslo_service.service, which otherwise binds the
# eventlet default at import time.
from oslo_service import backend

backend.init_backend(backend.BackendType.THREADING)
