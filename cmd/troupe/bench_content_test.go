package main

import (
	"bufio"
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"math/rand/v2"
	"net/http"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"troupe/internal/generate"
	"troupe/internal/testkit"
)

// contentBench is a generated workspace served by a real `troupe serve`
// process.
type contentBench struct {
	base         string
	pid          int
	metrics      string // the server's Prometheus metrics
	gen          generate.Result
	admin, heavy string // session cookies
	items, users []string
}

// startContentBench generates the benchmark workspace (100,000 items,
// 10,000 members) with `troupe generate` into engine e's fresh database,
// then starts `troupe serve` on it and signs in its Super Admin and its
// heavy sharer.
func startContentBench(b *testing.B, bin string, e testkit.Engine) *contentBench {
	dir := b.TempDir()
	started := time.Now()
	gen, items, users := generateWorkspace(b, bin, dir, e.URL)
	b.Logf("%s: generated %d items (%d folders, depth %d), %d members, %d shares in %s",
		e.Name, gen.Items, gen.Folders, gen.MaxDepth, gen.Members, gen.Shares, time.Since(started).Round(time.Millisecond))
	cb := &contentBench{gen: gen.Result, items: items, users: users}

	metricsAddr := "127.0.0.1:" + freePort(b)
	cb.metrics = "http://" + metricsAddr + "/metrics"
	cb.base, cb.pid = startServe(b, bin, dir, e.URL, "TROUPE_METRICS_ADDR="+metricsAddr)
	cb.admin = login(b, cb.base, gen.AdminEmail, gen.Password)
	cb.heavy = login(b, cb.base, gen.HeavyEmail, gen.Password)
	return cb
}

// generatedWorkspace is what `troupe generate` prints.
type generatedWorkspace struct {
	generate.Result
	Password string `json:"password"`
}

// generateWorkspace runs `troupe generate` with seed 1 and flags into dbURL
// (media in dir) and returns what it printed and the ids of the items and
// members it exported.
func generateWorkspace(b *testing.B, bin, dir, dbURL string, flags ...string) (gen generatedWorkspace, items, users []string) {
	export := filepath.Join(dir, "workspace.jsonl")
	args := append([]string{"generate", "-data-dir", dir, "-database-url", dbURL, "-seed", "1", "-export", export}, flags...)
	out, err := exec.Command(bin, args...).Output()
	if err != nil {
		b.Fatalf("generate: %v", err)
	}
	if err := json.Unmarshal(out, &gen); err != nil {
		b.Fatal(err)
	}
	items, users = exportIDs(b, export)
	return gen, items, users
}

// exportIDs reads the ids of the items and members from a generator's
// export file.
func exportIDs(b *testing.B, export string) (items, users []string) {
	f, err := os.Open(export)
	if err != nil {
		b.Fatal(err)
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	sc.Buffer(make([]byte, 1<<20), 1<<20)
	for sc.Scan() {
		var r generate.Record
		if err := json.Unmarshal(sc.Bytes(), &r); err != nil {
			b.Fatal(err)
		}
		switch r.Type {
		case "item":
			items = append(items, r.ID)
		case "member":
			users = append(users, r.ID)
		}
	}
	if err := sc.Err(); err != nil {
		b.Fatal(err)
	}
	return items, users
}

func login(b *testing.B, base, email, pass string) string {
	body, _ := json.Marshal(map[string]string{"email": email, "password": pass})
	res, err := http.Post(base+"/api/v1/auth/login", "application/json", bytes.NewReader(body))
	if err != nil {
		b.Fatal(err)
	}
	defer res.Body.Close()
	for _, c := range res.Cookies() {
		if c.Name == sessionCookieName {
			return c.Value
		}
	}
	raw, _ := io.ReadAll(res.Body)
	b.Fatalf("login %s: %d %s", email, res.StatusCode, raw)
	return ""
}

// timeGets runs b.N GETs of the paths next returns, one at a time, and
// reports their p50 and p99.
func (cb *contentBench) timeGets(b *testing.B, session string, next func(i int) string) {
	client := &http.Client{Transport: &http.Transport{MaxIdleConnsPerHost: 16}}
	lat := make([]time.Duration, 0, b.N)
	b.ResetTimer()
	for i := 0; b.Loop(); i++ {
		start := time.Now()
		get(b, client, cb.base+next(i), session)
		lat = append(lat, time.Since(start))
	}
	reportLatency(b, lat)
	b.ReportMetric(float64(residentKB(b, cb.pid))/1024, "server-RSS-MB")
}

// timeVisibleSet reads the complete visible set of session's member
// as one NDJSON stream, line by line as it arrives, and reports its
// latency and size.
func (cb *contentBench) timeVisibleSet(b *testing.B, session string) {
	client := &http.Client{}
	stream := func() int {
		req, _ := http.NewRequest("GET", cb.base+"/api/v1/workspaces/"+cb.gen.WorkspaceID+"/items/visible", nil)
		req.AddCookie(&http.Cookie{Name: sessionCookieName, Value: session})
		res, err := client.Do(req)
		if err != nil {
			b.Fatal(err)
		}
		defer res.Body.Close()
		sc := bufio.NewScanner(res.Body)
		sc.Buffer(make([]byte, 64<<10), 1<<20)
		n := 0
		for sc.Scan() {
			n++
		}
		if err := sc.Err(); err != nil || res.StatusCode != 200 {
			b.Fatalf("visible set: %d %v", res.StatusCode, err)
		}
		return n
	}
	// Steady state: the first streams after a start read the tables into
	// the caches and grow the server's heap.
	for range 3 {
		stream()
	}
	lat := make([]time.Duration, 0, b.N)
	n := 0
	for b.Loop() {
		start := time.Now()
		n = stream()
		lat = append(lat, time.Since(start))
	}
	reportLatency(b, lat)
	b.ReportMetric(float64(n), "items")
	b.ReportMetric(float64(residentKB(b, cb.pid))/1024, "server-RSS-MB")
}

// timePages walks a list from its first page to its last, b.N times,
// and reports the latency of a page (p50, p99) and the list's length.
func (cb *contentBench) timePages(b *testing.B, session, path string) {
	client := &http.Client{}
	var lat []time.Duration
	items, pages := 0, 0
	for b.Loop() {
		items, pages = 0, 0
		for cursor := ""; ; {
			start := time.Now()
			var page struct {
				Items      []json.RawMessage `json:"items"`
				NextCursor string            `json:"next_cursor"`
			}
			if err := json.Unmarshal(get(b, client, cb.base+path+url.QueryEscape(cursor), session), &page); err != nil {
				b.Fatal(err)
			}
			lat = append(lat, time.Since(start))
			items, pages = items+len(page.Items), pages+1
			if cursor = page.NextCursor; cursor == "" {
				break
			}
		}
	}
	reportLatency(b, lat)
	b.ReportMetric(float64(items), "items")
	b.ReportMetric(float64(pages), "pages")
}

func (cb *contentBench) permissionPath(rng *rand.Rand) string {
	return fmt.Sprintf("/api/v1/items/%s/permissions?user=%s", cb.items[rng.IntN(len(cb.items))], cb.users[rng.IntN(len(cb.users))])
}

// BenchmarkContent measures the targets of content and sharing on a
// generated workspace of 100,000 items (folder depth ≥ 5) and 10,000
// members, on each engine, over HTTP against a separate server process:
// the permission check (one client: p50; eight clients: throughput), a
// folder of 500 items listed by a member with 50 shares, "Shared with
// me", search by name, every page of Recent, search, the root, the
// folder and "Shared with me" walked to the end, the complete visible set of a member and of a
// Super Admin in one stream, and the server's resident memory.
func BenchmarkContent(b *testing.B) {
	bin := buildTroupe(b)
	for _, e := range testkit.Engines(b) {
		b.Run(e.Name, func(b *testing.B) {
			cb := startContentBench(b, bin, e)
			b.Run("permission-check", func(b *testing.B) {
				rng := rand.New(rand.NewPCG(1, 2))
				cb.timeGets(b, cb.admin, func(int) string { return cb.permissionPath(rng) })
			})
			b.Run("permission-check-8-clients", func(b *testing.B) {
				rngs := make([]*rand.Rand, 8)
				for w := range rngs {
					rngs[w] = rand.New(rand.NewPCG(uint64(w), 3))
				}
				b.ResetTimer()
				r := runLoad(b, 8, b.N, 200, cb.admin, func(w, _ int) string { return cb.base + cb.permissionPath(rngs[w]) })
				b.ReportMetric(r.perSecond, "checks/s")
				reportLatency(b, r.latency)
				b.ReportMetric(float64(residentKB(b, cb.pid))/1024, "server-RSS-MB")
			})
			folder := "/api/v1/workspaces/" + cb.gen.WorkspaceID + "/items?parent=" + cb.gen.BigFolderID
			b.Run("folder-500-first-page", func(b *testing.B) {
				cb.timeGets(b, cb.heavy, func(int) string { return folder + "&limit=200" })
			})
			b.Run("shared-with-me", func(b *testing.B) {
				cb.timeGets(b, cb.heavy, func(int) string {
					return "/api/v1/workspaces/" + cb.gen.WorkspaceID + "/shared-with-me"
				})
			})
			words := []string{"launch", "aurora", "kestrel", "tundra", "pitch", "video 4", "draft 77"}
			b.Run("search", func(b *testing.B) {
				cb.timeGets(b, cb.heavy, func(i int) string {
					return "/api/v1/workspaces/" + cb.gen.WorkspaceID + "/items?q=" + url.QueryEscape(words[i%len(words)])
				})
			})
			b.Run("search-as-super-admin", func(b *testing.B) {
				cb.timeGets(b, cb.admin, func(i int) string {
					return "/api/v1/workspaces/" + cb.gen.WorkspaceID + "/items?q=" + url.QueryEscape(words[i%len(words)])
				})
			})
			// Every page of each list, to its end, at the default page size
			// and the largest, for the member who sees about 30 %.
			ws := "/api/v1/workspaces/" + cb.gen.WorkspaceID
			for _, list := range []struct{ name, path string }{
				{"recent", ws + "/recent?"},
				{"search", ws + "/items?q=video&"},
				{"root", ws + "/items?"},
				{"folder-500", folder + "&"},
				{"shared-with-me", ws + "/shared-with-me?"},
			} {
				for _, size := range []int{50, 200} {
					b.Run(fmt.Sprintf("pages-%s-%d", list.name, size), func(b *testing.B) {
						cb.timePages(b, cb.heavy, list.path+fmt.Sprintf("limit=%d&cursor=", size))
					})
				}
			}
			for _, who := range []struct{ name, session string }{{"member", cb.heavy}, {"super-admin", cb.admin}} {
				b.Run("visible-set-"+who.name, func(b *testing.B) {
					cb.timeVisibleSet(b, who.session)
				})
			}
			b.Run("server-memory", func(b *testing.B) {
				for b.Loop() {
				}
				b.ReportMetric(float64(peakKB(b, cb.pid))/1024, "peak-RSS-MB")
				b.ReportMetric(cb.metric(b, "go_memstats_heap_inuse_bytes")/(1<<20), "heap-in-use-MB")
			})
		})
	}
}

// metric reads one unlabelled value of the server's Prometheus metrics.
func (cb *contentBench) metric(b *testing.B, name string) float64 {
	res, err := http.Get(cb.metrics)
	if err != nil {
		b.Fatal(err)
	}
	defer res.Body.Close()
	raw, err := io.ReadAll(res.Body)
	if err != nil {
		b.Fatal(err)
	}
	for _, line := range strings.Split(string(raw), "\n") {
		if value, ok := strings.CutPrefix(line, name+" "); ok {
			v, err := strconv.ParseFloat(value, 64)
			if err != nil {
				b.Fatal(err)
			}
			return v
		}
	}
	b.Fatalf("no %s in the metrics", name)
	return 0
}

// peakKB is a process's peak resident memory.
func peakKB(b *testing.B, pid int) int64 {
	raw, err := os.ReadFile(fmt.Sprintf("/proc/%d/status", pid))
	if err != nil {
		b.Fatal(err)
	}
	var kb int64
	for _, line := range bytes.Split(raw, []byte("\n")) {
		if n, _ := fmt.Sscanf(string(line), "VmHWM: %d kB", &kb); n == 1 {
			return kb
		}
	}
	b.Fatal("no VmHWM")
	return 0
}
