# build.sh - gomutexpie is gomutex built as a position-independent executable (-buildmode=pie); $1 is the output directory.
set -e
out=$(cd "$1" 2>/dev/null || { mkdir -p "$1" && cd "$1"; } && pwd)
cd "$(dirname "$0")/../gomutex"
GOFLAGS=-mod=mod GO111MODULE=off GOCACHE=${GOCACHE:-/tmp/holdup-gocache} go build -buildmode=pie -o "$out/gomutexpie" .
