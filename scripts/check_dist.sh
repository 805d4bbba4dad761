#!/usr/bin/env bash
# Build the wheel and the sdist, install each into a fresh venv outside the checkout, then
# build a store and run one query there: proves the package carries everything it needs.
set -euo pipefail
cd "$(dirname "$0")/.."
PY=${PY:-.venv/bin/python}
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
"$PY" -m pip wheel -q --no-deps -w "$work/dist" . 2>&1 | grep -v "^WARNING: Location" || true
"$PY" -m build --version >/dev/null 2>&1 || "$PY" -m pip install -q build 2>&1 | grep -v "^WARNING: Location" || true
"$PY" -m build -q --sdist --outdir "$work/dist" . >/dev/null 2>&1
for artifact in "$work"/dist/nasbench-*.whl "$work"/dist/nasbench-*.tar.gz; do
    kind=${artifact##*.}
    venv="$work/venv-$kind"
    python3 -m venv "$venv"
    "$venv/bin/pip" install -q "$artifact" 2>&1 | grep -v "^WARNING: Location" || true
    (
        cd "$work"  # no checkout in sight
        export NASBENCH_HOME="$work/home-$kind"
        "$venv/bin/nasbench" build 2>&1 | tail -1
        out=$("$venv/bin/nasbench" query nb201 cifar10 '|nor_conv_3x3~0|+|none~0|nor_conv_3x3~1|+|skip_connect~0|none~1|skip_connect~2|' --metrics val_acc --format csv)
        echo "$out" | tail -1
        echo "$out" | grep -q "90.8" || { echo "check_dist: wrong answer from the $kind install" >&2; exit 1; }
        "$venv/bin/python" -c "import nasbench; t = nasbench.open().table('nb201', 'cifar10', source='surrogate'); print('surrogate table', len(t))"
        # the optional C look-up is compiled wherever a C compiler is (setup.py)
        native=$("$venv/bin/python" -c "from nasbench.store import _lookup; print(_lookup._native is not None)")
        echo "native string look-up: $native"
        if command -v cc >/dev/null && [ "$native" != True ]; then
            echo "check_dist: the $kind install lacks nasbench.store._strindex" >&2; exit 1
        fi
    )
    echo "check_dist: $(basename "$artifact") installs, builds and answers"
done
