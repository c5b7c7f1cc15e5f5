package webhook_test

import (
	"context"
	"errors"
	"net/http"
	"net/http/httptest"
	"net/netip"
	"strings"
	"testing"
	"time"

	"troupe/internal/webhook"
)

// The example of the Standard Webhooks specification.
func TestSignMatchesTheSpecification(t *testing.T) {
	got, err := webhook.Sign("whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw", "msg_p5jXN8AQM9LWM0D4loKWxJek", 1614265330,
		[]byte(`{"test": 2432232314}`))
	if err != nil {
		t.Fatal(err)
	}
	if want := "v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE="; got != want {
		t.Fatalf("signature %s, want %s", got, want)
	}
}

func TestNewSecret(t *testing.T) {
	s := webhook.NewSecret()
	if !strings.HasPrefix(s, "whsec_") || s == webhook.NewSecret() {
		t.Fatalf("secret %q", s)
	}
	if _, err := webhook.Sign(s, "id", 1, nil); err != nil {
		t.Fatal(err)
	}
}

func TestAllowed(t *testing.T) {
	for addr, want := range map[string]bool{
		"93.184.216.34": true, "2606:2800:220:1:248:1893:25c8:1946": true, "8.8.8.8": true,
		"127.0.0.1": false, "127.5.5.5": false, "::1": false,
		"10.0.0.1": false, "172.16.3.4": false, "192.168.1.1": false, "fc00::1": false, "fd12::1": false,
		"169.254.169.254": false, "169.254.1.1": false, "fe80::1": false, "fd00:ec2::254": false,
		"0.0.0.0": false, "::": false, "224.0.0.1": false, "ff02::1": false, "255.255.255.255": false,
		"::ffff:127.0.0.1": false, "::ffff:10.1.2.3": false, "::ffff:169.254.169.254": false,
		"100.100.100.200": false, "100.64.0.1": false, "198.18.0.1": false, "192.0.0.8": false, "240.0.0.1": false,
		"64:ff9b::a00:1": false, "64:ff9b::808:808": true, "64:ff9b:1::7f00:1": false, "2002:a00:1::1": false, "2002:808:808::1": true,
	} {
		if got := webhook.Allowed(netip.MustParseAddr(addr)); got != want {
			t.Errorf("Allowed(%s) = %v, want %v", addr, got, want)
		}
	}
}

// The dialer checks the address it connects to, after resolution: a
// name that resolves to loopback is refused like the address itself.
func TestClientRefusesPrivateAddresses(t *testing.T) {
	var hits int
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { hits++ }))
	defer srv.Close()
	port := srv.URL[strings.LastIndex(srv.URL, ":"):]
	for _, u := range []string{srv.URL, "http://localhost" + port, "http://[::ffff:127.0.0.1]" + port,
		"http://10.255.255.1" + port, "http://169.254.169.254/latest/meta-data/"} {
		res := webhook.Send(context.Background(), webhook.NewClient(false), msg(u))
		if !errors.Is(res.Err, webhook.ErrForbiddenAddress) {
			t.Errorf("%s: got %+v, want a refused address", u, res)
		}
	}
	if hits != 0 {
		t.Fatalf("the server was reached %d times", hits)
	}
	if res := webhook.Send(context.Background(), webhook.NewClient(true), msg(srv.URL)); !res.OK() || hits != 1 {
		t.Fatalf("with private addresses allowed: %+v, %d hits", res, hits)
	}
}

func msg(u string) webhook.Message {
	return webhook.Message{URL: u, ID: "msg_1", Timestamp: time.Now(), Body: []byte(`{}`), Secret: webhook.NewSecret()}
}

func TestClientFollowsNoRedirect(t *testing.T) {
	var followed bool
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path == "/elsewhere" {
			followed = true
			return
		}
		http.Redirect(w, r, "/elsewhere", http.StatusTemporaryRedirect)
	}))
	defer srv.Close()
	res := webhook.Send(context.Background(), webhook.NewClient(true), msg(srv.URL))
	if res.OK() || res.Status != http.StatusTemporaryRedirect || followed {
		t.Fatalf("got %+v, followed %v", res, followed)
	}
}

func TestSendBoundsTheAnswer(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.WriteHeader(http.StatusInternalServerError)
		w.Write([]byte(strings.Repeat("é", 4000)))
	}))
	defer srv.Close()
	res := webhook.Send(context.Background(), webhook.NewClient(true), msg(srv.URL))
	if res.OK() || res.Status != 500 || len(res.Excerpt) > webhook.ExcerptSize || len(res.Excerpt) < webhook.ExcerptSize-1 {
		t.Fatalf("got status %d, excerpt of %d bytes", res.Status, len(res.Excerpt))
	}
	big := msg(srv.URL)
	big.Body = make([]byte, webhook.MaxBody+1)
	if res := webhook.Send(context.Background(), webhook.NewClient(true), big); res.Err == nil {
		t.Fatal("a body over the limit was sent")
	}
}
