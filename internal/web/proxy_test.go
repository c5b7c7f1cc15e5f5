package web

import (
	"crypto/tls"
	"net/http"
	"testing"
)

func TestProxiesClient(t *testing.T) {
	ps, err := ParseProxies("10.0.0.0/8, 192.168.1.7, fd00::/8")
	if err != nil {
		t.Fatal(err)
	}
	cases := []struct {
		name   string
		peer   string
		header http.Header
		tls    bool
		want   string
		https  bool
	}{
		{"no proxy in front", "203.0.113.9:5000", nil, false, "203.0.113.9", false},
		{"direct https", "203.0.113.9:5000", nil, true, "203.0.113.9", true},
		{"spoofed by an untrusted peer", "203.0.113.9:5000",
			http.Header{"X-Forwarded-For": {"198.51.100.1"}, "Forwarded": {"for=198.51.100.2"}, "X-Forwarded-Proto": {"https"}}, false, "203.0.113.9", false},
		{"one trusted proxy", "10.1.2.3:80", http.Header{"X-Forwarded-For": {"198.51.100.1"}, "X-Forwarded-Proto": {"https"}}, false, "198.51.100.1", true},
		{"client-written entries left of the real one are ignored", "10.1.2.3:80",
			http.Header{"X-Forwarded-For": {"1.2.3.4, 198.51.100.1"}}, false, "198.51.100.1", false},
		{"a chain of trusted proxies", "10.1.2.3:80",
			http.Header{"X-Forwarded-For": {"1.2.3.4, 198.51.100.1, 192.168.1.7", "10.9.9.9"}}, false, "198.51.100.1", false},
		{"an untrusted hop in the middle is the client", "10.1.2.3:80",
			http.Header{"X-Forwarded-For": {"198.51.100.1, 203.0.113.50, 10.9.9.9"}}, false, "203.0.113.50", false},
		{"every hop trusted: the left-most", "10.1.2.3:80", http.Header{"X-Forwarded-For": {"10.5.5.5, 10.6.6.6"}}, false, "10.5.5.5", false},
		{"no header from a proxy: the proxy", "10.1.2.3:80", nil, false, "10.1.2.3", false},
		{"an unreadable hop stops the walk", "10.1.2.3:80", http.Header{"X-Forwarded-For": {"198.51.100.1, garbage"}}, false, "10.1.2.3", false},
		{"Forwarded wins over X-Forwarded-For", "10.1.2.3:80",
			http.Header{"Forwarded": {`for=198.51.100.1;proto=https, for="[2001:db8::7]:4711";proto=https`}, "X-Forwarded-For": {"1.1.1.1"}}, false, "2001:db8::7", true},
		{"Forwarded with a trusted hop", "10.1.2.3:80",
			http.Header{"Forwarded": {`for=198.51.100.1, for=10.7.7.7;proto=http`}}, false, "198.51.100.1", false},
		{"Forwarded unknown", "10.1.2.3:80", http.Header{"Forwarded": {`for=unknown`}}, false, "10.1.2.3", false},
		{"IPv6 proxy, port in the entry", "[fd00::1]:443", http.Header{"X-Forwarded-For": {"198.51.100.1:5555"}}, false, "198.51.100.1", false},
		{"IPv4-mapped peer", "[::ffff:10.1.2.3]:80", http.Header{"X-Forwarded-For": {"198.51.100.1"}}, false, "198.51.100.1", false},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			r := &http.Request{RemoteAddr: c.peer, Header: c.header}
			if r.Header == nil {
				r.Header = http.Header{}
			}
			if c.tls {
				r.TLS = &tls.ConnectionState{}
			}
			got, https := ps.Client(r)
			if got.String() != c.want || https != c.https {
				t.Fatalf("Client = %s, https %v; want %s, https %v", got, https, c.want, c.https)
			}
		})
	}
	// Without trusted proxies, nothing is believed.
	r := &http.Request{RemoteAddr: "10.1.2.3:80", Header: http.Header{"X-Forwarded-For": {"198.51.100.1"}}}
	if got, _ := Proxies(nil).Client(r); got.String() != "10.1.2.3" {
		t.Fatalf("no proxies configured: client %s", got)
	}
}

func TestParseProxies(t *testing.T) {
	for _, bad := range []string{"10.0.0.0/33", "not-an-ip", "10.0.0.1/8/9"} {
		if _, err := ParseProxies(bad); err == nil {
			t.Errorf("ParseProxies(%q) took it", bad)
		}
	}
	ps, err := ParseProxies(" 10.0.0.1/8 ,, ::ffff:172.16.0.0/108 ")
	if err != nil || len(ps) != 2 || ps[0].String() != "10.0.0.0/8" || ps[1].String() != "172.16.0.0/12" {
		t.Fatalf("ParseProxies = %v, %v", ps, err)
	}
}
