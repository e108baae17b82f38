"""fleet's minicloud: a real OpenStack control plane on loopback for tests.

Run it through the ``tools/minicloud/minicloud`` script.
"""
