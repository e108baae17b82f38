# DevStack's functions as fleet's plugin calls them, stubbed for
# test_plugin.py: config writes are real (iniset edits the INI file, as
# DevStack's does), Keystone and process calls are recorded in
# $STUB_LOG. DevStack itself cannot be cloned on the test machine.
#
# Each stub takes the arguments of the real function and fails the run on
# any other count, so a call with a wrong signature fails here, not on a
# DevStack. The signatures are those of openstack/devstack master
# (493835a6, July 2026): inc/ini-config, inc/python, functions,
# functions-common, lib/apache, lib/database, lib/keystone,
# lib/rpc_backend.

function _stub_log { echo "$*" >> "$STUB_LOG"; }

# _stub_args NAME MIN MAX ARG... : fail unless MIN <= count(ARG) <= MAX
# (MAX "-" for no maximum).
function _stub_args {
    local name=$1 min=$2 max=$3
    shift 3
    if (($# < min)) || { [[ "$max" != "-" ]] && (($# > max)); }; then
        _stub_fail "$name takes $min..$max arguments, got $#: $*"
    fi
}

# A wrong call: recorded in $STUB_LOG.errors (a stub run in $(...) exits
# only its subshell) and fatal.
function _stub_fail {
    echo "stub: $*" >&2
    echo "$*" >> "$STUB_LOG.errors"
    exit 97
}

# inc/ini-config: iniset [-sudo] config-file section option value
function iniset {
    if [[ "$1" == "-sudo" ]]; then shift; fi
    _stub_args iniset 4 4 "$@"
    python3 "$STUB_DIR/iniset.py" "$1" "$2" "$3" "$4"
}

# functions-common
function is_service_enabled {
    _stub_args is_service_enabled 1 - "$@"
    local service
    for service in "$@"; do
        if [[ ",$ENABLED_SERVICES," == *",$service,"* ]]; then
            return 0
        fi
        # As DevStack's: "keystone" is enabled by "key", "nova" by n-*.
        if [[ $service == keystone && ",$ENABLED_SERVICES," == *,key,* ]] ||
            [[ $service == nova && ",$ENABLED_SERVICES," == *,n-* ]]; then
            return 0
        fi
    done
    return 1
}
function enable_service {
    _stub_args enable_service 1 - "$@"
    _stub_log "enable_service $*"
}
function define_plugin { _stub_args define_plugin 1 1 "$@"; }
function plugin_requires { _stub_args plugin_requires 2 2 "$@"; }
# trueorfalse default varname: the variable's value normalized, the
# default for an unset or unknown one.
function trueorfalse {
    _stub_args trueorfalse 2 2 "$@"
    local default=$1
    local value=${!2:-}
    case "$value" in
        "1" | [yY]es | "YES" | [tT]rue | "TRUE") echo True ;;
        "0" | [nN]o | "NO" | [fF]alse | "FALSE") echo False ;;
        *) echo "$default" ;;
    esac
}
function sudo { "$@"; }
function echo_summary { _stub_log "echo_summary $*"; }
# die $LINENO message...
function die {
    echo "die: $*" >&2
    exit 1
}
# get_or_create_service name type description
function get_or_create_service {
    _stub_args get_or_create_service 3 3 "$@"
    _stub_log "get_or_create_service $*"
    echo service-id
}
# get_or_create_endpoint service region public-url [admin-url [internal-url]]
function get_or_create_endpoint {
    _stub_args get_or_create_endpoint 3 5 "$@"
    _stub_log "get_or_create_endpoint $*"
    echo endpoint-id
}
# get_or_create_role name
function get_or_create_role {
    _stub_args get_or_create_role 1 1 "$@"
    _stub_log "get_or_create_role $*"
    echo role-id
}
# run_process service command [group [user [env-vars]]]
function run_process {
    _stub_args run_process 2 5 "$@"
    _stub_log "run_process $*"
}
function stop_process {
    _stub_args stop_process 1 1 "$@"
    _stub_log "stop_process $*"
}

# functions: wait_for_service timeout url
function wait_for_service { _stub_args wait_for_service 2 2 "$@"; }

# inc/python
function get_python_exec_prefix {
    _stub_args get_python_exec_prefix 0 0 "$@"
    echo "$STUB_BIN"
}
# setup_develop [-bindep[=profiles]] project-dir [extras]: extras without
# brackets (setup_package adds them).
function setup_develop {
    if [[ $1 == -bindep* ]]; then shift; fi
    _stub_args setup_develop 1 2 "$@"
    if [[ "$2" == *[* ]]; then
        _stub_fail "setup_develop extras go without brackets: $2"
    fi
    _stub_log "setup_develop $*"
}
function pip_install { _stub_log "pip_install $*"; }

# lib/database
function database_connection_url {
    _stub_args database_connection_url 1 1 "$@"
    echo "mysql+pymysql://root:pw@127.0.0.1/$1?charset=utf8"
}
function recreate_database {
    _stub_args recreate_database 1 1 "$@"
    _stub_log "recreate_database $*"
}

# lib/rpc_backend: iniset_rpc_backend package file [section [vhost]]
function iniset_rpc_backend {
    _stub_args iniset_rpc_backend 2 4 "$@"
    iniset "$2" "${3:-DEFAULT}" transport_url \
        "rabbit://stackrabbit:pw@127.0.0.1:5672/"
}

# lib/keystone
# configure_keystone_authtoken_middleware conf-file admin-user [section
# [service-type]]
function configure_keystone_authtoken_middleware {
    _stub_args configure_keystone_authtoken_middleware 2 4 "$@"
    local section=${3:-keystone_authtoken}
    iniset "$1" "$section" auth_type password
    iniset "$1" "$section" username "$2"
    iniset "$1" "$section" www_authenticate_uri "$KEYSTONE_SERVICE_URI"
    if [[ -n "$4" ]]; then
        iniset "$1" "$section" service_type "$4"
    fi
}
# create_service_user name [role]
function create_service_user {
    _stub_args create_service_user 1 2 "$@"
    _stub_log "create_service_user $*"
}

# lib/apache
# write_uwsgi_config conf wsgi url [http [name]]: the file is removed
# first (the real one rm -rf's it), a module path "pkg.mod:app" becomes
# "module" (a file path is deprecated), behind Apache on a socket unless
# http is given.
function write_uwsgi_config {
    _stub_args write_uwsgi_config 3 5 "$@"
    local conf=$1 wsgi=$2 url=$3 http=$4 name=$5
    _stub_log "write_uwsgi_config $*"
    if [[ -z "$name" ]]; then
        name=$(basename "$wsgi")
    fi
    rm -rf "$conf"
    if [[ "$wsgi" =~ ^[a-zA-Z0-9_.]+:[a-zA-Z0-9_]+$ ]]; then
        iniset "$conf" uwsgi module "$wsgi"
    else
        _stub_fail "write_uwsgi_config: a WSGI file is deprecated: $wsgi"
    fi
    iniset "$conf" uwsgi processes "$API_WORKERS"
    iniset "$conf" uwsgi master true
    iniset "$conf" uwsgi plugins http,python3
    if [[ -n "$http" ]]; then
        iniset "$conf" uwsgi http "$http"
    else
        iniset "$conf" uwsgi socket "/var/run/uwsgi/${name}.socket"
        _stub_log "apache ProxyPass $url unix:/var/run/uwsgi/${name}.socket"
    fi
}
# remove_uwsgi_config conf app-name (a wsgi path is deprecated)
function remove_uwsgi_config {
    _stub_args remove_uwsgi_config 2 2 "$@"
    if [[ "$2" = /* ]]; then
        _stub_fail "remove_uwsgi_config takes an application name: $2"
    fi
    _stub_log "remove_uwsgi_config $*"
    rm -rf "$1"
}
