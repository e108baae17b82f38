# The tests run fleet as production does, without eventlet: select
# oslo.service's threading backend before anything imports
# oslo_service.service (see fleet/cmd/__init__.py).
from oslo_service import backend

backend.init_backend(backend.BackendType.THREADING)
