package main

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"math/rand/v2"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"troupe/internal/store"
	"troupe/internal/testkit"
)

// buildTroupe compiles this command into a temporary folder, for tests
// that need the server as a process of its own.
func buildTroupe(tb testing.TB) string {
	tb.Helper()
	bin := filepath.Join(tb.TempDir(), "troupe")
	if out, err := exec.Command("go", "build", "-o", bin, ".").CombinedOutput(); err != nil {
		tb.Fatalf("go build: %v\n%s", err, out)
	}
	return bin
}

// serveProcess is `troupe serve` run as a process, so that it can be killed
// without warning and started again on the same database.
type serveProcess struct {
	t    testing.TB
	bin  string
	args []string
	base string
	log  *os.File
	cmd  *exec.Cmd
	env  []string // added to this process's environment
}

func newServeProcess(t testing.TB, bin string, args ...string) *serveProcess {
	port := freePort(t)
	base := "http://127.0.0.1:" + port
	log, err := os.Create(filepath.Join(t.TempDir(), "serve.log"))
	if err != nil {
		t.Fatal(err)
	}
	p := &serveProcess{t: t, bin: bin, base: base, log: log,
		args: append([]string{"serve", "-addr", "127.0.0.1:" + port, "-base-url", base, "-log-level", "warn"}, args...)}
	t.Cleanup(func() {
		if p.cmd != nil {
			p.cmd.Process.Kill()
			p.cmd.Wait()
		}
		if t.Failed() {
			raw, _ := os.ReadFile(log.Name())
			t.Logf("server log (last 4 KiB):\n%s", raw[max(0, len(raw)-4096):])
		}
		log.Close()
	})
	return p
}

// start runs the server and returns once /readyz answers, with that time.
func (p *serveProcess) start() time.Time {
	p.t.Helper()
	p.cmd = exec.Command(p.bin, p.args...)
	p.cmd.Env = append(os.Environ(), p.env...)
	p.cmd.Stdout, p.cmd.Stderr = p.log, p.log
	if err := p.cmd.Start(); err != nil {
		p.t.Fatal(err)
	}
	awaitReady(p.t, p.base, time.Minute)
	return time.Now()
}

// kill stops the server with SIGKILL: no shutdown, no flush.
func (p *serveProcess) kill() {
	p.cmd.Process.Kill()
	p.cmd.Wait()
	p.cmd = nil
}

// The three mails the load causes, by the path of their link.
var crashMailKinds = map[string]string{"verify": "/verify-email", "reset": "/reset-password", "invite": "/invitations/"}

// crashLoad sends sign-ups, password resets and invitations from many
// client addresses, and remembers which were answered 2xx, and when.
type crashLoad struct {
	base     string
	admin    http.CookieJar
	ws       string
	seq      atomic.Int64
	invited  atomic.Int64
	mu       sync.Mutex
	answered map[string]time.Time // "kind address" → when its 2xx came
	signedUp []string             // addresses signed up and not yet reset
}

// inviteBudget keeps the invitations under the inviter's daily limit.
const inviteBudget = 270

func (l *crashLoad) run(ctx context.Context) {
	for ctx.Err() == nil {
		n := l.seq.Add(1)
		// A new client address for each request, so that no per-address
		// limit is reached: Linux answers on all of 127.0.0.0/8.
		ip := net.IPv4(127, byte(1+n/250%200), byte(n%250), byte(2+n/50000))
		c := &http.Client{Timeout: 10 * time.Second, Transport: &http.Transport{DisableKeepAlives: true,
			DialContext: (&net.Dialer{LocalAddr: &net.TCPAddr{IP: ip}}).DialContext}}
		var ok bool
		switch {
		case n%3 == 1 && l.canReset():
			ok = l.reset(ctx, c)
		case n%3 == 2 && l.invited.Load() < inviteBudget:
			c.Jar = l.admin
			ok = l.invite(ctx, c, n)
		default:
			ok = l.signup(ctx, c, n)
		}
		if !ok {
			time.Sleep(20 * time.Millisecond) // the server is down, or busy
		}
	}
}

func (l *crashLoad) post(ctx context.Context, c *http.Client, path string, body any) (int, []byte) {
	raw, _ := json.Marshal(body)
	req, _ := http.NewRequestWithContext(ctx, "POST", l.base+path, bytes.NewReader(raw))
	req.Header.Set("Content-Type", "application/json")
	res, err := c.Do(req)
	if err != nil {
		return 0, nil
	}
	defer res.Body.Close()
	b, _ := io.ReadAll(res.Body)
	return res.StatusCode, b
}

func (l *crashLoad) record(kind string, addrs ...string) {
	now := time.Now()
	l.mu.Lock()
	defer l.mu.Unlock()
	for _, a := range addrs {
		l.answered[kind+" "+a] = now
		if kind == "verify" {
			l.signedUp = append(l.signedUp, a)
		}
	}
}

func (l *crashLoad) canReset() bool {
	l.mu.Lock()
	defer l.mu.Unlock()
	return len(l.signedUp) > 0
}

func (l *crashLoad) signup(ctx context.Context, c *http.Client, n int64) bool {
	addr := fmt.Sprintf("user-%d@crash.test", n)
	status, _ := l.post(ctx, c, "/api/v1/auth/signup", map[string]string{"email": addr, "password": "correct horse 1", "name": "U"})
	if status == http.StatusCreated {
		l.record("verify", addr)
	}
	return status == http.StatusCreated
}

func (l *crashLoad) reset(ctx context.Context, c *http.Client) bool {
	l.mu.Lock()
	if len(l.signedUp) == 0 {
		l.mu.Unlock()
		return false
	}
	addr := l.signedUp[0]
	l.signedUp = l.signedUp[1:]
	l.mu.Unlock()
	status, _ := l.post(ctx, c, "/api/v1/auth/password-reset", map[string]string{"email": addr})
	if status == http.StatusAccepted {
		l.record("reset", addr)
	}
	return status == http.StatusAccepted
}

func (l *crashLoad) invite(ctx context.Context, c *http.Client, n int64) bool {
	addrs := []string{fmt.Sprintf("guest-%d-a@crash.test", n), fmt.Sprintf("guest-%d-b@crash.test", n), fmt.Sprintf("guest-%d-c@crash.test", n)}
	l.invited.Add(int64(len(addrs)))
	status, _ := l.post(ctx, c, "/api/v1/workspaces/"+l.ws+"/invitations", map[string]any{"emails": addrs, "role": "viewer"})
	if status == http.StatusOK {
		l.record("invite", addrs...)
	}
	return status == http.StatusOK
}

// messageIDForm is the Message-ID a mail job gives its mail.
var messageIDForm = regexp.MustCompile(`^<job-\d+\.\d+@[^>]+>$`)

// A `troupe serve` process taking sign-ups, password resets and invitations
// from many addresses is killed with SIGKILL at random moments and started
// again on the same database. At the end every request answered 2xx has its
// row and its mail; no mail waited more than two minutes after the restart
// that followed it; and the mails sent twice are counted and bounded by
// the jobs that can be caught between their work and its record (the
// queue's four workers, at each kill). The mail server is slow at each
// kill, so every kill catches sends in flight.
func TestMailSurvivesKills(t *testing.T) {
	bin := buildTroupe(t)
	for _, e := range testkit.Engines(t) {
		t.Run(e.Name, func(t *testing.T) {
			t.Parallel()
			seed := time.Now().UnixNano()
			t.Logf("seed %d", seed)
			rng := rand.New(rand.NewPCG(uint64(seed), 1))
			const kills = 3

			box := testkit.StartSMTP(t)
			srv := newServeProcess(t, bin, "-data-dir", t.TempDir(), "-database-url", e.URL, "-smtp-url", box.URL())
			srv.start()
			ts := &testServer{url: srv.base, mail: box}
			admin, _ := ts.signedIn(t, "owner@crash.test")
			ws := idOf(t, admin.do("POST", "/api/v1/workspaces", map[string]string{"name": "Crash"}).want(t, 201))

			load := &crashLoad{base: srv.base, admin: admin.http.Jar, ws: ws, answered: map[string]time.Time{}}
			ctx, stop := context.WithCancel(context.Background())
			var workers sync.WaitGroup
			for range 6 {
				workers.Go(func() { load.run(ctx) })
			}
			var restarts []time.Time
			for i := range kills {
				time.Sleep(time.Duration(2000+rng.IntN(5000)) * time.Millisecond)
				// A slow mail server holds every worker inside a send when
				// the kill comes. Stalled before the message, the mails are
				// lost with the process and must be sent by its successor;
				// slow to answer after it, they went out but their jobs
				// were never recorded as done, and are sent twice.
				hold := box.Stall
				if i%2 == 1 {
					hold = box.Slow
				}
				hold(2 * time.Second)
				time.Sleep(time.Duration(500+rng.IntN(1000)) * time.Millisecond)
				srv.kill()
				hold(0)
				restarts = append(restarts, srv.start())
			}
			time.Sleep(2 * time.Second)
			stop()
			workers.Wait()

			// Every answered request's mail, and every queued mail or task
			// done (copies sent again included), waited for up to two
			// minutes after the last restart and a little more.
			db, err := store.Open(context.Background(), e.URL)
			if err != nil {
				t.Fatal(err)
			}
			defer db.Close()
			deadline := restarts[len(restarts)-1].Add(2*time.Minute + 15*time.Second)
			var copies map[string][]testkit.Mail
			for {
				copies = map[string][]testkit.Mail{}
				for _, m := range box.All() {
					for kind, path := range crashMailKinds {
						if strings.Contains(m.Text, path) {
							for _, to := range m.To {
								copies[kind+" "+strings.ToLower(to)] = append(copies[kind+" "+strings.ToLower(to)], m)
							}
						}
					}
				}
				missing := 0
				for key := range load.answered {
					if len(copies[key]) == 0 {
						missing++
					}
				}
				var queued int
				if err := db.Writer().QueryRow(`SELECT count(*) FROM river_job WHERE kind IN ('mail', 'task')
					AND state IN ('available', 'running', 'retryable', 'scheduled')`).Scan(&queued); err != nil {
					t.Fatal(err)
				}
				if missing == 0 && queued == 0 {
					break
				}
				if time.Now().After(deadline) {
					t.Fatalf("%d of %d answered requests never got their mail; %d jobs still queued", missing, len(load.answered), queued)
				}
				time.Sleep(time.Second)
			}

			var maxWait time.Duration
			slow, dupByJob, dupByRequest := 0, 0, 0
			ids := map[string]int{}
			for key, at := range load.answered {
				ms := copies[key]
				first := slices.MinFunc(ms, func(a, b testkit.Mail) int { return a.Received.Compare(b.Received) })
				from := at
				for _, r := range restarts {
					if r.After(at) {
						from = r // it waited for the server to come back
						break
					}
				}
				wait := max(first.Received.Sub(from), 0)
				if wait > 2*time.Minute {
					t.Errorf("%s: the mail came %s after the restart that followed its request", key, wait.Round(time.Second))
				}
				maxWait = max(maxWait, wait)
				if first.Received.Sub(at) > 10*time.Second {
					slow++
				}
				dupByRequest += len(ms) - 1
				for _, m := range ms {
					id := m.Header.Get("Message-Id")
					if !messageIDForm.MatchString(id) {
						t.Fatalf("%s: Message-ID %q is not derived from its job", key, id)
					}
					ids[id]++
				}
			}
			for _, n := range ids {
				dupByJob += n - 1
			}
			bound := kills * 4
			t.Logf("crash figures (%s): %d kills, %d requests answered 2xx, %d mails; %d came over 10 s after their request; the longest wait after a restart %s; sent twice: %d by Message-ID, %d by request (bound %d)",
				e.Name, kills, len(load.answered), len(box.All()), slow, maxWait.Round(time.Second), dupByJob, dupByRequest, bound)
			if dupByRequest > bound {
				t.Errorf("%d mails were sent twice after %d kills; at most %d can be caught in flight", dupByRequest, kills, bound)
			}

			// Every answered request left its row.
			rows := map[string]string{
				"verify": `SELECT email_norm FROM users`,
				"invite": `SELECT email_norm FROM invitations`,
				"reset":  `SELECT u.email_norm FROM user_tokens t JOIN users u ON u.id = t.user_id WHERE t.purpose = 'password_reset'`,
			}
			have := map[string]bool{}
			for kind, q := range rows {
				r, err := db.Writer().Query(q)
				if err != nil {
					t.Fatal(err)
				}
				for r.Next() {
					var a string
					if err := r.Scan(&a); err != nil {
						t.Fatal(err)
					}
					have[kind+" "+a] = true
				}
				if err := r.Err(); err != nil {
					t.Fatal(err)
				}
				r.Close()
			}
			for key := range load.answered {
				if !have[key] {
					t.Errorf("%s was answered 2xx but has no row", key)
				}
			}
		})
	}
}
