# bash completion for refgw(1); installed as
# /usr/share/bash-completion/completions/refgw.
#
# Completes commands, options, and the values of an option whose help lists
# them (--signal, --urgency, the subject attributes ...), all read from
# refgw's own help (`refgw --help`, `refgw COMMAND --help`), so that it
# follows the client without a list of its own to keep in step; and file or
# folder names where the help says FILE or DIR. It never contacts a gateway.

# _refgw_options PROGRAM [COMMAND]: the options in that help, one a line:
# "NAME ARG VALUES", ARG as the help calls the option's argument ("-" when it
# takes none) and VALUES the comma-separated values it lists ("-" when it
# lists none).
_refgw_options()
{
    "$@" --help 2>/dev/null | awk '
        function arg_of(s) { gsub(/[])|]+$/, "", s); return s }
        function takes(s) { return s != "" && s !~ /^[-[(|]/ }
        function end_entry(   v) {
            if (entry == "") return
            v = desc; gsub(/^ +| +$/, "", v); gsub(/ +/, " ", v)
            if (v ~ /^[A-Za-z0-9_]+(, [A-Za-z0-9_]+)+$/) { gsub(/ /, "", v); vals[entry] = v }
            entry = ""
        }
        /^usage:/ { usage = 1 }
        usage && /^$/ { usage = 0 }
        usage {
            for (i = 1; i <= NF; i++) {
                s = $i; sub(/^[[(|]+/, "", s)
                if (s !~ /^--?[a-z][a-z0-9-]*/) continue
                name = s; sub(/[])|].*$/, "", name)
                if (!(name in args)) { order[++n] = name; args[name] = "-" }
                if (s ~ /[])|]$/ || !takes($(i + 1))) continue
                args[name] = arg_of($(i + 1))
            }
            next
        }
        /^ +(-[a-z], )?--[a-z]/ {
            end_entry()
            sub(/^ +(-[a-z], )?/, "")
            name = $1
            if (!(name in args)) { order[++n] = name; args[name] = "-" }
            rest = $0; sub(/^[^ ]+ */, "", rest)
            if (rest ~ /^[A-Z][A-Za-z0-9_.,]*( |$)/ || rest ~ /^[a-z0-9_]+(\|[a-z0-9_]+)+( |$)/) {
                split(rest, w, " "); args[name] = w[1]
                if (w[1] ~ /\|/) { v = w[1]; gsub(/\|/, ",", v); vals[name] = v }
                sub(/^[^ ]+ */, "", rest)
            }
            entry = name; desc = rest
            next
        }
        entry != "" && /^      +[^ -]/ { desc = desc " " $0; next }
        { end_entry() }
        END {
            end_entry()
            for (i = 1; i <= n; i++)
                print order[i], args[order[i]], (order[i] in vals ? vals[order[i]] : "-")
        }'
}

# _refgw_commands PROGRAM: the commands `refgw --help` lists.
_refgw_commands()
{
    "$1" --help 2>/dev/null | awk '/^Commands:/ { on = 1; next } on && /^$/ { exit } on { print $1 }'
}

_refgw()
{
    local prog=${COMP_WORDS[0]} cur=${COMP_WORDS[COMP_CWORD]} prev="" i=1 word
    [ "$COMP_CWORD" -gt 0 ] && prev=${COMP_WORDS[COMP_CWORD - 1]}
    # --option=VALUE: bash splits the words at '='.
    if [ "$cur" = "=" ]; then
        cur=""
    elif [ "$prev" = "=" ] && [ "$COMP_CWORD" -gt 1 ]; then
        prev=${COMP_WORDS[COMP_CWORD - 2]}
    fi

    local globals command="" name arg values
    globals=$(_refgw_options "$prog")
    # The command is the first word that is neither an option nor its argument.
    while [ "$i" -lt "$COMP_CWORD" ]; do
        word=${COMP_WORDS[i]}
        if [ "$word" = "--" ]; then
            break
        elif [[ $word == -* ]]; then
            arg=$(awk -v o="${word%%=*}" '$1 == o { print $2 }' <<<"$globals")
            [[ -n $arg && $arg != - && $word != *=* ]] && i=$((i + 1))
        else
            command=$word
            break
        fi
        i=$((i + 1))
    done

    local options=$globals
    if [ -n "$command" ] && [ "$command" != help ]; then
        options=$(_refgw_options "$prog" "$command")$'\n'$globals
    fi

    if [[ $prev == -* ]]; then
        read -r name arg values < <(awk -v o="$prev" '$1 == o { print; exit }' <<<"$options")
        if [ -n "$name" ] && [ "$arg" != - ]; then
            if [ "$values" != - ]; then
                mapfile -t COMPREPLY < <(compgen -W "${values//,/ }" -- "$cur")
            elif [[ $arg == DIR* ]]; then
                compopt -o filenames 2>/dev/null
                mapfile -t COMPREPLY < <(compgen -d -- "$cur")
            elif [[ $arg == FILE* ]]; then
                compopt -o filenames 2>/dev/null
                mapfile -t COMPREPLY < <(compgen -f -- "$cur")
            fi
            return 0
        fi
    fi

    if [[ $cur == -* ]]; then
        mapfile -t COMPREPLY < <(compgen -W "$(awk '{ print $1 }' <<<"$options")" -- "$cur")
    elif [ -z "$command" ] || { [ "$command" = help ] && [ "$i" -eq $((COMP_CWORD - 1)) ]; }; then
        mapfile -t COMPREPLY < <(compgen -W "$(_refgw_commands "$prog")" -- "$cur")
    fi
    return 0
}
complete -F _refgw refgw
