#!/usr/bin/env bash
# Python's smtplib: one transaction to two local users with SMTPUTF8 and an 8-bit UTF-8 body, the EHLO
# extensions, and the SIZE limit (552) both declared at MAIL and found in DATA.
set -euo pipefail
source "$(dirname "$0")/../lib.sh"

command -v python3 >/dev/null || die "python3 is not installed"

TERN_EXTRA_TOML='[limits]
max_message_size = "64KB"' tern_config
tern_user_add alice@example.test alice-secret
tern_user_add bob@example.test bob-secret
tern_start

python3 "$(dirname "$0")/smtplib_test.py" 127.0.0.1 "$TERN_SMTP_PORT" "$TERN_DATA"

tern_stop
echo "02-smtplib: all checks passed"
