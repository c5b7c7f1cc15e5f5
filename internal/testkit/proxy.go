package testkit

import (
	"net"
	"net/url"
	"sync"
	"testing"
)

// StallingProxy forwards TCP connections to a PostgreSQL server and can
// stop forwarding without closing anything, as a connection stuck in a
// broken network would: tests point one connection at it (an instance's
// listener) and see what the product does while it hears nothing.
type StallingProxy struct {
	// URL is the database URL with the proxy's address in place of the
	// server's.
	URL string

	mu      sync.Mutex
	stalled chan struct{} // closed on resume; nil while flowing
	conns   []net.Conn
}

// StartStallingProxy starts a proxy in front of the server of dbURL; it
// stops when the test ends.
func StartStallingProxy(t testing.TB, dbURL string) *StallingProxy {
	t.Helper()
	u, err := url.Parse(dbURL)
	if err != nil {
		t.Fatal(err)
	}
	target := u.Host
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	u.Host = ln.Addr().String()
	p := &StallingProxy{URL: u.String()}
	t.Cleanup(func() {
		ln.Close()
		p.Resume()
		p.mu.Lock()
		defer p.mu.Unlock()
		for _, c := range p.conns {
			c.Close()
		}
	})
	go func() {
		for {
			client, err := ln.Accept()
			if err != nil {
				return
			}
			server, err := net.Dial("tcp", target)
			if err != nil {
				client.Close()
				continue
			}
			p.mu.Lock()
			p.conns = append(p.conns, client, server)
			p.mu.Unlock()
			go p.forward(server, client)
			go p.forward(client, server)
		}
	}()
	return p
}

func (p *StallingProxy) forward(dst, src net.Conn) {
	defer dst.Close()
	defer src.Close()
	buf := make([]byte, 32<<10)
	for {
		n, err := src.Read(buf)
		p.mu.Lock()
		stalled := p.stalled
		p.mu.Unlock()
		if stalled != nil {
			<-stalled
		}
		if n > 0 {
			if _, err := dst.Write(buf[:n]); err != nil {
				return
			}
		}
		if err != nil {
			return
		}
	}
}

// Connections counts the connections the proxy accepted.
func (p *StallingProxy) Connections() int {
	p.mu.Lock()
	defer p.mu.Unlock()
	return len(p.conns) / 2
}

// Stall stops forwarding, in both directions, on every connection.
func (p *StallingProxy) Stall() {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.stalled == nil {
		p.stalled = make(chan struct{})
	}
}

// Resume forwards again what was held and what comes next.
func (p *StallingProxy) Resume() {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.stalled != nil {
		close(p.stalled)
		p.stalled = nil
	}
}
