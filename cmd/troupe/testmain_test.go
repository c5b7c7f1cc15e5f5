package main

import (
	"net/http"
	"os"
	"testing"

	"troupe/internal/testkit"
)

// The environment under which this test binary is, instead, a plain
// http.ServeFile server: the yardstick of the Range benchmark.
const (
	serveFileEnv     = "TROUPE_BENCH_SERVEFILE"
	serveFileAddrEnv = "TROUPE_BENCH_SERVEFILE_ADDR"
)

func TestMain(m *testing.M) {
	if path := os.Getenv(serveFileEnv); path != "" {
		err := http.ListenAndServe(os.Getenv(serveFileAddrEnv), http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			http.ServeFile(w, r, path)
		}))
		panic(err)
	}
	os.Exit(testkit.Main(m))
}
