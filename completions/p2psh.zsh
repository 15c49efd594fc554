#compdef p2psh

__p2psh_complete() {
    local -ar non_empty_completions=("${@:#(|:*)}")
    local -ar empty_completions=("${(M)@:#(|:*)}")
    _describe -V '' non_empty_completions -- empty_completions -P $'\'\''
}

__p2psh_custom_complete() {
    local -a completions
    completions=("${(@f)"$("${command_name}" "${@}" "${command_line[@]}")"}")
    if [[ "${#completions[@]}" -gt 1 ]]; then
        __p2psh_complete "${completions[@]:0:-1}"
    fi
}

__p2psh_cursor_index_in_current_word() {
    if [[ -z "${QIPREFIX}${IPREFIX}${PREFIX}" ]]; then
        printf 0
    else
        printf %s "${#${(z)LBUFFER}[-1]}"
    fi
}

_p2psh() {
    emulate -RL zsh -G
    setopt extendedglob nullglob numericglobsort
    unsetopt aliases banghist

    local -xr SAP_SHELL=zsh
    local -x SAP_SHELL_VERSION
    SAP_SHELL_VERSION="$(builtin emulate zsh -c 'printf %s "${ZSH_VERSION}"')"
    local -r SAP_SHELL_VERSION

    local context state state_descr line
    local -A opt_args

    local -r command_name="${words[1]}"
    local -ar command_line=("${words[@]}")
    local -ir current_word_index="$((CURRENT - 1))"

    local -i ret=1
    local -ar arg_specs=(
        ':script:_files'
        '(-c --command)'{-c,--command}'[Run these commands (separated by '\'';'\'' or newlines), then exit.]:commands:'
        '(-k --keep-going)'{-k,--keep-going}'[In a script, go on after a command fails (the exit status is still 1).]'
        '--json[Print each command'\''s result as one JSON object per line (JSON Lines).]'
        '--port[UDP port to listen on; 0 picks any free port.]:port:'
        '--host[Address to bind\: 0.0.0.0 for every IPv4 interface, \:\: for IPv6.]:address:'
        '--data-dir[Directory for the node database and history (default\: $XDG_DATA_HOME/p2psh).]:dir:_files -/'
        '--ephemeral[Keep nothing on disk\: no database, no history.]'
        '*--bootstrap[Join the network through this node at start-up; repeatable.]:host\:port:'
        '--share[Directory to share over HTTP; fetched files land in it (default\: DATA_DIR/files; none with --ephemeral).]:dir:_files -/'
        '--http-port[TCP port of the HTTP server that serves shared files (default\: the --port number; 0 picks any free port).]:port:'
        '--secret[Secret that remote admin requests must send as '\''Authorization\: Bearer'\'' (default\: generated into DATA_DIR/secret).]:text:'
        '--max-history[Most nodes one neighbour query (who has NAME?) may reach.]:n:'
        '--no-announce[Do not announce shared files in the DHT; peers find them only by asking neighbours.]'
        '--rate-limit[DHT queries a second answered per source address; more get no answer. 0 = no limit.]:n:'
        '--storage-limit[MiB of memory that values and peers other nodes store here may take; when full, the source holding the most gives way.]:mib:'
        '--enforce-node-id[Refuse nodes whose ids do not follow their IP address (BEP 42), as libtorrent'\''s dht_enforce_node_id does.]'
        '--max-peers[Most nodes the routing table holds (default\: no cap); newcomers to a full table wait as replacements for nodes that fail.]:n:'
        '--network[Join a private network\: answer and learn only from nodes started with the same name (default\: the public network every mainline node is on).]:name:'
        '(--verbose -v)'{--verbose,-v}'[Log protocol activity to stderr.]'
        '--version[Show the version.]'
        '(-h --help)'{-h,--help}'[Show help information.]'
        '(-): :->command'
        '(-)*:: :->arg'
    )
    _arguments -w -s -S : "${arg_specs[@]}" && ret=0
    case "${state}" in
    command)
        local -ar subcommands=(
            'help:Show subcommand help information.'
        )
        _describe -V subcommand subcommands && ret=0
        ;;
    arg)
        case "${words[1]}" in
        help)
            "_p2psh_${words[1]}" && ret=0
            ;;
        esac
        ;;
    esac

    return "${ret}"
}

_p2psh_help() {
    local -i ret=1
    local -ar arg_specs=(
        '*:subcommands:'
        '--version[Show the version.]'
    )
    _arguments -w -s -S : "${arg_specs[@]}" && ret=0

    return "${ret}"
}

if [[ "${funcstack[1]}" = _p2psh ]]; then
    _p2psh "${@}"
else
    compdef _p2psh p2psh
fi
