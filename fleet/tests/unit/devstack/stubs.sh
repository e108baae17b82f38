# DevStack's functions as fleet's plugin calls them, stubbed for
# test_plugin.py: config writes are real (iniset edits the INI file, as
# DevStack's does), Keystone and process calls are recorded in
# $STUB_LOG. DevStack itself cannot be cloned on the test machine.

function _stub_log { echo "$*" >> "$STUB_LOG"; }

function iniset {
    local sudo_flag=""
    if [[ "$1" == "-sudo" ]]; then sudo_flag=1; shift; fi
    python3 "$STUB_DIR/iniset.py" "$1" "$2" "$3" "$4"
}

function is_service_enabled {
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
function enable_service { _stub_log "enable_service $*"; }
function define_plugin { :; }
function plugin_requires { :; }
function trueorfalse {
    local default=$1 name=$2
    local value=${!name:-$default}
    case "${value,,}" in
        1|yes|true|on) echo True ;;
        *) echo False ;;
    esac
}
function sudo { "$@"; }
function echo_summary { _stub_log "echo_summary $*"; }
function die { echo "die: $*" >&2; exit 1; }
function get_python_exec_prefix { echo /usr/local/bin; }
function database_connection_url { echo "mysql+pymysql://root:pw@127.0.0.1/$1?charset=utf8"; }
function iniset_rpc_backend {
    iniset "$2" DEFAULT transport_url "rabbit://stackrabbit:pw@127.0.0.1:5672/"
}
function configure_keystone_authtoken_middleware {
    iniset "$1" keystone_authtoken auth_type password
    iniset "$1" keystone_authtoken username "$2"
}
function write_uwsgi_config {
    _stub_log "write_uwsgi_config $*"
    iniset "$1" uwsgi module "$2"
}
function remove_uwsgi_config { _stub_log "remove_uwsgi_config $*"; }
function create_service_user { _stub_log "create_service_user $*"; }
function get_or_create_role { _stub_log "get_or_create_role $*"; echo role-id; }
function get_or_create_service { _stub_log "get_or_create_service $*"; echo service-id; }
function get_or_create_endpoint { _stub_log "get_or_create_endpoint $*"; echo endpoint-id; }
function setup_develop { _stub_log "setup_develop $*"; }
function pip_install { _stub_log "pip_install $*"; }
function run_process { _stub_log "run_process $*"; }
function stop_process { _stub_log "stop_process $*"; }
function recreate_database { _stub_log "recreate_database $*"; }
function wait_for_service { return 0; }
