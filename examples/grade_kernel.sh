work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
cd "$(dirname "$0")"
actcli check hard_silu --exhaustive --dtype bfloat16 --save-inputs "$work/x.npy"
python3 hard_silu_bf16.py "$work/x.npy" "$work/y.npy"
actcli check hard_silu --exhaustive --dtype bfloat16 --values "$work/y.npy" --worst 3 --max-ulp 1 2>&1
echo "exit $?"
