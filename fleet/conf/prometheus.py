"""[prometheus]: the "prometheus" monitoring driver (host metrics read
from a Prometheus server's HTTP API, and threshold rules on them)."""

from oslo_config import cfg

group = cfg.OptGroup(
    'prometheus',
    title='Prometheus host metrics',
    help='The "prometheus" monitoring driver ([drivers] monitoring) asks '
    'Prometheus (GET /api/v1/query) for each metric below every '
    'poll_interval seconds, stores the latest value per fleet host (GET '
    '/v1/hosts/{id}/metrics) and raises or resolves HostMetricThreshold '
    'alerts from the threshold rules. A query must return an instant '
    'vector whose series carry host_label; "{{label}}" in a query is replaced '
    'by host_label and "{{window}}" by rate_window. An empty query disables '
    'that metric.',
)

#: (option, metric name, unit, default query, help)
METRICS = (
    (
        'cpu_query',
        'cpu_used_percent',
        'percent',
        '100 * (1 - avg by ({{label}}) '
        '(rate(node_cpu_seconds_total{mode="idle"}[{{window}}])))',
        'CPU in use (node_exporter).',
    ),
    (
        'memory_query',
        'memory_used_percent',
        'percent',
        '100 * (1 - max by ({{label}}) (node_memory_MemAvailable_bytes) '
        '/ max by ({{label}}) (node_memory_MemTotal_bytes))',
        'Memory in use (node_exporter).',
    ),
    (
        'disk_space_query',
        'disk_used_percent',
        'percent',
        '100 * max by ({{label}}) (1 - node_filesystem_avail_bytes'
        '{fstype!~"tmpfs|overlay|squashfs|ramfs"} / node_filesystem_size_bytes'
        '{fstype!~"tmpfs|overlay|squashfs|ramfs"})',
        'Fullest file system (node_exporter).',
    ),
    (
        'disk_io_query',
        'disk_io_bytes_per_second',
        'bytes/s',
        'sum by ({{label}}) (rate(node_disk_read_bytes_total[{{window}}]) '
        '+ rate(node_disk_written_bytes_total[{{window}}]))',
        'Disk reads and writes (node_exporter).',
    ),
    (
        'network_receive_query',
        'network_receive_bytes_per_second',
        'bytes/s',
        'sum by ({{label}}) '
        '(rate(node_network_receive_bytes_total{device!="lo"}[{{window}}]))',
        'Bytes received, all interfaces but loopback (node_exporter).',
    ),
    (
        'network_transmit_query',
        'network_transmit_bytes_per_second',
        'bytes/s',
        'sum by ({{label}}) '
        '(rate(node_network_transmit_bytes_total{device!="lo"}[{{window}}]))',
        'Bytes sent, all interfaces but loopback (node_exporter).',
    ),
    (
        'power_query',
        'power_watts',
        'W',
        'max by ({{label}}) (ipmi_dcmi_power_consumption_watts)',
        'Power drawn (prometheus ipmi_exporter, DCMI).',
    ),
    (
        'temperature_query',
        'temperature_celsius',
        'Cel',
        'max by ({{label}}) (ipmi_temperature_celsius)',
        'Hottest temperature sensor (prometheus ipmi_exporter).',
    ),
)

#: Names of the host metrics, as GET /v1/hosts/{id}/metrics shows them
#: and the host list filters and sorts on them.
METRIC_NAMES = tuple(m[1] for m in METRICS)

opts = [
    cfg.URIOpt(
        'url',
        default='http://127.0.0.1:9090',
        schemes=['http', 'https'],
        help='Base URL of the Prometheus server (its /api/v1/query is '
        'called).',
    ),
    cfg.StrOpt(
        'host_label',
        default='instance',
        help='Series label that names the fleet host. Its value is '
        'matched to a host name after host_label_regex.',
    ),
    cfg.StrOpt(
        'host_label_regex',
        default=r'^\[?([^\]]+?)\]?(:\d+)?$',
        help='Regular expression applied to the host label; its first '
        'group is the fleet host name. The default drops a ":port" '
        'suffix ("compute-1:9100" is host "compute-1").',
    ),
    cfg.StrOpt(
        'rate_window',
        default='2m',
        help='Range of rate() in the default queries ({{window}}); at least '
        'twice the scrape interval.',
    ),
    cfg.IntOpt(
        'poll_interval',
        default=60,
        min=0,
        help='Seconds between two polls of Prometheus. Threshold '
        'occurrences are counted per interval (see thresholds). 0 '
        'disables the poll.',
    ),
    cfg.FloatOpt(
        'timeout',
        default=10.0,
        min=0.1,
        help='Seconds one query may take.',
    ),
    cfg.StrOpt(
        'bearer_token',
        secret=True,
        help='Bearer token sent to Prometheus, if it requires one.',
    ),
    cfg.BoolOpt(
        'verify',
        default=True,
        help='Verify the TLS certificate of an https url.',
    ),
    cfg.ListOpt(
        'thresholds',
        default=None,
        item_type=cfg.types.String(),
        help='Threshold rules "<metric><op><value>:<severity>", e.g. '
        '"disk_used_percent>90:warning,temperature_celsius>=85:critical" '
        '(op one of > >= < <=). A host whose value breaks a rule raises a '
        'HostMetricThreshold alert (labels metric and rule), one '
        'occurrence per poll_interval while it lasts (every conductor '
        'evaluates at the same aligned time, so several count it once); '
        'back within bounds, the alert resolves. Runbooks match them like '
        'any alert.',
    ),
] + [
    cfg.StrOpt(option, default=query, help=f'{text} Metric "{name}" ({unit}).')
    for option, name, unit, query, text in METRICS
]


def register_opts(conf):
    conf.register_group(group)
    conf.register_opts(opts, group=group)


def list_opts():
    return {group: opts}
