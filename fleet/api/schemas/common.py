"""JSON-schema pieces shared by the request schemas of every resource.

A name or identifier never holds a control character: ``"a\\n"`` would
pass a ``^...$`` pattern alone (``$`` matches before a final newline in
Python's ``re``), and a log line or a terminal showing it would lie.
"""

#: No C0 control character nor DEL anywhere in the string.
NO_CONTROL = {'not': {'pattern': '[\\x00-\\x1f\\x7f]'}}

#: A name: 1 to 255 characters, no control character.
NAME = {'type': 'string', 'minLength': 1, 'maxLength': 255, **NO_CONTROL}
