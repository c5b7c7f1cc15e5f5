package web

import (
	"net/http"
	"net/http/httptest"
	"testing"
)

// Only the plain GETs players send skip http.ServeContent; anything it
// would answer differently (conditions, suffixes, several ranges, a range
// past the end or malformed) still goes to it.
func TestPlainGet(t *testing.T) {
	const size = 1000
	for _, c := range []struct {
		method  string
		header  []string
		from, n int64
		ok      bool
	}{
		{"GET", nil, 0, size, true},
		{"GET", []string{"Range", "bytes=0-99"}, 0, 100, true},
		{"GET", []string{"Range", "bytes=100-"}, 100, size - 100, true},
		{"GET", []string{"Range", "bytes=999-999"}, 999, 1, true},
		{"GET", []string{"Range", "bytes=990-5000"}, 990, 10, true},
		{"GET", []string{"Range", "bytes=1000-"}, 0, 0, false},
		{"GET", []string{"Range", "bytes=-50"}, 0, 0, false},
		{"GET", []string{"Range", "bytes=0-3,10-20"}, 0, 0, false},
		{"GET", []string{"Range", "bytes=20-10"}, 0, 0, false},
		{"GET", []string{"Range", "bytes= 10-20"}, 0, 0, false},
		{"GET", []string{"Range", "bytes=+10-20"}, 0, 0, false},
		{"GET", []string{"Range", "bytes=99999999999999999999-"}, 0, 0, false},
		{"GET", []string{"Range", "items=0-10"}, 0, 0, false},
		{"GET", []string{"Range", ""}, 0, 0, false},
		{"GET", []string{"Range", "bytes=0-10", "If-Range", `"x"`}, 0, 0, false},
		{"GET", []string{"If-None-Match", `"x"`}, 0, 0, false},
		{"GET", []string{"If-Modified-Since", "Mon, 02 Jan 2006 15:04:05 GMT"}, 0, 0, false},
		{"GET", []string{"If-Match", `"x"`}, 0, 0, false},
		{"GET", []string{"If-Unmodified-Since", "Mon, 02 Jan 2006 15:04:05 GMT"}, 0, 0, false},
		{"HEAD", nil, 0, 0, false},
	} {
		r := httptest.NewRequest(c.method, "/media", nil)
		for i := 0; i < len(c.header); i += 2 {
			r.Header.Set(c.header[i], c.header[i+1])
		}
		from, n, ok := plainGet(r, size)
		if ok != c.ok || ok && (from != c.from || n != c.n) {
			t.Errorf("%s %q: %d+%d %v, want %d+%d %v", c.method, c.header, from, n, ok, c.from, c.n, c.ok)
		}
	}
	r := httptest.NewRequest(http.MethodGet, "/media", nil)
	r.Header["Range"] = []string{"bytes=0-1", "bytes=5-6"}
	if _, _, ok := plainGet(r, size); ok {
		t.Error("two Range headers taken as plain")
	}
}
