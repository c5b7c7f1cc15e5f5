package testkit

import (
	"net"
	"strings"
	"sync"
	"testing"

	"github.com/miekg/dns"
)

// DNS is a DNS server on 127.0.0.1 (UDP, random port) answering TXT
// queries from records the test controls.
type DNS struct {
	Addr string // host:port, for TROUPE_DNS_RESOLVER
	mu   sync.Mutex
	txt  map[string][]string
	fail map[string]bool
}

// StartDNS starts a DNS server stopped at the end of the test.
func StartDNS(t testing.TB) *DNS {
	t.Helper()
	pc, err := net.ListenPacket("udp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	d := &DNS{Addr: pc.LocalAddr().String(), txt: map[string][]string{}, fail: map[string]bool{}}
	srv := &dns.Server{PacketConn: pc, Handler: dns.HandlerFunc(d.serve)}
	started := make(chan struct{})
	srv.NotifyStartedFunc = func() { close(started) }
	go func() { _ = srv.ActivateAndServe() }()
	<-started
	t.Cleanup(func() { _ = srv.Shutdown() })
	return d
}

// SetTXT replaces the TXT records of name (none removes them).
func (d *DNS) SetTXT(name string, records ...string) {
	d.mu.Lock()
	defer d.mu.Unlock()
	d.txt[dns.Fqdn(strings.ToLower(name))] = records
}

// AddTXT adds a TXT record to name's.
func (d *DNS) AddTXT(name, record string) {
	d.mu.Lock()
	defer d.mu.Unlock()
	name = dns.Fqdn(strings.ToLower(name))
	d.txt[name] = append(d.txt[name], record)
}

// Fail makes queries for name answer SERVFAIL (true) or normally again.
func (d *DNS) Fail(name string, fail bool) {
	d.mu.Lock()
	defer d.mu.Unlock()
	d.fail[dns.Fqdn(strings.ToLower(name))] = fail
}

func (d *DNS) serve(w dns.ResponseWriter, req *dns.Msg) {
	m := new(dns.Msg)
	m.SetReply(req)
	m.Authoritative = true
	d.mu.Lock()
	for _, q := range req.Question {
		name := strings.ToLower(q.Name)
		if d.fail[name] {
			m.Rcode = dns.RcodeServerFailure
			continue
		}
		records, ok := d.txt[name]
		if !ok || len(records) == 0 {
			m.Rcode = dns.RcodeNameError
			continue
		}
		if q.Qtype != dns.TypeTXT {
			continue
		}
		for _, r := range records {
			m.Answer = append(m.Answer, &dns.TXT{Hdr: dns.RR_Header{Name: q.Name, Rrtype: dns.TypeTXT, Class: dns.ClassINET, Ttl: 60}, Txt: []string{r}})
		}
	}
	d.mu.Unlock()
	_ = w.WriteMsg(m)
}
