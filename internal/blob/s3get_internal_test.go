package blob

import (
	"io"
	"net/http"
	"strings"
	"testing"
)

// Answers that are not the asked range become errors rather than wrong
// bytes or a wrong size.
func TestObjectSize(t *testing.T) {
	answer := func(status int, contentRange string, length int64) *http.Response {
		h := http.Header{}
		if contentRange != "" {
			h.Set("Content-Range", contentRange)
		}
		return &http.Response{StatusCode: status, Header: h, ContentLength: length, Body: io.NopCloser(strings.NewReader("<Error>Denied</Error>"))}
	}
	for _, c := range []struct {
		name   string
		res    *http.Response
		offset int64
		size   int64
		err    string
	}{
		{"whole", answer(200, "", 1234), 0, 1234, ""},
		{"range", answer(206, "bytes 100-199/5000", 100), 100, 5000, ""},
		{"range ignored", answer(200, "", 5000), 100, 0, "ignored a Range"},
		{"no length", answer(200, "", -1), 0, 0, "no length"},
		{"unknown size", answer(206, "bytes 100-199/*", 100), 100, 0, "Content-Range"},
		{"denied", answer(403, "", 21), 0, 0, "403 Forbidden: <Error>Denied</Error>"},
	} {
		size, err := objectSize(c.res, c.offset)
		if c.err == "" && (err != nil || size != c.size) || c.err != "" && (err == nil || !strings.Contains(err.Error(), c.err)) {
			t.Errorf("%s: %d %v", c.name, size, err)
		}
	}
	_, err := objectSize(answer(416, "bytes */5000", 0), 6000)
	if !unsatisfiable(err) {
		t.Errorf("416 is not seen as unsatisfiable: %v", err)
	}
}
