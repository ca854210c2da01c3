#!/usr/bin/env bash
# Installs what the build, the AppHost and the tests need on a fresh Debian 12 machine, or prints the exact
# command when it cannot (not root and no sudo). Idempotent: a machine that has everything is left alone.
set -euo pipefail
cd "$(dirname "$0")/.."

apt_packages=()
[ -x /usr/lib/postgresql/15/bin/initdb ] || ls /usr/lib/postgresql/*/bin/initdb >/dev/null 2>&1 || apt_packages+=(postgresql)
command -v chromium >/dev/null || apt_packages+=(chromium)
# The README's commands (run by tests/AppHost.Tests' ReadmeTests): psql, and the AWS CLI (pyenv's on these machines).
command -v psql >/dev/null || apt_packages+=(postgresql-client)
command -v aws >/dev/null || [ -x "$HOME/.pyenv/shims/aws" ] || apt_packages+=(awscli)

if [ ${#apt_packages[@]} -gt 0 ]; then
  if [ "$(id -u)" = 0 ]; then sudo=""; elif command -v sudo >/dev/null; then sudo="sudo"; else
    echo "missing system packages; run as root: apt-get update && apt-get install -y ${apt_packages[*]}" >&2; exit 1
  fi
  echo "installing ${apt_packages[*]} (apt)"
  $sudo apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq "${apt_packages[@]}" >/dev/null
fi

command -v moto_server >/dev/null || [ -x "$HOME/.pyenv/shims/moto_server" ] || {
  echo "moto_server not found: moto with its server extras is preinstalled in pyenv's Python 3.11 on these machines (pip install 'moto[server]' elsewhere)" >&2; exit 1; }
command -v dotnet >/dev/null || { echo "the .NET 10 SDK is required: https://dotnet.microsoft.com/download" >&2; exit 1; }
command -v npm >/dev/null || { echo "Node.js 20 and npm are required: apt-get install -y nodejs npm" >&2; exit 1; }
