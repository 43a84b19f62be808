package capi

// liblsm is found the way C programs find it: through pkg-config's lsm.pc
// from an installed prefix, or lsm-uninstalled.pc from a build tree (set
// PKG_CONFIG_PATH to its directory). The flags apply to the whole package,
// lsm_wrap.c included.

// #cgo pkg-config: lsm
import "C"
