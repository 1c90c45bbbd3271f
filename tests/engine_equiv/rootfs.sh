# Sourced by the stub-image scripts (tests/engine_equiv/images.sh, tests/engine_fuzz/images.sh):
# one recipe for the busybox-static root filesystem their images start from, so the images agree
# on the base layout and a fix to it lands everywhere.
#
#   busybox_rootfs ROOT BUSYBOX   (re)create ROOT: busybox and its applet links in /bin, users
#                                 root and app (1000), /tmp 1777
#   det_tar ROOT >OUT.tar         deterministic tar (sorted, mtime 0, owner 0): re-importing it
#                                 yields the same layer diffID

busybox_rootfs() {
    local root=$1 busybox=$2 app
    [ -x "$busybox" ] || { echo "rootfs.sh: busybox not found (apt-get install busybox-static)" >&2; return 1; }
    rm -rf "$root"
    mkdir -p "$root"/{bin,etc,tmp,root,home,var,usr/bin,dev,proc,sys}
    chmod 1777 "$root/tmp"
    cp "$busybox" "$root/bin/busybox"
    chmod 755 "$root/bin/busybox"
    for app in $("$busybox" --list); do [ "$app" = busybox ] || ln -sf busybox "$root/bin/$app"; done
    printf 'root:x:0:0:root:/root:/bin/sh\napp:x:1000:1000:app:/home/app:/bin/sh\n' >"$root/etc/passwd"
    printf 'root:x:0:\napp:x:1000:\n' >"$root/etc/group"
}

det_tar() {
    tar --sort=name --mtime=@0 --owner=0 --group=0 --numeric-owner -C "$1" -cf - .
}
