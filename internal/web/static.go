package web

import (
	"crypto/sha256"
	"embed"
	"encoding/hex"
	"fmt"
	"io/fs"
	"mime"
	"net/http"
	"path"
	"strings"
)

//go:embed static
var staticFS embed.FS

// static serves embedded assets under content-hash URLs
// (/static/<hash>/<name>), so they can be cached forever and a new build
// never serves a stale file.
type static struct {
	files  map[string][]byte // name → content
	hashes map[string]string // name → short hash
}

func newStatic() (*static, error) {
	st := &static{files: map[string][]byte{}, hashes: map[string]string{}}
	err := fs.WalkDir(staticFS, "static", func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		b, err := staticFS.ReadFile(p)
		if err != nil {
			return err
		}
		name := strings.TrimPrefix(p, "static/")
		sum := sha256.Sum256(b)
		st.files[name] = b
		st.hashes[name] = hex.EncodeToString(sum[:6])
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("static assets: %w", err)
	}
	return st, nil
}

// url returns the cache-busting URL of an asset; an unknown name panics at
// template execution, which the page tests catch.
func (st *static) url(name string) string {
	h, ok := st.hashes[name]
	if !ok {
		panic("unknown static asset " + name)
	}
	return "/static/" + h + "/" + name
}

func (st *static) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	rest := strings.TrimPrefix(r.URL.Path, "/static/")
	hash, name, ok := strings.Cut(rest, "/")
	if !ok || st.hashes[name] != hash {
		http.NotFound(w, r)
		return
	}
	ct := mime.TypeByExtension(path.Ext(name))
	if ct == "" {
		ct = "application/octet-stream"
	}
	w.Header().Set("Content-Type", ct)
	w.Header().Set("Cache-Control", "public, max-age=31536000, immutable")
	w.Write(st.files[name])
}
