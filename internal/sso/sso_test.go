package sso_test

import (
	"context"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"sync"
	"testing"

	"golang.org/x/oauth2"

	"troupe/internal/sso"
	"troupe/internal/testkit"
)

// Against a real provider: the claims of a sign-in come back only with
// the nonce and the PKCE verifier it started with.
func TestExchangeChecksNonceAndVerifier(t *testing.T) {
	var mu sync.Mutex
	codes := map[string]string{} // state → code
	back := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		mu.Lock()
		codes[r.URL.Query().Get("state")] = r.URL.Query().Get("code")
		mu.Unlock()
	}))
	t.Cleanup(back.Close)
	port := testkit.OIDCPort(t)
	op := testkit.StartOIDCProvider(t, port, []testkit.OIDCUser{
		{ID: "u1", Username: "ada", Password: "ada-password", Email: "ada@acme.com", EmailVerified: true, FirstName: "Ada", Groups: []string{"editors"}},
	}, back.URL+"/auth/sso/acme/callback")
	p := sso.New([]sso.Config{{ID: "acme", Name: "Acme", Issuer: "http://127.0.0.1:" + strconv.Itoa(port) + "/",
		ClientID: op.ClientID, ClientSecret: op.ClientSecret, Scopes: []string{"openid", "email", "profile"}}}, back.URL, http.DefaultClient)
	ctx := context.Background()
	// signIn runs a sign-in that started with nonce and verifier and
	// returns the code the provider sent back.
	signIn := func(state, nonce, verifier string) string {
		t.Helper()
		to, err := p.AuthURL(ctx, "acme", state, nonce, verifier)
		if err != nil {
			t.Fatal(err)
		}
		_, res := op.SignInAt(t, to, "ada", "ada-password")
		res.Body.Close()
		mu.Lock()
		defer mu.Unlock()
		if codes[state] == "" {
			t.Fatalf("no code came back for %s", state)
		}
		return codes[state]
	}
	verifier := oauth2.GenerateVerifier()
	code := signIn("s1", "nonce-one", verifier)
	if _, err := p.Exchange(ctx, "acme", code, verifier, "nonce-two"); err == nil || !strings.Contains(err.Error(), "nonce") {
		t.Fatalf("another nonce: %v", err)
	}
	code = signIn("s2", "nonce-one", verifier)
	if _, err := p.Exchange(ctx, "acme", code, oauth2.GenerateVerifier(), "nonce-one"); err == nil {
		t.Fatal("another PKCE verifier was accepted")
	}
	code = signIn("s3", "nonce-one", verifier)
	c, err := p.Exchange(ctx, "acme", code, verifier, "nonce-one")
	if err != nil || c.Subject != "u1" || c.Email != "ada@acme.com" || !c.EmailVerified || len(c.Groups) != 1 || c.Groups[0] != "editors" {
		t.Fatalf("claims %+v (%v)", c, err)
	}
	if _, err := p.Exchange(ctx, "nobody", code, verifier, "nonce-one"); err != sso.ErrUnknown {
		t.Fatalf("unknown provider: %v", err)
	}
}

func TestParseConfig(t *testing.T) {
	cfgs, err := sso.ParseConfig([]byte(`[{"id":"okta","issuer":"https://acme.okta.com","client_id":"x","client_secret":"y"}]`))
	if err != nil || len(cfgs) != 1 || cfgs[0].Name != "okta" || len(cfgs[0].Scopes) != 3 {
		t.Fatalf("%+v %v", cfgs, err)
	}
	for _, bad := range []string{`{}`, `[{"id":"a b","issuer":"x","client_id":"y"}]`, `[{"id":"a","client_id":"y"}]`,
		`[{"id":"a","issuer":"x","client_id":"y"},{"id":"a","issuer":"x","client_id":"y"}]`} {
		if _, err := sso.ParseConfig([]byte(bad)); err == nil {
			t.Errorf("%s was accepted", bad)
		}
	}
}
