# Sourced by the bench scripts: builds the release binary and sets $dockopt.
# DOCKOPT_TARGET=x86_64-unknown-linux-musl measures the static musl build
# (`rustup target add x86_64-unknown-linux-musl`; apt-get install musl-tools).
target="${CARGO_TARGET_DIR:-target}"
if [ -n "${DOCKOPT_TARGET:-}" ]; then
  cargo build --release --quiet --bin dockopt --target "$DOCKOPT_TARGET"
  dockopt="$target/$DOCKOPT_TARGET/release/dockopt"
else
  cargo build --release --quiet --bin dockopt
  dockopt="$target/release/dockopt"
fi
echo "binary: $dockopt ($(file -b "$dockopt" | cut -d, -f1-5))"
