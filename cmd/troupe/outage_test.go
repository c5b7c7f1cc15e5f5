package main

import (
	"bytes"
	"fmt"
	"io/fs"
	"net/http"
	"net/url"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"troupe/internal/testkit"
)

// wantUnavailable checks an answer to an outage: 503, a Retry-After in
// seconds, and on the API the problem code "unavailable".
func wantUnavailable(t *testing.T, r response) {
	t.Helper()
	if r.status != http.StatusServiceUnavailable {
		t.Fatalf("status %d, want 503\n%s", r.status, r.body)
	}
	if n, err := strconv.Atoi(r.header.Get("Retry-After")); err != nil || n <= 0 {
		t.Fatalf("Retry-After %q, want a number of seconds", r.header.Get("Retry-After"))
	}
	if strings.HasPrefix(r.header.Get("Content-Type"), "text/html") {
		return
	}
	r.want(t, http.StatusServiceUnavailable, "unavailable")
}

// wantUnavailablePage checks the page shown during an outage, in the
// language asked for.
func wantUnavailablePage(t *testing.T, r response, texts ...string) {
	t.Helper()
	wantUnavailable(t, r)
	if ct := r.header.Get("Content-Type"); !strings.HasPrefix(ct, "text/html") {
		t.Fatalf("Content-Type %q, want a page", ct)
	}
	for _, text := range texts {
		if !bytes.Contains(r.body, []byte(text)) {
			t.Fatalf("the page does not say %q:\n%s", text, r.body)
		}
	}
}

var (
	unavailableEN = []string{"Troupe is unavailable for a moment", "nothing was changed"}
	unavailableFR = []string{`lang="fr"`, "Troupe est momentanément indisponible", "rien n&#39;a été fait ni modifié"}
	frenchBrowser = []string{"Accept-Language", "fr-FR,fr;q=0.9"}
)

// itemNames lists the names of the items at a workspace's top level.
func itemNames(t *testing.T, c *apiClient, ws string) []string {
	t.Helper()
	var names []string
	for _, it := range c.do("GET", "/api/v1/workspaces/"+ws+"/items?limit=100", nil).want(t, 200).json(t)["items"].([]any) {
		names = append(names, it.(map[string]any)["name"].(string))
	}
	slices.Sort(names)
	return names
}

func wantNames(t *testing.T, c *apiClient, ws string, want ...string) {
	t.Helper()
	slices.Sort(want)
	if got := itemNames(t, c, ws); !slices.Equal(got, want) {
		t.Fatalf("items %q, want %q", got, want)
	}
}

// newDraftForm is the page form that creates a draft.
func newDraftForm(name string) url.Values {
	return url.Values{"kind": {"draft"}, "name": {name}}
}

// A PostgreSQL server that goes down: requests answer 503 with
// Retry-After (the API its problem, pages a translated page), /readyz
// says the database cannot be reached, nothing asked for during the
// outage is half-done, and all works again once the server is back.
func TestDatabaseOutage(t *testing.T) {
	cluster := testkit.StartCluster(t)
	s := startServerWith(t, testkit.Engine{Name: "postgres", URL: cluster.Database("troupe")}, serverOptions{poolWait: 2 * time.Second})
	c, _ := s.signedIn(t, "ops@acme.com")
	ws := idOf(t, c.do("POST", "/api/v1/workspaces", map[string]string{"name": "Acme"}).want(t, 201))
	c.do("POST", "/api/v1/workspaces/"+ws+"/drafts", map[string]any{"name": "Before"}).want(t, 201)
	c.do("GET", "/readyz", nil).want(t, 200)

	cluster.Crash()
	start := time.Now()
	wantUnavailable(t, c.do("GET", "/api/v1/workspaces/"+ws+"/items", nil))
	wantUnavailable(t, c.do("POST", "/api/v1/workspaces/"+ws+"/drafts", map[string]any{"name": "During"}))
	wantUnavailable(t, c.do("POST", "/api/v1/auth/login", map[string]string{"email": "ops@acme.com", "password": "correct horse 1"}))
	wantUnavailablePage(t, c.do("GET", "/w/"+ws, nil), unavailableEN...)
	wantUnavailablePage(t, c.do("GET", "/w/"+ws, nil, frenchBrowser...), unavailableFR...)
	wantUnavailablePage(t, c.do("POST", "/w/"+ws+"/new", newDraftForm("During page")), unavailableEN...)
	ready := c.do("GET", "/readyz", nil)
	if ready.status != http.StatusServiceUnavailable || !strings.Contains(string(ready.body), "database cannot be reached") {
		t.Fatalf("/readyz during the outage: %d %s", ready.status, ready.body)
	}
	c.do("GET", "/healthz", nil).want(t, 200)
	if d := time.Since(start); d > 15*time.Second {
		t.Errorf("the answers during the outage took %s", d)
	}

	cluster.Start()
	awaitReady(t, c.base, 30*time.Second)
	wantNames(t, c, ws, "Before")
	c.do("POST", "/api/v1/workspaces/"+ws+"/drafts", map[string]any{"name": "After"}).want(t, 201)
	wantNames(t, c, ws, "After", "Before")
}

// With every connection busy, a request waits a bounded time for one and
// then answers 503 with Retry-After rather than hanging.
func TestPoolExhausted(t *testing.T) {
	for _, e := range testkit.Engines(t) {
		t.Run(e.Name, func(t *testing.T) {
			const wait = 500 * time.Millisecond
			s := startServerWith(t, e, serverOptions{poolWait: wait})
			c, _ := s.signedIn(t, "busy@acme.com")
			ws := idOf(t, c.do("POST", "/api/v1/workspaces", map[string]string{"name": "Acme"}).want(t, 201))

			// SQLite's one writer connection; PostgreSQL's whole pool.
			release := testkit.HoldConnections(t, s.main.db.Writer())
			start := time.Now()
			wantUnavailable(t, c.do("POST", "/api/v1/workspaces/"+ws+"/drafts", map[string]any{"name": "Queued"}))
			if d := time.Since(start); d < wait || d > wait+5*time.Second {
				t.Errorf("answered after %s, want about %s", d, wait)
			}
			wantUnavailablePage(t, c.do("POST", "/w/"+ws+"/new", newDraftForm("Queued page"), frenchBrowser...), unavailableFR...)
			if e.Name == "sqlite" {
				// Readers have connections of their own.
				wantNames(t, c, ws)
			} else {
				wantUnavailable(t, c.do("GET", "/api/v1/workspaces/"+ws+"/items", nil))
				ready := c.do("GET", "/readyz", nil)
				if ready.status != http.StatusServiceUnavailable || !strings.Contains(string(ready.body), "connection is busy") {
					t.Fatalf("/readyz with every connection busy: %d %s", ready.status, ready.body)
				}
			}

			release()
			c.do("POST", "/api/v1/workspaces/"+ws+"/drafts", map[string]any{"name": "Later"}).want(t, 201)
			wantNames(t, c, ws, "Later")
			c.do("GET", "/readyz", nil).want(t, 200)
		})
	}
}

// pngFile is a file that sniffs as a PNG image: an avatar.
func pngFile(size int) []byte {
	b := bytes.Repeat([]byte{0x42}, size)
	copy(b, "\x89PNG\r\n\x1a\n")
	return b
}

// filesUnder lists the files under dir.
func filesUnder(t *testing.T, dir string) []string {
	t.Helper()
	var files []string
	err := filepath.WalkDir(dir, func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if !d.IsDir() {
			files = append(files, path)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return files
}

// A full disk: uploads and (on SQLite, whose database shares the disk)
// writes answer 503 with Retry-After, /readyz says the disk is full, a
// failed upload leaves neither an item nor a file, a failed write leaves
// nothing, and all works again once there is room.
func TestDiskFull(t *testing.T) {
	for _, e := range testkit.Engines(t) {
		t.Run(e.Name, func(t *testing.T) {
			disk := testkit.SmallDisk(t, 48<<20)
			if e.Name == "sqlite" {
				e.URL = filepath.Join(disk, "troupe.db")
			}
			s := startServerWith(t, e, serverOptions{dataDir: disk})
			c, _ := s.signedIn(t, "full@acme.com")
			ws := idOf(t, c.do("POST", "/api/v1/workspaces", map[string]string{"name": "Acme"}).want(t, 201))
			c.do("POST", "/api/v1/workspaces/"+ws+"/drafts", map[string]any{"name": "Before"}).want(t, 201)
			media := filepath.Join(disk, "media")
			if files := filesUnder(t, media); len(files) != 0 {
				t.Fatalf("media files before any upload: %q", files)
			}

			free := testkit.FillDisk(t, disk)
			ready := c.do("GET", "/readyz", nil)
			if ready.status != http.StatusServiceUnavailable || !strings.Contains(string(ready.body), "disk is full") {
				t.Fatalf("/readyz on a full disk: %d %s", ready.status, ready.body)
			}
			wantUnavailable(t, c.upload(ws, "avatars", map[string]string{"name": "Face"}, "face.png", bytes.NewReader(pngFile(200<<10))))
			if files := filesUnder(t, media); len(files) != 0 {
				t.Fatalf("a failed upload left files: %q", files)
			}
			names := []string{"Before"}
			if e.Name == "sqlite" {
				// The database may still have room in its journal for a
				// write or two; large ones soon find none.
				script := strings.Repeat("A line of a long script. ", 6000)
				failed := false
				for i := range 40 {
					name := fmt.Sprintf("Full %d", i)
					r := c.do("POST", "/api/v1/workspaces/"+ws+"/drafts", map[string]any{"name": name, "script": script})
					if r.status == http.StatusCreated {
						names = append(names, name)
						continue
					}
					wantUnavailable(t, r)
					failed = true
					break
				}
				if !failed {
					t.Fatal("40 large writes succeeded on a full disk")
				}
			}
			wantNames(t, c, ws, names...)

			free()
			awaitReady(t, c.base, 10*time.Second)
			c.upload(ws, "avatars", map[string]string{"name": "Face"}, "face.png", bytes.NewReader(pngFile(200<<10))).want(t, 201)
			c.do("POST", "/api/v1/workspaces/"+ws+"/drafts", map[string]any{"name": "After"}).want(t, 201)
			wantNames(t, c, ws, append(names, "Face", "After")...)
			if files := filesUnder(t, media); len(files) != 1 {
				t.Fatalf("media files after one upload: %q", files)
			}
		})
	}
}
