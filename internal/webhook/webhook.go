// Package webhook sends signed events to the endpoints workspaces
// register, as the Standard Webhooks specification describes, through an
// HTTP client that will not reach the server's own network.
package webhook

import (
	"bytes"
	"context"
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/netip"
	"strconv"
	"strings"
	"syscall"
	"time"
)

// SecretPrefix starts every endpoint secret.
const SecretPrefix = "whsec_"

// NewSecret returns a fresh secret: the prefix and 32 random bytes in
// standard base64.
func NewSecret() string {
	var b [32]byte
	rand.Read(b[:])
	return SecretPrefix + base64.StdEncoding.EncodeToString(b[:])
}

// Sign returns the webhook-signature header value for a message: "v1,"
// and the base64 HMAC-SHA256 of "id.timestamp.body" under the key the
// secret holds.
func Sign(secret, id string, timestamp int64, body []byte) (string, error) {
	key, err := base64.StdEncoding.DecodeString(strings.TrimPrefix(secret, SecretPrefix))
	if err != nil {
		return "", fmt.Errorf("webhook secret: %w", err)
	}
	mac := hmac.New(sha256.New, key)
	mac.Write([]byte(id + "." + strconv.FormatInt(timestamp, 10) + "."))
	mac.Write(body)
	return "v1," + base64.StdEncoding.EncodeToString(mac.Sum(nil)), nil
}

// Limits on a delivery.
const (
	// Timeout bounds one attempt, from dialling to the end of the answer.
	Timeout = 10 * time.Second
	// MaxBody is the largest body sent.
	MaxBody = 256 << 10
	// ExcerptSize is how much of an answer is kept in the log.
	ExcerptSize = 1 << 10
)

// ErrForbiddenAddress is the dial error for an address the client
// refuses.
var ErrForbiddenAddress = errors.New("webhook: the endpoint's address is not public")

// metadata are cloud metadata addresses, refused even when they would
// not otherwise be.
var metadata = []netip.Addr{netip.MustParseAddr("169.254.169.254"), netip.MustParseAddr("fd00:ec2::254")}

// notPublic are ranges that are not the public internet beyond what
// netip's predicates cover: unique local, shared address space (carrier
// NAT, where some clouds keep their metadata service), benchmarking,
// IETF protocol assignments, reserved, and "this network".
var notPublic = []netip.Prefix{
	netip.MustParsePrefix("fc00::/7"), netip.MustParsePrefix("100.64.0.0/10"), netip.MustParsePrefix("198.18.0.0/15"),
	netip.MustParsePrefix("192.0.0.0/24"), netip.MustParsePrefix("240.0.0.0/4"), netip.MustParsePrefix("0.0.0.0/8"),
}

// Translated IPv6 ranges carry an IPv4 address, which is what they reach:
// the well-known NAT64 prefix (the last 32 bits) and 6to4 (bits 16 to
// 48). The local-use NAT64 prefix only ever reaches a local network.
var (
	nat64      = netip.MustParsePrefix("64:ff9b::/96")
	localNAT64 = netip.MustParsePrefix("64:ff9b:1::/48")
	sixToFour  = netip.MustParsePrefix("2002::/16")
)

// Allowed reports whether the client may dial ip: a public unicast
// address, not loopback, private (RFC 1918, fc00::/7), shared or
// reserved, link-local, unspecified, multicast or a metadata address;
// an IPv6 address that carries an IPv4 one (NAT64, 6to4) is judged by
// that one.
func Allowed(ip netip.Addr) bool {
	ip = ip.Unmap()
	if ip.Is6() {
		b := ip.As16()
		switch {
		case localNAT64.Contains(ip):
			return false
		case nat64.Contains(ip):
			return Allowed(netip.AddrFrom4([4]byte{b[12], b[13], b[14], b[15]}))
		case sixToFour.Contains(ip):
			return Allowed(netip.AddrFrom4([4]byte{b[2], b[3], b[4], b[5]}))
		}
	}
	for _, m := range metadata {
		if ip == m {
			return false
		}
	}
	for _, p := range notPublic {
		if p.Contains(ip) {
			return false
		}
	}
	return ip.IsValid() && !ip.IsLoopback() && !ip.IsPrivate() &&
		!ip.IsLinkLocalUnicast() && !ip.IsLinkLocalMulticast() && !ip.IsInterfaceLocalMulticast() &&
		!ip.IsUnspecified() && !ip.IsMulticast() && ip != netip.AddrFrom4([4]byte{255, 255, 255, 255})
}

// control refuses, on the socket about to connect, an address Allowed
// refuses: the check is on the address actually dialled, after name
// resolution, so a name cannot resolve to one address when checked and
// another when dialled.
func control(_, address string, _ syscall.RawConn) error {
	ap, err := netip.ParseAddrPort(address)
	if err != nil {
		return ErrForbiddenAddress
	}
	if !Allowed(ap.Addr()) {
		return fmt.Errorf("%w: %s", ErrForbiddenAddress, ap.Addr())
	}
	return nil
}

// NewClient returns the client deliveries use: it follows no redirect,
// gives up after Timeout, uses no proxy and, unless allowPrivate, dials
// only public addresses.
func NewClient(allowPrivate bool) *http.Client {
	d := &net.Dialer{Timeout: Timeout}
	if !allowPrivate {
		d.Control = control
	}
	return &http.Client{
		Timeout: Timeout,
		Transport: &http.Transport{
			Proxy:                  nil,
			DialContext:            d.DialContext,
			TLSHandshakeTimeout:    Timeout,
			ResponseHeaderTimeout:  Timeout,
			MaxIdleConnsPerHost:    2,
			IdleConnTimeout:        time.Minute,
			MaxResponseHeaderBytes: 64 << 10,
		},
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse },
	}
}

// Message is one attempt's request.
type Message struct {
	URL       string
	ID        string
	Timestamp time.Time
	Body      []byte
	Secret    string
}

// Result is what one attempt met: the status (0 when there was no
// answer), the beginning of the answer, the network error and how long
// it took.
type Result struct {
	Status  int
	Excerpt string
	Err     error
	Latency time.Duration
}

// OK reports whether the receiver accepted the message (2xx).
func (r Result) OK() bool { return r.Err == nil && r.Status >= 200 && r.Status < 300 }

// Send makes one attempt to deliver m with client.
func Send(ctx context.Context, client *http.Client, m Message) Result {
	start := time.Now()
	res := send(ctx, client, m)
	res.Latency = time.Since(start)
	return res
}

func send(ctx context.Context, client *http.Client, m Message) Result {
	if len(m.Body) > MaxBody {
		return Result{Err: errors.New("webhook: the event is too large to send")}
	}
	ts := m.Timestamp.Unix()
	sig, err := Sign(m.Secret, m.ID, ts, m.Body)
	if err != nil {
		return Result{Err: err}
	}
	ctx, cancel := context.WithTimeout(ctx, Timeout)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, m.URL, bytes.NewReader(m.Body))
	if err != nil {
		return Result{Err: err}
	}
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("User-Agent", "Troupe-Webhooks/1")
	req.Header.Set("webhook-id", m.ID)
	req.Header.Set("webhook-timestamp", strconv.FormatInt(ts, 10))
	req.Header.Set("webhook-signature", sig)
	resp, err := client.Do(req)
	if err != nil {
		return Result{Err: err}
	}
	defer resp.Body.Close()
	excerpt, _ := io.ReadAll(io.LimitReader(resp.Body, ExcerptSize))
	// Read a little more so the connection may be reused, never much.
	io.Copy(io.Discard, io.LimitReader(resp.Body, 64<<10))
	return Result{Status: resp.StatusCode, Excerpt: validUTF8(excerpt)}
}

// validUTF8 keeps the excerpt printable in a page even when cut mid-rune.
func validUTF8(b []byte) string { return strings.ToValidUTF8(string(b), "") }
