# SPDX-License-Identifier: GPL-2.0-only
# bash completion for tdpsim: commands, each command's options, scenario
# names, configuration keys after --set and --vary, files elsewhere.
_tdpsim()
{
	local cur prev cmd words
	cur=${COMP_WORDS[COMP_CWORD]}
	prev=${COMP_WORDS[COMP_CWORD-1]}
	cmd=${COMP_WORDS[1]}
	if [ "$COMP_CWORD" -eq 1 ]; then
		COMPREPLY=($(compgen -W "run replay explore compare report trace scenarios
			config stats --help --version" -- "$cur"))
		return
	fi
	case $prev in
	--set|--vary)
		compopt -o nospace 2>/dev/null
		COMPREPLY=($(compgen -S = -W "$("${COMP_WORDS[0]}" config --keys 2>/dev/null)" \
			-- "$cur"))
		return ;;
	--json|--csv|--config|--log|--elf|--out|--report|--emit-jobs|--json-dir|-o)
		COMPREPLY=($(compgen -f -- "$cur"))
		return ;;
	esac
	case $cmd in
	run) words="--set --seed --config --json --csv --log --help" ;;
	replay) words="--elf --elf-base --warmup --set --config --json --csv --help" ;;
	explore) words="--seeds --jobs --set --config --chunk --emit-jobs --json-dir
		--tdpsim --help" ;;
	compare) words="--vary --seeds --jobs --set --config --report --emit-jobs
		--chunk --only --tdpsim --help" ;;
	report) words="--out --help" ;;
	trace) words="info convert gen --format --zstd --help" ;;
	config) words="--defaults --mmu --keys --json --help" ;;
	scenarios|stats) words="--json --help" ;;
	esac
	if [[ $cur == -* ]]; then
		COMPREPLY=($(compgen -W "$words" -- "$cur"))
	elif [ "$COMP_CWORD" -eq 2 ] && [[ $cmd == @(run|explore|compare|stats) ]]; then
		COMPREPLY=($(compgen -W "$("${COMP_WORDS[0]}" scenarios 2>/dev/null |
			awk '{print $1}')" -- "$cur") $(compgen -f -X '!*.scn' -- "$cur"))
	else
		COMPREPLY=($(compgen -f -- "$cur"))
	fi
}
complete -F _tdpsim tdpsim
