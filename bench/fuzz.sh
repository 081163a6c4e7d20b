#!/usr/bin/env bash
# Coverage-guided fuzzing of every inipay-core parser of input from outside
# (cargo-fuzz targets in fuzz/, issue 13). A benchmark, not a test: CI does
# not run it.
#
#   bench/fuzz.sh [SECONDS] [TARGET...]   # SECONDS per target, default 60;
#                                         # every target unless some are named
#
# Installs cargo-fuzz when missing (`cargo install cargo-fuzz --locked`),
# builds every target once (AddressSanitizer, debug assertions, on the
# pinned stable toolchain with RUSTC_BOOTSTRAP=1), then runs each target for
# SECONDS in one libFuzzer process (no -jobs/-workers) on a temporary copy of
# its committed seeds in fuzz/corpus/TARGET, so the seeds stay unchanged.
# Prints one line per target:
#
#   TARGET: N executions, C crashes
#
# N is libFuzzer's final stat::number_of_executed_units. libFuzzer stops a
# target at its first crash, so C is 0 or 1 (a crash, leak, timeout or
# out-of-memory artifact written to fuzz/artifacts/TARGET/). Full fuzzer
# logs go to fuzz/target/fuzz-logs/TARGET.log. Exit status: 0 when no target
# crashed, 1 when one did, 2 when the build or a run failed otherwise.
#
# Everything runs under `nice -n 19` (NICE=0 to turn that off); extra
# libFuzzer flags may be passed in FUZZ_FLAGS (e.g. FUZZ_FLAGS=-max_len=70000).
# Reproduce a crash: cd fuzz && RUSTC_BOOTSTRAP=1 cargo fuzz run TARGET fuzz/artifacts/TARGET/crash-...
set -uo pipefail

seconds="${1:-60}"
if ! [[ "$seconds" =~ ^[1-9][0-9]*$ ]]; then
    echo "usage: bench/fuzz.sh [SECONDS] [TARGET...]  (SECONDS a positive whole number, default 60)" >&2
    exit 2
fi

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
fuzz_dir="$root/fuzz"
nice_cmd=(nice -n "${NICE:-19}")
export RUSTC_BOOTSTRAP=1

if ! cargo fuzz --version >/dev/null 2>&1; then
    echo "fuzz: installing cargo-fuzz" >&2
    "${nice_cmd[@]}" cargo install cargo-fuzz --locked >&2 || {
        echo "fuzz: cargo install cargo-fuzz --locked failed" >&2
        exit 2
    }
fi

cd "$fuzz_dir" || exit 2
log_dir="$fuzz_dir/target/fuzz-logs"
mkdir -p "$log_dir"

echo "fuzz: building targets (AddressSanitizer)" >&2
if ! "${nice_cmd[@]}" cargo fuzz build >"$log_dir/build.log" 2>&1; then
    tail -n 30 "$log_dir/build.log" >&2
    echo "fuzz: build failed (full log: $log_dir/build.log)" >&2
    exit 2
fi

mapfile -t targets < <(cargo fuzz list)
if [ "${#targets[@]}" -eq 0 ]; then
    echo "fuzz: no targets found in $fuzz_dir" >&2
    exit 2
fi
if [ "$#" -gt 1 ]; then
    known=" ${targets[*]} "
    for t in "${@:2}"; do
        if [[ "$known" != *" $t "* ]]; then
            echo "fuzz: no target $t (targets: ${targets[*]})" >&2
            exit 2
        fi
    done
    targets=("${@:2}")
fi

work="$(mktemp -d "${TMPDIR:-/tmp}/inipay-fuzz.XXXXXX")"
trap 'rm -rf "$work"' EXIT

status=0
for target in "${targets[@]}"; do
    corpus="$work/$target"
    mkdir -p "$corpus" "$fuzz_dir/artifacts/$target"
    if [ -d "$fuzz_dir/corpus/$target" ]; then
        cp -R "$fuzz_dir/corpus/$target/." "$corpus/"
    fi
    before="$(ls -1 "$fuzz_dir/artifacts/$target" | sort)"
    log="$log_dir/$target.log"
    # shellcheck disable=SC2086
    "${nice_cmd[@]}" cargo fuzz run "$target" "$corpus" -- \
        -max_total_time="$seconds" -print_final_stats=1 -timeout=30 ${FUZZ_FLAGS:-} \
        >"$log" 2>&1
    rc=$?
    execs="$(grep -o 'stat::number_of_executed_units: *[0-9]*' "$log" | tail -n 1 | grep -o '[0-9]*$')"
    new_artifacts="$(comm -13 <(printf '%s\n' "$before") <(ls -1 "$fuzz_dir/artifacts/$target" | sort) \
        | grep -E '^(crash|leak|timeout|oom)-' || true)"
    crashes=0
    if [ -n "$new_artifacts" ]; then
        crashes="$(printf '%s\n' "$new_artifacts" | wc -l | tr -d ' ')"
    fi
    echo "$target: ${execs:-0} executions, $crashes crashes"
    if [ "$crashes" -gt 0 ]; then
        status=1
        while IFS= read -r a; do
            echo "  artifact: fuzz/artifacts/$target/$a" >&2
        done <<<"$new_artifacts"
        grep -m 1 -E "panicked at|ERROR: (AddressSanitizer|libFuzzer)" "$log" | sed 's/^/  /' >&2
        echo "  log: $log" >&2
    elif [ "$rc" -ne 0 ]; then
        [ "$status" -eq 0 ] && status=2
        echo "  $target exited $rc without an artifact; log: $log" >&2
    fi
done
exit "$status"
