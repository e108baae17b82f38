from oslo_db import options as db_options

#: The database of fleet-all-in-one only (a file in its working
#: directory). Every other process has no default: it refuses to start
#: without ``[database] connection``, rather than each writing a SQLite
#: file of its own where it happens to run.
EMBEDDED_CONNECTION = 'sqlite:///fleet.sqlite'


def register_opts(conf):
    db_options.set_defaults(conf)


def list_opts():
    # The [database] options belong to oslo.db and are listed by its own
    # namespace in the generator config; nothing fleet-specific here.
    return {}
