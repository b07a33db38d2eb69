#!/usr/bin/env bash
# weirctl --completion: the bash script it prints completes command names,
# options and the words of choice arguments, all from the command table.
# Usage: completion.sh WEIRCTL
set -u
weirctl=${1:?usage: completion.sh WEIRCTL}
script=$("$weirctl" --completion) || { echo "FAIL: weirctl --completion exited $?"; exit 1; }
eval "$script"
fails=0

expect() { # WANT WORDS...: complete the last word of WORDS
    local want=$1
    shift
    COMP_WORDS=("$@")
    COMP_CWORD=$((${#COMP_WORDS[@]} - 1))
    COMPREPLY=()
    _weirctl
    if [ "${COMPREPLY[*]}" != "$want" ]; then
        echo "FAIL: completing '${COMP_WORDS[*]}': '${COMPREPLY[*]}', want '$want'"
        fails=$((fails + 1))
    fi
}

expect "backends backend ban bans" weirctl ba
expect "status stats" weirctl --json st
expect "top token" weirctl --socket /run/x.sock --timeout 3 t
expect "add rm tier block unblock show" weirctl key ""
expect "disable enable weight check" weirctl backend ""
expect "weight" weirctl --json backend w
expect "" weirctl backend disable ""
expect "" weirctl stats ""
# An optional first word (top [keys] [N]).
expect "keys" weirctl top ""
expect "" weirctl top keys ""
expect "--socket" weirctl --s
# A command's options, and the word after one is its value, not an argument.
expect "--limit" weirctl bans --l
expect "--limit --after" weirctl bans --
expect "" weirctl bans --limit 5 ""
expect "disable enable weight check" weirctl --timeout 3 backend ""
complete -p weirctl >/dev/null || { echo "FAIL: no completion registered for weirctl"; fails=$((fails + 1)); }
# Every command of weirctl --help is offered.
for c in $("$weirctl" --help | sed -n '/^Commands:/,/^Options:/p' | awk '/^  [a-z]/{print $1}'); do
    COMP_WORDS=(weirctl "$c"); COMP_CWORD=1; COMPREPLY=(); _weirctl
    case " ${COMPREPLY[*]} " in *" $c "*) ;; *) echo "FAIL: '$c' of --help is not completed"; fails=$((fails + 1)) ;; esac
done
[ "$fails" -eq 0 ] || exit 1
echo "ok: weirctl completion"
