#!/usr/bin/env bash
# Writes the .env of docker-compose.yml from deploy/compose.env.example: every empty value becomes a random,
# URL-safe secret (32 random bytes); the other values are copied. An existing file is never overwritten.
#   deploy/make-env.sh [OUTPUT]      (default: .env beside docker-compose.yml)
# SLRT_PSEUDONYM_PREVIOUS_KEYS stays empty: it is not a secret to invent but retired keys to keep.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
out=${1:-$here/../.env}
if [ -e "$out" ]; then echo "make-env: $out exists; not overwritten" >&2; exit 1; fi
secret() { head -c 32 /dev/urandom | base64 | tr '+/' '-_' | tr -d '=\n'; }
umask 077
while IFS= read -r line || [ -n "$line" ]; do
  case $line in
    SLRT_PSEUDONYM_PREVIOUS_KEYS=) printf '%s\n' "$line" ;;
    [A-Z]*=) printf '%s%s\n' "$line" "$(secret)" ;;
    *) printf '%s\n' "$line" ;;
  esac
done < "$here/compose.env.example" > "$out"
echo "make-env: wrote $out (keep it out of version control)"
