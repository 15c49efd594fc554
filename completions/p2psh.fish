function __p2psh_should_offer_completions_for_flags_or_options -a expected_commands
    set -l non_repeating_flags_or_options $argv[2..]
    set -l non_repeating_flags_or_options_absent 0
    set -l positional_index 0
    set -l commands
    __p2psh_parse_tokens
    test "$commands" = "$expected_commands"; and return $non_repeating_flags_or_options_absent
end

function __p2psh_should_offer_completions_for_positional -a expected_commands positional_index_comparison expected_positional_index
    set -l non_repeating_flags_or_options
    set -l non_repeating_flags_or_options_absent 0
    set -l positional_index 0
    set -l commands
    __p2psh_parse_tokens
    test "$commands" = "$expected_commands" -a \( "$positional_index" "$positional_index_comparison" "$expected_positional_index" \)
end

function __p2psh_parse_tokens -S
    set -l unparsed_tokens (__p2psh_tokens -pc)
    switch $unparsed_tokens[1]
    case 'p2psh'
        __p2psh_parse_subcommand 1 'c/command=' 'k/keep-going' 'json' 'port=' 'host=' 'data-dir=' 'ephemeral' 'bootstrap=+' 'share=' 'http-port=' 'secret=' 'max-history=' 'no-announce' 'rate-limit=' 'storage-limit=' 'enforce-node-id' 'max-peers=' 'network=' 'v/verbose' 'version' 'h/help'
        switch $unparsed_tokens[1]
        case 'help'
            __p2psh_parse_subcommand -r 1 'version'
        end
    end
end

function __p2psh_tokens
    if test (string split -m 1 -f 1 -- . "$FISH_VERSION") -gt 3
        commandline --tokens-raw $argv
    else
        commandline -o $argv
    end
end

function __p2psh_parse_subcommand -S -a positional_count
    argparse -s r -- $argv
    set -l option_specs $argv[2..]
    set -l is_repeating_positional $_flag_r
    set -el _flag_r
    set -a commands $unparsed_tokens[1]
    set positional_index 0
    while true
        set -e unparsed_tokens[1]
        argparse -sn "$commands" $option_specs -- $unparsed_tokens 2> /dev/null
        set unparsed_tokens $argv
        set positional_index (math $positional_index + 1)
        for non_repeating_flag_or_option in $non_repeating_flags_or_options
            if set -ql "_flag_$(string replace -a - _ -- $non_repeating_flag_or_option)"
                set non_repeating_flags_or_options_absent 1
                break
            end
        end
        test (count $unparsed_tokens) -eq 0 -o \( -z "$is_repeating_positional" -a "$positional_index" -gt "$positional_count" \) && break
    end
end

function __p2psh_complete_directories
    set -l token (commandline -t)
    string match -- '*/' $token
    set -l subdirs $token*/
    printf %s\n $subdirs
end

function __p2psh_custom_completion
    set -x SAP_SHELL fish
    set -x SAP_SHELL_VERSION $FISH_VERSION
    set -l tokens (__p2psh_tokens -p)
    if test -z "$(__p2psh_tokens -t)"
        set -l index (count (__p2psh_tokens -pc))
        set tokens $tokens[..$index] \'\' $tokens[(math $index + 1)..]
    end
    command $tokens[1] $argv $tokens
end

complete -c 'p2psh' -f
complete -c 'p2psh' -n '__p2psh_should_offer_completions_for_positional "p2psh" -eq 1' -F
complete -c 'p2psh' -n '__p2psh_should_offer_completions_for_flags_or_options "p2psh" c command' -s 'c' -l 'command' -d 'Run these commands (separated by \';\' or newlines), then exit.' -rfka ''
complete -c 'p2psh' -n '__p2psh_should_offer_completions_for_flags_or_options "p2psh" k keep-going' -s 'k' -l 'keep-going' -d 'In a script, go on after a command fails (the exit status is still 1).'
complete -c 'p2psh' -n '__p2psh_should_offer_completions_for_flags_or_options "p2psh" json' -l 'json' -d 'Print each command\'s result as one JSON object per line (JSON Lines).'
complete -c 'p2psh' -n '__p2psh_should_offer_completions_for_flags_or_options "p2psh" port' -l 'port' -d 'UDP port to listen on; 0 picks any free port.' -rfka ''
complete -c 'p2psh' -n '__p2psh_should_offer_completions_for_flags_or_options "p2psh" host' -l 'host' -d 'Address to bind: 0.0.0.0 for every IPv4 interface, :: for IPv6.' -rfka ''
complete -c 'p2psh' -n '__p2psh_should_offer_completions_for_flags_or_options "p2psh" data-dir' -l 'data-dir' -d 'Directory for the node database and history (default: $XDG_DATA_HOME/p2psh).' -rfa '(__p2psh_complete_directories)'
complete -c 'p2psh' -n '__p2psh_should_offer_completions_for_flags_or_options "p2psh" ephemeral' -l 'ephemeral' -d 'Keep nothing on disk: no database, no history.'
complete -c 'p2psh' -n '__p2psh_should_offer_completions_for_flags_or_options "p2psh"' -l 'bootstrap' -d 'Join the network through this node at start-up; repeatable.' -rfka ''
complete -c 'p2psh' -n '__p2psh_should_offer_completions_for_flags_or_options "p2psh" share' -l 'share' -d 'Directory to share over HTTP; fetched files land in it (default: DATA_DIR/files; none with --ephemeral).' -rfa '(__p2psh_complete_directories)'
complete -c 'p2psh' -n '__p2psh_should_offer_completions_for_flags_or_options "p2psh" http-port' -l 'http-port' -d 'TCP port of the HTTP server that serves shared files (default: the --port number; 0 picks any free port).' -rfka ''
complete -c 'p2psh' -n '__p2psh_should_offer_completions_for_flags_or_options "p2psh" secret' -l 'secret' -d 'Secret that remote admin requests must send as \'Authorization: Bearer\' (default: generated into DATA_DIR/secret).' -rfka ''
complete -c 'p2psh' -n '__p2psh_should_offer_completions_for_flags_or_options "p2psh" max-history' -l 'max-history' -d 'Most nodes one neighbour query (who has NAME?) may reach.' -rfka ''
complete -c 'p2psh' -n '__p2psh_should_offer_completions_for_flags_or_options "p2psh" no-announce' -l 'no-announce' -d 'Do not announce shared files in the DHT; peers find them only by asking neighbours.'
complete -c 'p2psh' -n '__p2psh_should_offer_completions_for_flags_or_options "p2psh" rate-limit' -l 'rate-limit' -d 'DHT queries a second answered per source address; more get no answer. 0 = no limit.' -rfka ''
complete -c 'p2psh' -n '__p2psh_should_offer_completions_for_flags_or_options "p2psh" storage-limit' -l 'storage-limit' -d 'MiB of memory that values and peers other nodes store here may take; when full, the source holding the most gives way.' -rfka ''
complete -c 'p2psh' -n '__p2psh_should_offer_completions_for_flags_or_options "p2psh" enforce-node-id' -l 'enforce-node-id' -d 'Refuse nodes whose ids do not follow their IP address (BEP 42), as libtorrent\'s dht_enforce_node_id does.'
complete -c 'p2psh' -n '__p2psh_should_offer_completions_for_flags_or_options "p2psh" max-peers' -l 'max-peers' -d 'Most nodes the routing table holds (default: no cap); newcomers to a full table wait as replacements for nodes that fail.' -rfka ''
complete -c 'p2psh' -n '__p2psh_should_offer_completions_for_flags_or_options "p2psh" network' -l 'network' -d 'Join a private network: answer and learn only from nodes started with the same name (default: the public network every mainline node is on).' -rfka ''
complete -c 'p2psh' -n '__p2psh_should_offer_completions_for_flags_or_options "p2psh" v verbose' -l 'verbose' -s 'v' -d 'Log protocol activity to stderr.'
complete -c 'p2psh' -n '__p2psh_should_offer_completions_for_flags_or_options "p2psh" version' -l 'version' -d 'Show the version.'
complete -c 'p2psh' -n '__p2psh_should_offer_completions_for_flags_or_options "p2psh" h help' -s 'h' -l 'help' -d 'Show help information.'
complete -c 'p2psh' -n '__p2psh_should_offer_completions_for_positional "p2psh" -eq 2' -fa 'help' -d 'Show subcommand help information.'
complete -c 'p2psh' -n '__p2psh_should_offer_completions_for_flags_or_options "p2psh help" version' -l 'version' -d 'Show the version.'
