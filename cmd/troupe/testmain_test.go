package main

import (
	"net/http"
	"os"
	"testing"

	"troupe/internal/testkit"
)

// The environment under which this test binary is, instead, a yardstick
// of the Range benchmarks listening on helperAddrEnv (see startHelper): a
// plain http.ServeFile server of one file, or a TCP proxy that splices
// every connection to an upstream address.
const (
	serveFileEnv   = "TROUPE_BENCH_SERVEFILE"
	spliceProxyEnv = "TROUPE_BENCH_SPLICE_TO"
	helperAddrEnv  = "TROUPE_BENCH_ADDR"
)

func TestMain(m *testing.M) {
	addr := os.Getenv(helperAddrEnv)
	if path := os.Getenv(serveFileEnv); path != "" {
		err := http.ListenAndServe(addr, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			http.ServeFile(w, r, path)
		}))
		panic(err)
	}
	if upstream := os.Getenv(spliceProxyEnv); upstream != "" {
		panic(spliceProxy(addr, upstream))
	}
	os.Exit(testkit.Main(m))
}
