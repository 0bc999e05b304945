# Shared by scripts/generate and scripts/test: make .venv (once) and install the project into it.
# Usage: ensure_venv EXTRA   (EXTRA: "" for generation only, "dev" for tests)
ensure_venv() {
  local extra="$1" spec="."
  [ -n "$extra" ] && spec=".[$extra]"
  if [ ! -x .venv/bin/python ]; then
    python3 -m venv .venv
  fi
  local stamp=".venv/.installed-${extra:-core}"
  if [ ! -f "$stamp" ] || [ pyproject.toml -nt "$stamp" ]; then
    .venv/bin/pip install --quiet --disable-pip-version-check -e "$spec"
    if [ "$extra" = "dev" ]; then
      # BFCL (function docs, executable classes, multi-turn checker; the tree-sitter trio and
      # overrides let its own OpenAI handler run for the fidelity test); its own pins would
      # downgrade numpy and pandas, hence --no-deps
      .venv/bin/pip install --quiet --disable-pip-version-check --no-deps bfcl-eval==2026.3.23 \
        overrides==7.7.0 tree-sitter==0.21.3 tree-sitter-java==0.21.0 tree-sitter-javascript==0.21.4
    fi
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
