package main

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/cookiejar"
	"net/url"
	"os"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"troupe/internal/password"
	"troupe/internal/testkit"
	"troupe/internal/troupe"
)

// testServer is a whole Troupe server on a random port with its mail going
// to an SMTP server inside the test.
type testServer struct {
	main *Main
	url  string
	mail *testkit.Mailbox
	// spread gives each client a local address of its own (see client),
	// for servers that count per client address behind a proxy.
	spread  bool
	clients atomic.Int64
	// dns serves the TXT records that prove company domains.
	dns *testkit.DNS
}

// startServer starts a server on e; env holds further variables, as
// name and value pairs.
func startServer(t *testing.T, e testkit.Engine, env ...string) *testServer {
	t.Helper()
	return startServerWith(t, e, serverOptions{env: env})
}

// serverOptions change what startServerWith starts.
type serverOptions struct {
	dataDir  string        // default: a temporary folder
	poolWait time.Duration // see Main.PoolWait
	listen   string        // see Main.ListenURL
	env      []string      // further variables, as name and value pairs
	now      func() time.Time
	hlsMin   time.Duration // see Main.HLSMinDuration
	noTools  bool          // see Main.WithoutMediaTools
	// webhookRetries: see Main.WebhookRetries
	webhookRetries []time.Duration
}

func startServerWith(t *testing.T, e testkit.Engine, o serverOptions) *testServer {
	t.Helper()
	box := testkit.StartSMTP(t)
	dnsServer := testkit.StartDNS(t)
	dir := o.dataDir
	if dir == "" {
		dir = t.TempDir()
	}
	vars := map[string]string{
		"TROUPE_ADDR":         "127.0.0.1:0",
		"TROUPE_DATA_DIR":     dir,
		"TROUPE_DATABASE_URL": e.URL,
		"TROUPE_SMTP_URL":     box.URL(),
		"TROUPE_BASE_URL":     "http://troupe.test", // replaced below once the port is known
		"TROUPE_DNS_RESOLVER": dnsServer.Addr,
	}
	for i := 0; i+1 < len(o.env); i += 2 {
		vars[o.env[i]] = o.env[i+1]
	}
	cfg, err := LoadConfig(nil, func(k string) string { return vars[k] }, io.Discard)
	if err != nil {
		t.Fatal(err)
	}
	level := slog.LevelWarn
	if os.Getenv("TROUPE_TEST_LOG") != "" {
		level = slog.LevelDebug
	}
	m := NewMain(cfg, slog.New(slog.NewTextHandler(testWriter{t}, &slog.HandlerOptions{Level: level})))
	m.HashParams = &password.Params{Memory: 1024, Time: 1, Threads: 1}
	m.PollInterval = 50 * time.Millisecond
	m.UploadLimit = testUploadLimits
	m.PoolWait = o.poolWait
	m.ListenURL = o.listen
	m.Now = o.now
	m.HLSMinDuration = o.hlsMin
	m.WithoutMediaTools = o.noTools
	m.WebhookRetries = o.webhookRetries
	// Listen first so that links in mail carry the real address.
	if err := m.Listen(); err != nil {
		t.Fatal(err)
	}
	m.Config.BaseURL = "http://" + m.Addr()
	if err := m.Run(context.Background()); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		if err := m.Close(ctx); err != nil {
			t.Errorf("close: %v", err)
		}
	})
	awaitReady(t, m.Config.BaseURL, 30*time.Second)
	return &testServer{main: m, url: m.Config.BaseURL, mail: box, dns: dnsServer}
}

// awaitReady waits, at most within, until the server at base says it is
// ready, as a load balancer would before sending it traffic: its database
// and media store answer and it has read its access snapshot (see
// store.DB.ReadAccessEarly).
func awaitReady(tb testing.TB, base string, within time.Duration) {
	tb.Helper()
	for deadline := time.Now().Add(within); ; time.Sleep(5 * time.Millisecond) {
		res, err := http.Get(base + "/readyz")
		var body []byte
		if err == nil {
			body, _ = io.ReadAll(res.Body)
			res.Body.Close()
			if res.StatusCode == http.StatusOK {
				return
			}
		}
		if time.Now().After(deadline) {
			tb.Fatalf("not ready after %s: %v %s", within, err, body)
		}
	}
}

// testUploadLimits keep uploads in tests small.
var testUploadLimits = map[troupe.Kind]int64{troupe.KindVideo: 4 << 20, troupe.KindAvatar: 256 << 10, troupe.KindVoice: 1 << 20}

type testWriter struct{ t *testing.T }

func (w testWriter) Write(p []byte) (int, error) {
	w.t.Log(strings.TrimRight(string(p), "\n"))
	return len(p), nil
}

// apiClient talks JSON to the server and keeps cookies like a browser.
type apiClient struct {
	t      *testing.T
	base   string
	http   *http.Client
	bearer string // sent as Authorization: Bearer when set
}

func (s *testServer) client(t *testing.T) *apiClient {
	jar, _ := cookiejar.New(nil)
	c := &apiClient{t: t, base: s.url, http: &http.Client{Jar: jar, Timeout: 20 * time.Second,
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}}
	if s.spread {
		n := s.clients.Add(1)
		c.from(fmt.Sprintf("127.0.%d.%d", 10+n/250, 2+n%250))
	}
	return c
}

// try sends a request without a body and returns its status, failing the
// test (but not stopping it) if there is no answer: for goroutines.
func (c *apiClient) try(method, path string) int {
	req, err := http.NewRequest(method, c.base+path, nil)
	if err != nil {
		c.t.Error(err)
		return 0
	}
	res, err := c.http.Do(req)
	if err != nil {
		c.t.Error(err)
		return 0
	}
	defer res.Body.Close()
	io.Copy(io.Discard, res.Body)
	return res.StatusCode
}

type response struct {
	status int
	header http.Header
	body   []byte
}

func (r response) json(t *testing.T) map[string]any {
	t.Helper()
	var m map[string]any
	if err := json.Unmarshal(r.body, &m); err != nil {
		t.Fatalf("response is not JSON: %v\n%s", err, r.body)
	}
	return m
}

// do sends body (a string is sent as is, anything else as JSON).
func (c *apiClient) do(method, path string, body any, header ...string) response {
	c.t.Helper()
	var rd io.Reader
	ct := "application/json"
	switch b := body.(type) {
	case nil:
	case string:
		rd = strings.NewReader(b)
	case url.Values:
		rd = strings.NewReader(b.Encode())
		ct = "application/x-www-form-urlencoded"
	default:
		raw, _ := json.Marshal(b)
		rd = bytes.NewReader(raw)
	}
	req, err := http.NewRequest(method, c.base+path, rd)
	if err != nil {
		c.t.Fatal(err)
	}
	if rd != nil {
		req.Header.Set("Content-Type", ct)
	}
	if c.bearer != "" {
		req.Header.Set("Authorization", "Bearer "+c.bearer)
	}
	for i := 0; i+1 < len(header); i += 2 {
		req.Header.Set(header[i], header[i+1])
	}
	res, err := c.http.Do(req)
	if err != nil {
		c.t.Fatal(err)
	}
	defer res.Body.Close()
	b, _ := io.ReadAll(res.Body)
	return response{status: res.StatusCode, header: res.Header, body: b}
}

// want checks the status and, for errors, the problem code.
func (r response) want(t *testing.T, status int, code ...string) response {
	t.Helper()
	if r.status != status {
		t.Fatalf("status %d, want %d\n%s", r.status, status, r.body)
	}
	if len(code) > 0 {
		if ct := r.header.Get("Content-Type"); ct != "application/problem+json" {
			t.Fatalf("Content-Type %q, want application/problem+json", ct)
		}
		if got := r.json(t)["code"]; got != code[0] {
			t.Fatalf("code %v, want %s\n%s", got, code[0], r.body)
		}
	}
	return r
}

// verifyDomain publishes the workspace's TXT record for domain on the
// server's DNS and verifies the domain through the API as admin.
func (s *testServer) verifyDomain(t *testing.T, admin *apiClient, ws, domain string) {
	t.Helper()
	ws = strings.TrimPrefix(ws, "/w/")
	base := "/api/v1/workspaces/" + ws + "/domains"
	for _, it := range admin.do("GET", base, nil).want(t, 200).json(t)["items"].([]any) {
		d := it.(map[string]any)
		if d["domain"] == domain {
			s.dns.AddTXT(domain, d["txt_record"].(string))
			if got := admin.do("POST", base+"/"+domain+"/verify", nil).want(t, 200).json(t); got["verified"] != true {
				t.Fatalf("verify %s: %v", domain, got)
			}
			return
		}
	}
	t.Fatalf("the workspace %s has no domain %s", ws, domain)
}

// signupVerified creates a verified account through the API.
func (s *testServer) signupVerified(t *testing.T, email, name, pass string) {
	t.Helper()
	c := s.client(t)
	c.do("POST", "/api/v1/auth/signup", map[string]string{"email": email, "password": pass, "name": name}).want(t, 201)
	link := s.mail.WaitFor(t, email, 10*time.Second).Link(t, "/verify-email")
	c.do("POST", "/api/v1/auth/verify-email", map[string]string{"token": testkit.TokenOf(t, link)}).want(t, 200)
}

func forEngine(t *testing.T, fn func(t *testing.T, s *testServer)) {
	for _, e := range testkit.Engines(t) {
		t.Run(e.Name, func(t *testing.T) { fn(t, startServer(t, e)) })
	}
}

func writeFile(path, content string) error { return os.WriteFile(path, []byte(content), 0o600) }

func exists(path string) bool {
	_, err := os.Stat(path)
	return err == nil
}

// withToken returns a cookie-less client that authenticates with token.
func (s *testServer) withToken(t *testing.T, token string) *apiClient {
	c := s.client(t)
	c.bearer = token
	return c
}

func mustJSON(v any) []byte {
	b, _ := json.Marshal(v)
	return b
}
