package testkit

import (
	"encoding/json"
	"net/http"
	"net/http/cookiejar"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"
)

// EnvOIDCProvider names a built test OpenID provider to run instead of
// building one.
const EnvOIDCProvider = "TROUPE_TEST_OIDC_PROVIDER"

// OIDCUser is a person at the test OpenID provider.
type OIDCUser struct {
	ID            string
	Username      string
	Password      string
	Email         string
	EmailVerified bool
	FirstName     string
	LastName      string
	Groups        []string
}

// OIDCProvider is a running OpenID provider process (see
// internal/testkit/oidcprovider) with one web client.
type OIDCProvider struct {
	Issuer       string
	ClientID     string
	ClientSecret string
}

var (
	oidcBuild    sync.Once
	oidcBinary   string
	oidcBuildErr error
)

// OIDCPort reserves a port for a provider, so that its issuer is known
// before it starts (the server under test needs it in its settings).
func OIDCPort(t testing.TB) int { return freePort(t) }

// StartOIDCProvider builds (once per test binary) and starts the test
// OpenID provider on port with users, accepting redirects to
// redirectURIs, and stops it when the test ends.
func StartOIDCProvider(t testing.TB, port int, users []OIDCUser, redirectURIs ...string) OIDCProvider {
	t.Helper()
	oidcBuild.Do(func() {
		// .ci/run builds it once for every package's tests.
		if built := os.Getenv(EnvOIDCProvider); built != "" {
			oidcBinary = built
			return
		}
		dir, err := os.MkdirTemp("", "troupe-oidc")
		if err != nil {
			oidcBuildErr = err
			return
		}
		oidcBinary = filepath.Join(dir, "oidcprovider")
		out, err := exec.Command("go", "build", "-o", oidcBinary, "troupe/internal/testkit/oidcprovider").CombinedOutput()
		if err != nil {
			oidcBuildErr = err
			t.Logf("%s", out)
		}
	})
	if oidcBuildErr != nil {
		t.Fatalf("building the OpenID provider: %v", oidcBuildErr)
	}
	byID := map[string]OIDCUser{}
	for _, u := range users {
		byID[u.ID] = u
	}
	file := filepath.Join(t.TempDir(), "users.json")
	raw, _ := json.Marshal(byID)
	if err := os.WriteFile(file, raw, 0o600); err != nil {
		t.Fatal(err)
	}
	addr := "127.0.0.1:" + strconv.Itoa(port)
	p := OIDCProvider{Issuer: "http://" + addr + "/", ClientID: "troupe", ClientSecret: "troupe-secret"}
	cmd := exec.Command(oidcBinary)
	cmd.Env = append(os.Environ(), "OP_ADDR="+addr, "OP_ISSUER="+p.Issuer, "OP_USERS="+file, "OP_CLIENT_ID="+p.ClientID,
		"OP_CLIENT_SECRET="+p.ClientSecret, "OP_REDIRECT_URIS="+strings.Join(redirectURIs, ","))
	cmd.Stderr = os.Stderr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		cmd.Process.Kill()
		cmd.Wait()
	})
	for start := time.Now(); ; time.Sleep(20 * time.Millisecond) {
		res, err := http.Get(p.Issuer + ".well-known/openid-configuration")
		if err == nil {
			res.Body.Close()
			if res.StatusCode == 200 {
				return p
			}
		}
		if time.Since(start) > 15*time.Second {
			t.Fatalf("the OpenID provider did not start: %v", err)
		}
	}
}

// SignInAt follows a sign-in that starts at start (a page that sends the
// browser to the provider) through the provider's login form as
// username, and returns the browser (its cookies) and the last answer.
func (p OIDCProvider) SignInAt(t testing.TB, start, username, password string) (*http.Client, *http.Response) {
	t.Helper()
	jar, _ := cookiejar.New(nil)
	c := &http.Client{Jar: jar, Timeout: 20 * time.Second}
	res, err := c.Get(start)
	if err != nil {
		t.Fatal(err)
	}
	res.Body.Close()
	id := res.Request.URL.Query().Get("authRequestID")
	if id == "" {
		t.Fatalf("the provider did not show its login form; ended at %s (%d)", res.Request.URL, res.StatusCode)
	}
	res, err = c.PostForm(strings.TrimSuffix(p.Issuer, "/")+"/login/username", url.Values{"username": {username}, "password": {password}, "id": {id}})
	if err != nil {
		t.Fatal(err)
	}
	return c, res
}
