package testkit

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"
)

// WebhookEvent is an event a Receiver accepted, its signature checked.
type WebhookEvent struct {
	ID          string         // webhook-id
	Type        string         `json:"type"`
	Timestamp   string         `json:"timestamp"`
	WorkspaceID string         `json:"workspace_id"`
	Data        map[string]any `json:"data"`
}

// Receiver is a webhook endpoint inside a test. It checks every request's
// signature with its own reading of the Standard Webhooks specification,
// answers 401 to a bad one and records the good ones; it can be told to
// fail.
type Receiver struct {
	URL    string
	t      testing.TB
	mu     sync.Mutex
	secret string
	fail   int // answer 500 to this many more requests
	events []WebhookEvent
	// Requests counts every request, failed ones included.
	requests   int
	badSigned  int
	changed    chan struct{}
	idAttempts map[string]int
}

// StartReceiver starts a receiver; SetSecret gives it the endpoint's
// secret once known.
func StartReceiver(t testing.TB) *Receiver {
	r := &Receiver{t: t, changed: make(chan struct{}, 1), idAttempts: map[string]int{}}
	srv := httptest.NewServer(http.HandlerFunc(r.serve))
	t.Cleanup(srv.Close)
	r.URL = srv.URL + "/hooks"
	return r
}

// SetSecret sets the whsec_ secret signatures are checked with.
func (r *Receiver) SetSecret(s string) {
	r.mu.Lock()
	r.secret = s
	r.mu.Unlock()
}

// FailNext makes the next n requests answer 500.
func (r *Receiver) FailNext(n int) {
	r.mu.Lock()
	r.fail = n
	r.mu.Unlock()
}

func (r *Receiver) serve(w http.ResponseWriter, req *http.Request) {
	body, _ := io.ReadAll(req.Body)
	r.mu.Lock()
	defer func() {
		r.mu.Unlock()
		select {
		case r.changed <- struct{}{}:
		default:
		}
	}()
	r.requests++
	id := req.Header.Get("webhook-id")
	r.idAttempts[id]++
	if !r.verify(id, req.Header.Get("webhook-timestamp"), req.Header.Get("webhook-signature"), body) {
		r.badSigned++
		http.Error(w, "bad signature", http.StatusUnauthorized)
		return
	}
	if r.fail > 0 {
		r.fail--
		http.Error(w, "receiver down for a test", http.StatusInternalServerError)
		return
	}
	var ev WebhookEvent
	if err := json.Unmarshal(body, &ev); err != nil {
		http.Error(w, "not JSON", http.StatusBadRequest)
		return
	}
	ev.ID = id
	r.events = append(r.events, ev)
	w.WriteHeader(http.StatusNoContent)
}

// verify recomputes the signature: HMAC-SHA256 under the base64 key after
// "whsec_", over "id.timestamp.body", in any of the space-separated
// "v1,<base64>" signatures.
func (r *Receiver) verify(id, ts, header string, body []byte) bool {
	key, err := base64.StdEncoding.DecodeString(strings.TrimPrefix(r.secret, "whsec_"))
	if err != nil || id == "" || ts == "" {
		return false
	}
	mac := hmac.New(sha256.New, key)
	io.WriteString(mac, id+"."+ts+".")
	mac.Write(body)
	want := mac.Sum(nil)
	for _, sig := range strings.Fields(header) {
		v, b64, ok := strings.Cut(sig, ",")
		got, err := base64.StdEncoding.DecodeString(b64)
		if ok && v == "v1" && err == nil && hmac.Equal(got, want) {
			return true
		}
	}
	return false
}

// Events returns the events accepted so far.
func (r *Receiver) Events() []WebhookEvent {
	r.mu.Lock()
	defer r.mu.Unlock()
	return append([]WebhookEvent(nil), r.events...)
}

// Requests counts the requests received, and those badly signed.
func (r *Receiver) Requests() (all, badlySigned int) {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.requests, r.badSigned
}

// Attempts counts the requests that carried webhook-id id.
func (r *Receiver) Attempts(id string) int {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.idAttempts[id]
}

// WaitFor waits until an event of type typ whose data matches (nil for
// any) arrives, and returns it.
func (r *Receiver) WaitFor(typ string, match func(WebhookEvent) bool, timeout time.Duration) WebhookEvent {
	r.t.Helper()
	deadline := time.After(timeout)
	for {
		for _, ev := range r.Events() {
			if ev.Type == typ && (match == nil || match(ev)) {
				return ev
			}
		}
		select {
		case <-r.changed:
		case <-time.After(50 * time.Millisecond):
		case <-deadline:
			n, _ := r.Requests()
			r.t.Fatalf("no %s event within %s; got %d requests: %+v", typ, timeout, n, r.Events())
		}
	}
}
