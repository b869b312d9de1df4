# Sourced by scripts/bench-scale.sh and scripts/bench-calls.sh.
# pick_askers DEPTS: a company and an association in each département of
# DEPTS (codes separated by spaces or commas; a ":theme" suffix is ignored),
# the first of each in id order, printed comma-separated. Needs the caller's
# cli function (the maillage CLI pointed at the server).
pick_askers() {
  local d kind id ids=()
  for d in $(echo "$1" | tr ', ' '\n\n' | cut -d: -f1); do
    for kind in company association; do
      id=$(cli actors list --kind "$kind" --territory "departement:$d" --page-size 1 \
        --output json 2>/dev/null | sed -n 's/^{"id":"\([^"]*\)".*/\1/p' | head -1)
      [ -n "$id" ] && ids+=("$id")
    done
  done
  (IFS=,; echo "${ids[*]}")
}
