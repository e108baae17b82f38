"""The one exception of fleet's client library.

Every failure a caller can meet, an API error document, an unreachable
endpoint or a microversion the server does not offer, is a
:class:`FleetClientError` whose ``str()`` is one line a human can act on::

    try:
        client.hosts.get('nope')
    except exceptions.FleetClientError as e:
        print(e)            # Host nope could not be found. (HTTP 404) ...
        e.status_code       # 404, or None when no HTTP answer came back
"""


class FleetClientError(Exception):
    """An error of the fleet API or of the way to it.

    :param detail: what went wrong, for a human.
    :param status_code: the HTTP status, or None if the server never
        answered.
    :param title: the HTTP reason phrase of the API error document.
    :param request_id: the request id the server logged the error under.
    """

    def __init__(self, detail, status_code=None, title=None, request_id=None):
        super().__init__(detail)
        self.detail = detail
        self.status_code = status_code
        self.title = title
        self.request_id = request_id

    def __str__(self):
        text = self.detail
        if self.status_code is not None:
            text += f' (HTTP {self.status_code})'
        if self.request_id:
            text += f' (Request-ID: {self.request_id})'
        return text


def from_response(response):
    """Build the error a failed response stands for.

    Understands the OpenStack API-SIG error document
    (``{"errors": [{"status", "title", "detail", "request_id"}]}``), the
    older ``{"<name>": {"message": ...}}`` faults some middleware still
    writes, and plain text.

    :param response: a ``requests.Response`` with a 4xx or 5xx status.
    :returns: a :class:`FleetClientError`.
    """
    status = response.status_code
    request_id = response.headers.get(
        'x-openstack-request-id'
    ) or response.headers.get('x-compute-request-id')
    title = response.reason
    detail = None
    try:
        body = response.json()
    except ValueError:
        body = None
    if isinstance(body, dict):
        errors = body.get('errors')
        if isinstance(errors, list) and errors and isinstance(errors[0], dict):
            first = errors[0]
            detail = first.get('detail') or first.get('title')
            title = first.get('title') or title
            request_id = first.get('request_id') or request_id
        elif len(body) == 1:
            fault = next(iter(body.values()))
            if isinstance(fault, dict):
                detail = fault.get('message') or fault.get('detail')
        if detail is None and isinstance(body.get('message'), str):
            detail = body['message']
    if detail is None:
        text = ' '.join((response.text or '').split())
        detail = text[:300] if text else (title or 'Error')
    # One line, whatever the server put in it.
    detail = ' '.join(str(detail).split())
    return FleetClientError(
        detail, status_code=status, title=title, request_id=request_id
    )
