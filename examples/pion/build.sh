#!/bin/sh
# Builds the pion peer from Debian's Go packages, without a module proxy:
#   apt-get install --no-install-recommends golang-go golang-github-pion-webrtc.v3-dev golang-github-gorilla-websocket-dev
#   examples/pion/build.sh [output]        (default output: ./peerbook-pion next to this script)
# Go's GOPATH mode finds Debian's sources under /usr/share/gocode; the program has to sit in a GOPATH of its own, with
# its go.mod, for the import github.com/pion/webrtc/v3 to resolve (Debian installs pion without the v3 folder).
set -eu
here=$(cd "$(dirname "$0")" && pwd)
out=${1:-$here/peerbook-pion}
case $out in /*) ;; *) out=$PWD/$out ;; esac
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
mkdir -p "$work/gopath/src/peer"
cp "$here"/*.go "$here/go.mod" "$work/gopath/src/peer/"
mkdir -p "$(dirname "$out")"
cd "$work/gopath/src/peer"
GO111MODULE=off GOPATH="$work/gopath:/usr/share/gocode" go build -o "$out" .
echo "built $out"
