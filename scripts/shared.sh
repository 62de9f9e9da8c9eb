# Sourced by the scripts that need the shared folder (the public conformance suite and its test
# certificates), which is maintained outside the project and used in place. It lies beside the
# checkout, as CI lays it out; a clone made elsewhere (README's clean-clone check) finds it beside
# the repository it was cloned from. Exports PYSOCK_SHARED, which the Rust tests read too.
if [ -z "${PYSOCK_SHARED:-}" ]; then
  for candidate in ../shared "$(git remote get-url origin 2>/dev/null || true)/../shared"; do
    if [ -d "$candidate/conformance" ]; then
      PYSOCK_SHARED=$(cd "$candidate" && pwd)
      break
    fi
  done
fi
if [ -z "${PYSOCK_SHARED:-}" ]; then
  echo "no shared folder: put it beside the checkout as ../shared, or set PYSOCK_SHARED to it" >&2
  exit 2
fi
export PYSOCK_SHARED
