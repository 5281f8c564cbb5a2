//go:build tools

// Package tools pins the Multus thick-plugin commands the real-node e2e runs (test tooling, not product code).
package tools

import (
	_ "gopkg.in/k8snetworkplumbingwg/multus-cni.v4/cmd/multus-daemon"
	_ "gopkg.in/k8snetworkplumbingwg/multus-cni.v4/cmd/multus-shim"
)
