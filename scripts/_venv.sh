# Shared by scripts/generate and scripts/test: make .venv (once) and install the project into it.
# Usage: ensure_venv EXTRA   (EXTRA: "" for generation only, "eval", "dev" for tests)
ensure_venv() {
  local extra="$1" spec="."
  [ -n "$extra" ] && spec=".[$extra]"
  if [ ! -x .venv/bin/python ]; then
    python3 -m venv .venv
  fi
  local stamp=".venv/.installed-${extra:-core}"
  if [ ! -f "$stamp" ] || [ pyproject.toml -nt "$stamp" ] || [ setup.py -nt "$stamp" ] ||
    [ third_party/bfcl-eval/repack.py -nt "$stamp" ]; then
    .venv/bin/pip install --quiet --disable-pip-version-check -e "$spec"
    touch "$stamp"
  fi
}
# The viewer's test drives a real headless Chromium: the Debian package, installed when missing and
# possible (root with apt); without it that one test is skipped and says why.
ensure_browser() {
  if ! command -v chromium >/dev/null 2>&1 && command -v apt-get >/dev/null 2>&1 && [ "$(id -u)" = 0 ]; then
    (apt-get install -y --no-install-recommends chromium >/dev/null 2>&1 ||
      (apt-get update >/dev/null 2>&1 && apt-get install -y --no-install-recommends chromium >/dev/null 2>&1)) || true
  fi
}
export HF_HUB_OFFLINE=1 WANDB_MODE=offline LITELLM_LOCAL_MODEL_COST_MAP=True TOKENIZERS_PARALLELISM=false
