"""The ``openstack fleet ...`` commands: an openstackclient plugin."""
