/**
 * `modelreg completion bash|zsh|fish`: shell completion scripts generated from the command
 * tree itself, so a new command or option completes without anyone editing a script.
 */
import type { Command } from 'commander';

/** The shells a completion script is written for. */
export const SHELLS = ['bash', 'zsh', 'fish'] as const;
export type Shell = (typeof SHELLS)[number];

interface Node {
  path: string;
  subcommands: { name: string; description: string }[];
  options: { flag: string; description: string }[];
}

/** Every command path ("", "models", "models promote" …) with its subcommands and long options. */
export function commandTree(program: Command): Node[] {
  const nodes: Node[] = [];
  const globals = program.options
    .map((o) => ({ flag: o.long ?? '', description: o.description }))
    .filter((o) => o.flag);
  const walk = (cmd: Command, path: string) => {
    const own =
      cmd === program ? [] : cmd.options.map((o) => ({ flag: o.long ?? '', description: o.description }));
    nodes.push({
      path,
      subcommands: cmd.commands.map((c) => ({ name: c.name(), description: c.description() })),
      options: [...own.filter((o) => o.flag), ...globals, { flag: '--help', description: 'show help' }],
    });
    for (const c of cmd.commands) walk(c, path ? `${path} ${c.name()}` : c.name());
  };
  walk(program, '');
  return nodes;
}

const words = (xs: readonly string[]) => xs.join(' ');

function bash(nodes: Node[]): string {
  const subs = nodes
    .map((n) => `    "${n.path}") echo "${words(n.subcommands.map((s) => s.name))}" ;;`)
    .join('\n');
  const opts = nodes
    .map((n) => `    "${n.path}") echo "${words(n.options.map((o) => o.flag))}" ;;`)
    .join('\n');
  return `# modelreg completion for bash: eval "$(modelreg completion bash)" (or save it in bash_completion.d)
_modelreg_subcommands() {
  case "$1" in
${subs}
  esac
}
_modelreg_options() {
  case "$1" in
${opts}
  esac
}
_modelreg() {
  local cur path w i
  cur="\${COMP_WORDS[COMP_CWORD]}"
  path=""
  for ((i = 1; i < COMP_CWORD; i++)); do
    w="\${COMP_WORDS[i]}"
    [[ $w == -* ]] && continue
    case " $(_modelreg_subcommands "$path") " in
      *" $w "*) path="\${path:+$path }$w" ;;
    esac
  done
  if [[ $cur == -* ]]; then
    COMPREPLY=($(compgen -W "$(_modelreg_options "$path")" -- "$cur"))
  else
    COMPREPLY=($(compgen -W "$(_modelreg_subcommands "$path")" -- "$cur"))
  fi
}
complete -F _modelreg modelreg
`;
}

function zsh(nodes: Node[]): string {
  return `#compdef modelreg
# modelreg completion for zsh: eval "$(modelreg completion zsh)" (uses zsh's bash completion layer)
autoload -U +X bashcompinit && bashcompinit
${bash(nodes).split('\n').slice(1).join('\n')}`;
}

const fishQuote = (s: string) => `'${s.replace(/\\/g, '\\\\').replace(/'/g, "\\'")}'`;

function fish(nodes: Node[]): string {
  const lines = [
    '# modelreg completion for fish: modelreg completion fish | source',
    '# (or save it as ~/.config/fish/completions/modelreg.fish)',
    'function __modelreg_path',
    '    set -l path',
    '    for w in (commandline -opc)[2..-1]',
    '        string match -q -- "-*" $w; and continue',
    '        set -l candidate (string join " " $path $w)',
    '        if contains -- $candidate $__modelreg_paths',
    '            set path $path $w',
    '        end',
    '    end',
    '    string join " " $path',
    'end',
    `set -g __modelreg_paths ${nodes
      .filter((n) => n.path)
      .map((n) => fishQuote(n.path))
      .join(' ')}`,
    'complete -c modelreg -f',
  ];
  for (const n of nodes) {
    const cond = `-n ${fishQuote(`test "(__modelreg_path)" = ${fishQuote(n.path)}`)}`;
    for (const s of n.subcommands) {
      lines.push(
        `complete -c modelreg ${cond} -a ${fishQuote(s.name)} -d ${fishQuote(s.description.slice(0, 80))}`,
      );
    }
    for (const o of n.options) {
      lines.push(
        `complete -c modelreg ${cond} -l ${fishQuote(o.flag.replace(/^--/, ''))} -d ${fishQuote(o.description.slice(0, 80))}`,
      );
    }
  }
  return `${lines.join('\n')}\n`;
}

/** The completion script for `shell`. */
export function completionScript(program: Command, shell: Shell): string {
  const nodes = commandTree(program);
  return shell === 'bash' ? bash(nodes) : shell === 'zsh' ? zsh(nodes) : fish(nodes);
}
