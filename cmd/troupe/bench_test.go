package main

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"os"
	"os/exec"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"troupe/internal/password"
	"troupe/internal/store"
	"troupe/internal/troupe"
)

// BenchmarkColdStart measures a real `troupe serve` process on an empty
// data folder, from exec until /readyz answers 200, and its resident
// memory once idle.
func BenchmarkColdStart(b *testing.B) {
	bin := buildTroupe(b)
	var rssKB int64
	for i := 0; b.Loop(); i++ {
		dir := b.TempDir()
		port := freePort(b)
		cmd := exec.Command(bin, "serve", "-addr", "127.0.0.1:"+port, "-data-dir", dir)
		cmd.Stderr = io.Discard
		start := time.Now()
		if err := cmd.Start(); err != nil {
			b.Fatal(err)
		}
		for {
			res, err := http.Get("http://127.0.0.1:" + port + "/readyz")
			if err == nil {
				res.Body.Close()
				if res.StatusCode == 200 {
					break
				}
			}
			if time.Since(start) > 10*time.Second {
				b.Fatal("not ready after 10s")
			}
			time.Sleep(2 * time.Millisecond)
		}
		b.StopTimer()
		if i == 0 {
			time.Sleep(2 * time.Second) // idle
			rssKB = residentKB(b, cmd.Process.Pid)
		}
		cmd.Process.Signal(os.Interrupt)
		cmd.Wait()
		b.StartTimer()
	}
	b.ReportMetric(float64(rssKB)/1024, "idle-RSS-MB")
}

// startServe starts `troupe serve` (the binary bin) on dir and dbURL as a
// process of its own, with further variables env ("NAME=value"), waits
// until it is ready, and returns its base URL and process id.
func startServe(b *testing.B, bin, dir, dbURL string, env ...string) (string, int) {
	port := freePort(b)
	cmd := exec.Command(bin, "serve", "-addr", "127.0.0.1:"+port, "-data-dir", dir, "-database-url", dbURL, "-log-level", "error")
	cmd.Env = append(os.Environ(), env...)
	cmd.Stderr = os.Stderr
	if err := cmd.Start(); err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() {
		cmd.Process.Signal(os.Interrupt)
		cmd.Wait()
	})
	base := "http://127.0.0.1:" + port
	awaitReady(b, base, 30*time.Second)
	return base, cmd.Process.Pid
}

func freePort(tb testing.TB) string {
	m := NewMain(Config{Addr: "127.0.0.1:0"}, nil)
	if err := m.Listen(); err != nil {
		tb.Fatal(err)
	}
	_, port, _ := strings.Cut(m.Addr(), ":")
	m.ln.Close()
	return port
}

func residentKB(b *testing.B, pid int) int64 {
	raw, err := os.ReadFile(fmt.Sprintf("/proc/%d/status", pid))
	if err != nil {
		b.Fatal(err)
	}
	for _, line := range strings.Split(string(raw), "\n") {
		if f := strings.Fields(line); len(f) >= 2 && f[0] == "VmRSS:" {
			n, _ := strconv.ParseInt(f[1], 10, 64)
			return n
		}
	}
	b.Fatal("no VmRSS")
	return 0
}

// BenchmarkHealthzUnderSignInBurst measures /healthz latency while 50
// sign-ins (real argon2id parameters) arrive at once.
func BenchmarkHealthzUnderSignInBurst(b *testing.B) {
	dir := b.TempDir()
	cfg, err := LoadConfig([]string{"-addr", "127.0.0.1:0", "-data-dir", dir}, func(string) string { return "" }, io.Discard)
	if err != nil {
		b.Fatal(err)
	}
	var offset atomic.Int64
	m := NewMain(cfg, slog.New(slog.DiscardHandler))
	m.Now = func() time.Time { return time.Now().Add(time.Duration(offset.Load())) }
	if err := m.Run(context.Background()); err != nil {
		b.Fatal(err)
	}
	defer m.Close(context.Background())
	hash, _ := password.NewHasher(password.DefaultParams, 1).Hash(context.Background(), "correct horse 1")
	ctx := context.Background()
	const burst = 50
	err = m.db.Tx(ctx, func(tx *store.Tx) error {
		for i := range burst {
			u := store.UserRecord{User: troupe.User{ID: fmt.Sprint("bench-", i), Email: fmt.Sprintf("u%d@example.com", i), Name: "U"}, PasswordHash: hash}
			if err := tx.CreateUser(ctx, u, time.Now()); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		b.Fatal(err)
	}
	base := "http://" + m.Addr()
	client := &http.Client{Transport: &http.Transport{MaxIdleConnsPerHost: 100}}
	var all []time.Duration
	var loginTotal time.Duration
	for b.Loop() {
		offset.Add(int64(time.Hour)) // a fresh rate-limit window each round
		var wg sync.WaitGroup
		start := time.Now()
		for i := range burst {
			wg.Add(1)
			go func() {
				defer wg.Done()
				body := fmt.Sprintf(`{"email":"u%d@example.com","password":"correct horse 1"}`, i)
				res, err := client.Post(base+"/api/v1/auth/login", "application/json", strings.NewReader(body))
				if err != nil {
					b.Error(err)
					return
				}
				io.Copy(io.Discard, res.Body)
				res.Body.Close()
				if res.StatusCode != 200 {
					b.Errorf("login %d: %d", i, res.StatusCode)
				}
			}()
		}
		done := make(chan struct{})
		go func() { wg.Wait(); close(done) }()
	probe:
		for {
			select {
			case <-done:
				break probe
			default:
			}
			t0 := time.Now()
			res, err := client.Get(base + "/healthz")
			if err != nil {
				b.Fatal(err)
			}
			io.Copy(io.Discard, res.Body)
			res.Body.Close()
			all = append(all, time.Since(t0))
			time.Sleep(time.Millisecond)
		}
		loginTotal += time.Since(start)
	}
	slices.Sort(all)
	p := func(q float64) float64 { return float64(all[int(q*float64(len(all)-1))].Microseconds()) / 1000 }
	b.ReportMetric(p(0.5), "healthz-p50-ms")
	b.ReportMetric(p(0.99), "healthz-p99-ms")
	b.ReportMetric(float64(len(all)), "healthz-samples")
	b.ReportMetric(float64(loginTotal.Milliseconds())/float64(b.N), "burst-ms")
}
