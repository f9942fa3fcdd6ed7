# Sourced by startup.sh and classes.sh: sets java to the first JDK 21+ installed (a user's machine may default to
# an older one), or exits 2 saying so.
java=""
for d in /usr/lib/jvm/*/ /opt/java/*/ "$HOME"/.sdkman/candidates/java/*/; do
    v=$("$d/bin/java" -version 2>&1 | sed -nE '1s/.*version "([0-9]+).*/\1/p') || continue
    if [ -n "$v" ] && [ "$v" -ge 21 ]; then java="$d/bin/java"; break; fi
done
[ -n "$java" ] || { echo "$(basename "$0"): no JDK 21+ found" >&2; exit 2; }
