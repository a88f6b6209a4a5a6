# build.sh - gonodwarf must be built without DWARF (-ldflags=-w); $1 is the output directory.
set -e
out=$(cd "$1" 2>/dev/null || { mkdir -p "$1" && cd "$1"; } && pwd)
cd "$(dirname "$0")"
GOFLAGS=-mod=mod GO111MODULE=off GOCACHE=${GOCACHE:-/tmp/holdup-gocache} go build -ldflags=-w -o "$out/gonodwarf" .
