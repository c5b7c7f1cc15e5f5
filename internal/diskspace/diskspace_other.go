//go:build !unix

package diskspace

func available(string) (uint64, bool) { return 0, false }
