package web

import (
	"io"
	"mime"
	"net/http"
	"os"
	"strconv"
	"strings"
	"time"

	"troupe/internal/app"
	"troupe/internal/blob"
)

// maxRanges bounds the ranges one request may ask for: a player asks for
// one; hundreds are an attempt to make the server do work for nothing.
const maxRanges = 8

// contentDisposition is the Content-Disposition header naming filename. A
// plain ASCII name is quoted as it is, without the general formatter's
// allocations: media requests are many.
func contentDisposition(kind, filename string) string {
	for i := 0; i < len(filename); i++ {
		if c := filename[i]; c < ' ' || c > '~' || c == '"' || c == '\\' {
			return mime.FormatMediaType(kind, map[string]string{"filename": filename})
		}
	}
	return kind + `; filename="` + filename + `"`
}

// firstRange is the part of the file r will most likely read first, for
// object storage to be asked for exactly that: the one range asked for,
// nothing for HEAD and conditional requests (which may need no byte), the
// whole file without a Range header. Anything else (several ranges, a
// suffix) is read as http.ServeContent seeks, one request per seek.
func firstRange(r *http.Request) app.Range {
	if r.Method == http.MethodHead || r.Header.Get("If-None-Match") != "" || r.Header.Get("If-Modified-Since") != "" {
		return app.Range{}
	}
	rg := r.Header.Get("Range")
	if rg == "" {
		return app.WholeFile
	}
	spec, ok := strings.CutPrefix(rg, "bytes=")
	if !ok || strings.Contains(spec, ",") {
		return app.Range{}
	}
	from, to, ok := strings.Cut(strings.TrimSpace(spec), "-")
	start, err := strconv.ParseInt(from, 10, 64)
	if !ok || err != nil || start < 0 {
		return app.Range{}
	}
	if to == "" {
		return app.Range{Offset: start, Length: -1}
	}
	end, err := strconv.ParseInt(to, 10, 64)
	if err != nil || end < start {
		return app.Range{}
	}
	return app.Range{Offset: start, Length: end - start + 1}
}

// serveMedia streams a stored file with Range, If-Range and HEAD support,
// or redirects to where object storage serves it (app.Config.MediaRedirect).
func serveMedia(w http.ResponseWriter, r *http.Request, f app.MediaFile, cacheControl string, download bool) {
	disposition := "inline"
	if download {
		disposition = "attachment"
	}
	disposition = contentDisposition(disposition, strings.ReplaceAll(f.Name, "/", "_"))
	if f.SignURL != nil {
		redirectMedia(w, r, f, cacheControl, disposition)
		return
	}
	h := w.Header()
	h.Set("Content-Type", f.ContentType)
	h.Set("Cache-Control", cacheControl)
	h.Set("ETag", f.ETag)
	// A media file is never a page: no script, no forms, no plugins.
	h.Set("Content-Security-Policy", "sandbox; default-src 'none'; img-src 'self'; media-src 'self'")
	h.Set("Content-Disposition", disposition)
	if rg := r.Header.Get("Range"); strings.Count(rg, ",") >= maxRanges {
		h.Set("Content-Range", "bytes */"+strconv.FormatInt(f.Size, 10))
		h.Del("Content-Type")
		w.WriteHeader(http.StatusRequestedRangeNotSatisfiable)
		return
	}
	if from, n, ok := plainGet(r, f.Size); ok {
		// Served here rather than by http.ServeContent, whose reader
		// wrapping keeps the kernel from moving the bytes itself; the
		// headers are those it would send.
		if !f.ModTime.IsZero() && !f.ModTime.Equal(time.Unix(0, 0)) {
			h.Set("Last-Modified", f.ModTime.UTC().Format(http.TimeFormat))
		}
		h.Set("Accept-Ranges", "bytes")
		status := http.StatusOK
		if r.Header.Get("Range") != "" {
			status = http.StatusPartialContent
			h.Set("Content-Range", "bytes "+strconv.FormatInt(from, 10)+"-"+strconv.FormatInt(from+n-1, 10)+"/"+strconv.FormatInt(f.Size, 10))
		}
		h.Set("Content-Length", strconv.FormatInt(n, 10))
		w.WriteHeader(status)
		// As with http.ServeContent, a failure past the header can only
		// cut the body short, which the client sees by its length.
		_, _ = f.WriteRange(w, from, n)
		return
	}
	if _, local := f.ReadSeeker.(*os.File); !local {
		w = largeCopies{w}
	}
	http.ServeContent(w, r, "", f.ModTime, f.ReadSeeker)
}

// redirectMedia answers with a temporary redirect to a signed URL that
// object storage answers with the headers the file would have here (the
// Range header goes with the redirected request). The redirect itself is
// never kept: each request is decided anew.
func redirectMedia(w http.ResponseWriter, r *http.Request, f app.MediaFile, cacheControl, disposition string) {
	signed, err := f.SignURL(r.Context(), blob.ResponseHeaders{ContentType: f.ContentType, ContentDisposition: disposition,
		CacheControl: cacheControl})
	if err != nil {
		http.Error(w, "The file cannot be read now.", http.StatusServiceUnavailable)
		return
	}
	h := w.Header()
	h.Set("Cache-Control", "no-store")
	// The signature is a bearer secret for its lifetime: no page it leads
	// to learns it from a Referer.
	h.Set("Referrer-Policy", "no-referrer")
	h.Set("Location", signed)
	w.WriteHeader(http.StatusTemporaryRedirect)
}

// plainGet is the part of a file of size bytes a GET asks for when it is
// the plain case players send: no Range header (the whole file) or one
// range "bytes=first-" or "bytes=first-last" that starts within the file,
// and no conditional header. Everything else (HEAD, conditions, suffix or
// several ranges, a range past the end) is left to http.ServeContent.
func plainGet(r *http.Request, size int64) (from, n int64, ok bool) {
	if r.Method != http.MethodGet {
		return 0, 0, false
	}
	for _, c := range [...]string{"If-Match", "If-None-Match", "If-Modified-Since", "If-Unmodified-Since", "If-Range"} {
		if _, set := r.Header[c]; set {
			return 0, 0, false
		}
	}
	rg, set := r.Header["Range"]
	if !set {
		return 0, size, true
	}
	if len(rg) != 1 {
		return 0, 0, false
	}
	spec, found := strings.CutPrefix(rg[0], "bytes=")
	if !found {
		return 0, 0, false
	}
	first, last, found := strings.Cut(spec, "-")
	from, okFrom := digits(first)
	if !found || !okFrom || from >= size {
		return 0, 0, false
	}
	if last == "" {
		return from, size - from, true
	}
	to, okTo := digits(last)
	if !okTo || to < from {
		return 0, 0, false
	}
	return from, min(to, size-1) - from + 1, true
}

// digits is the number written by s, only decimal digits, without
// overflow.
func digits(s string) (int64, bool) {
	if s == "" || len(s) > 18 {
		return 0, false
	}
	var v int64
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return 0, false
		}
		v = v*10 + int64(s[i]-'0')
	}
	return v, true
}

// largeCopies copies a file that is not local (object storage) to the
// response through blob.Copy's large buffers, for http.ServeContent.
type largeCopies struct{ http.ResponseWriter }

func (w largeCopies) ReadFrom(src io.Reader) (int64, error) {
	return blob.Copy(w.ResponseWriter, src)
}
