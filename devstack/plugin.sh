#!/bin/bash
#
# DevStack plugin of fleet: installs, configures and runs fleet-api and
# fleet-conductor.
#
# stack.sh calls it in these phases:
#
# - stack install      install_fleet
# - stack post-config  configure_fleet, configure_nova_for_fleet (Nova's
#                      notifications versioned), create_fleet_accounts
# - stack extra        init_fleet (database schema), start_fleet
# - unstack            stop_fleet
# - clean              cleanup_fleet

# Save trace setting
_XTRACE_FLEET=$(set +o | grep xtrace)
set -o xtrace

function fleet_bin {
    echo "$(get_python_exec_prefix)/$1"
}

# install_fleet - the package and its CLI plugin. uwsgi is DevStack's:
# stack.sh's install_apache_uwsgi installs it (the distribution's, with
# the http and python3 plugins write_uwsgi_config's ini loads) and Apache's
# proxy_uwsgi before any plugin's install phase; a pip-installed uwsgi
# first on the PATH has no such plugins.
function install_fleet {
    setup_develop "$FLEET_DIR" "$FLEET_EXTRAS"
}

# configure_fleet - write $FLEET_CONF and the API's WSGI files
function configure_fleet {
    sudo install -d -o "$STACK_USER" "$FLEET_CONF_DIR" "$FLEET_STATE_PATH"
    sudo install -d -o "$STACK_USER" -m 700 "$FLEET_AUTH_CACHE_DIR"
    rm -f "$FLEET_CONF"

    iniset "$FLEET_CONF" DEFAULT debug "$ENABLE_DEBUG_LOG_LEVEL"
    iniset "$FLEET_CONF" DEFAULT host "$(hostname)"
    iniset_rpc_backend fleet "$FLEET_CONF"
    iniset "$FLEET_CONF" oslo_messaging_notifications driver messagingv2
    iniset "$FLEET_CONF" database connection "$(database_connection_url fleet)"

    iniset "$FLEET_CONF" api host_ip "$FLEET_SERVICE_HOST"
    iniset "$FLEET_CONF" api port "$FLEET_SERVICE_PORT"
    iniset "$FLEET_CONF" api auth_strategy keystone
    iniset "$FLEET_CONF" api workers "$API_WORKERS"
    configure_keystone_authtoken_middleware "$FLEET_CONF" fleet \
        keystone_authtoken "$FLEET_SERVICE_TYPE"
    iniset "$FLEET_CONF" keystone_authtoken service_token_roles_required True
    iniset "$FLEET_CONF" oslo_policy enforce_scope False

    iniset "$FLEET_CONF" drivers compute "$FLEET_COMPUTE_DRIVER"
    iniset "$FLEET_CONF" drivers inventory "$FLEET_INVENTORY_DRIVERS"
    iniset "$FLEET_CONF" drivers executor "$FLEET_EXECUTOR_DRIVERS"

    # Runs name actions of this catalog; the shipped examples to start.
    install -d "$FLEET_ACTIONS_DIR"
    cp -r "$FLEET_DIR"/etc/fleet/actions/. "$FLEET_ACTIONS_DIR"/
    iniset "$FLEET_CONF" executor actions_dir "$FLEET_ACTIONS_DIR"

    # CADF audit trail of every write, on the notification bus.
    cp "$FLEET_DIR/etc/fleet/api_audit_map.conf" "$FLEET_CONF_DIR/"
    iniset "$FLEET_CONF" audit enabled "$FLEET_AUDIT_ENABLED"
    iniset "$FLEET_CONF" audit audit_map_file \
        "$FLEET_CONF_DIR/api_audit_map.conf"

    # fleet acts on Nova as its own service user (admin role: it disables
    # compute services and migrates other projects' instances).
    iniset "$FLEET_CONF" nova auth_type password
    iniset "$FLEET_CONF" nova auth_url "$KEYSTONE_SERVICE_URI"
    iniset "$FLEET_CONF" nova username fleet
    iniset "$FLEET_CONF" nova password "$SERVICE_PASSWORD"
    iniset "$FLEET_CONF" nova project_name "$SERVICE_PROJECT_NAME"
    iniset "$FLEET_CONF" nova user_domain_name "$SERVICE_DOMAIN_NAME"
    iniset "$FLEET_CONF" nova project_domain_name "$SERVICE_DOMAIN_NAME"
    iniset "$FLEET_CONF" nova region_name "$REGION_NAME"

    # Signals -> alerts -> runbooks: Nova's notifications and os-services
    # (the nova driver), host metrics from Prometheus (the prometheus
    # driver, when FLEET_PROMETHEUS_URL is set).
    iniset "$FLEET_CONF" drivers monitoring "$FLEET_MONITORING_DRIVERS"
    if [[ "$FLEET_COMPUTE_DRIVER" == "nova" ]]; then
        # Where Nova publishes (its control_exchange) and what it sends:
        # versioned notifications, see configure_nova_for_fleet.
        iniset "$FLEET_CONF" inventory listen_notifications True
        iniset "$FLEET_CONF" inventory notifications_exchange nova
        iniset "$FLEET_CONF" inventory notifications_topic \
            versioned_notifications
        iniset "$FLEET_CONF" alerts nova_notification_exchange nova
        iniset "$FLEET_CONF" alerts nova_notification_topic \
            versioned_notifications
    fi
    if [[ -n "$FLEET_PROMETHEUS_URL" ]]; then
        iniset "$FLEET_CONF" prometheus url "$FLEET_PROMETHEUS_URL"
        if [[ -n "$FLEET_PROMETHEUS_THRESHOLDS" ]]; then
            iniset "$FLEET_CONF" prometheus thresholds \
                "$FLEET_PROMETHEUS_THRESHOLDS"
        fi
    fi
    # fleet's own metrics (GET /metrics): Prometheus scrapes with this
    # bearer token.
    if [[ -n "$FLEET_METRICS_SCRAPE_TOKEN" ]]; then
        iniset "$FLEET_CONF" metrics scrape_token "$FLEET_METRICS_SCRAPE_TOKEN"
    fi

    if [[ "$FLEET_API_MODE" == "uwsgi" ]]; then
        # DevStack's helper (lib/apache: conf, module path, URL, no http
        # port, application name): uwsgi on a socket behind Apache at
        # /$FLEET_SERVICE_NAME, as every API service of DevStack. It
        # rewrites the file, so the env line comes after.
        write_uwsgi_config "$FLEET_UWSGI_CONF" "$FLEET_UWSGI" \
            "/$FLEET_SERVICE_NAME" "" "fleet-api"
        iniset "$FLEET_UWSGI_CONF" uwsgi env \
            "OS_FLEET_CONFIG_DIR=$FLEET_CONF_DIR"
    fi
}

# configure_nova_for_fleet - Nova's notifications as fleet reads them:
# versioned, through oslo.messaging's messagingv2 driver. nova-compute's
# config ($NOVA_CPU_CONF) is copied from $NOVA_CONF when computes start.
function configure_nova_for_fleet {
    iniset "$NOVA_CONF" notifications notification_format versioned
    iniset "$NOVA_CONF" oslo_messaging_notifications driver messagingv2
    # Instance state changes (ERROR, migrations) reach the inventory.
    iniset "$NOVA_CONF" notifications notify_on_state_change \
        vm_and_task_state
}

# fleet_endpoint_url - the URL of fleet-api in the service catalog
function fleet_endpoint_url {
    if [[ "$FLEET_API_MODE" == "uwsgi" ]]; then
        echo "$FLEET_SERVICE_PROTOCOL://$FLEET_SERVICE_HOST/$FLEET_SERVICE_NAME"
    else
        echo "$FLEET_SERVICE_PROTOCOL://$FLEET_SERVICE_HOST:$FLEET_SERVICE_PORT"
    fi
}

# create_fleet_accounts - the fleet service user, service and endpoint
function create_fleet_accounts {
    create_service_user fleet admin
    # The read-only operator persona of fleet's default policy.
    get_or_create_role fleet_observer
    get_or_create_service "$FLEET_SERVICE_NAME" "$FLEET_SERVICE_TYPE" \
        "OpenStack fleet management"
    get_or_create_endpoint "$FLEET_SERVICE_TYPE" "$REGION_NAME" \
        "$(fleet_endpoint_url)"
}

# init_fleet - (re)create the database and its schema
function init_fleet {
    recreate_database fleet
    "$(fleet_bin fleet-dbsync)" --config-file "$FLEET_CONF" upgrade \
        || die $LINENO "fleet-dbsync upgrade failed"
}

# start_fleet - start the conductor and the API; wait for the API
function start_fleet {
    run_process fleet-conductor \
        "$(fleet_bin fleet-conductor) --config-file $FLEET_CONF"
    if [[ "$FLEET_API_MODE" == "uwsgi" ]]; then
        run_process fleet-api "$(which uwsgi) --procname-prefix fleet \
            --ini $FLEET_UWSGI_CONF"
    else
        run_process fleet-api \
            "$(fleet_bin fleet-api) --config-file $FLEET_CONF"
    fi
    local url
    url="$(fleet_endpoint_url)/"
    if ! wait_for_service "$SERVICE_TIMEOUT" "$url"; then
        die $LINENO "fleet-api did not start at $url"
    fi
}

# stop_fleet - stop what start_fleet started
function stop_fleet {
    stop_process fleet-api
    stop_process fleet-conductor
}

# cleanup_fleet - remove what configure_fleet wrote
function cleanup_fleet {
    sudo rm -rf "$FLEET_CONF_DIR" "$FLEET_AUTH_CACHE_DIR" "$FLEET_STATE_PATH"
    if [[ "$FLEET_API_MODE" == "uwsgi" ]]; then
        remove_uwsgi_config "$FLEET_UWSGI_CONF" "fleet-api"
    fi
}

# The Horizon plugin (fleet_dashboard, part of the fleet package that
# install_fleet set up): copy its enabled files into Horizon and rebuild
# Horizon's static files. Only when Horizon is enabled.
function configure_fleet_dashboard {
    local enabled=$HORIZON_DIR/openstack_dashboard/local/enabled
    cp -a "$FLEET_DIR"/fleet_dashboard/enabled/_90*_fleet_*.py "$enabled"/
    (cd "$HORIZON_DIR" && $PYTHON manage.py collectstatic --noinput \
        && $PYTHON manage.py compress --force)
}

function cleanup_fleet_dashboard {
    rm -f "$HORIZON_DIR"/openstack_dashboard/local/enabled/_90*_fleet_*.py
}

if is_service_enabled fleet-api fleet-conductor; then
    if [[ "$1" == "stack" && "$2" == "install" ]]; then
        echo_summary "Installing fleet"
        install_fleet
    elif [[ "$1" == "stack" && "$2" == "post-config" ]]; then
        echo_summary "Configuring fleet"
        configure_fleet
        if is_service_enabled n-api n-cpu; then
            configure_nova_for_fleet
        fi
        if is_service_enabled keystone; then
            create_fleet_accounts
        fi
        if is_service_enabled horizon; then
            echo_summary "Enabling the fleet dashboard in Horizon"
            configure_fleet_dashboard
        fi
    elif [[ "$1" == "stack" && "$2" == "extra" ]]; then
        echo_summary "Initializing and starting fleet"
        init_fleet
        start_fleet
    fi

    if [[ "$1" == "unstack" ]]; then
        stop_fleet
        if is_service_enabled horizon; then
            cleanup_fleet_dashboard
        fi
    fi

    if [[ "$1" == "clean" ]]; then
        cleanup_fleet
    fi
fi

# Restore xtrace
$_XTRACE_FLEET
