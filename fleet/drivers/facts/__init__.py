"""Facts drivers (namespace ``fleet.facts``): what a host is.

See :class:`fleet.drivers.base.FactsDriver` for the shape of the facts.
"""
