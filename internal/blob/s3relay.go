package blob

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"runtime"
	"sync"
	"time"
)

// Connections of a relay: at most relayMaxIdle wait for the next range,
// each for at most relayIdleTimeout (well under the keep-alive of common
// S3 servers, so that the server rarely closes one first).
const (
	relayMaxIdle     = 16
	relayIdleTimeout = 30 * time.Second
	relayDialTimeout = 10 * time.Second
)

// aLongTimeAgo is a deadline that has passed: setting it stops the
// connection's reads and writes at once.
var aLongTimeAgo = time.Unix(1, 0)

// relay sends ranged GETs to a plain-http endpoint over connections of its
// own, so that an answer's body can be taken straight from the socket:
// handed to a response's ReadFrom as an *io.LimitedReader around the
// *net.TCPConn, the kernel moves it to the client's socket (splice)
// without copying it through the process. Over TLS, or through a proxy,
// the SDK's HTTP client is used instead.
type relay struct {
	addr   string // host:port of the endpoint
	dialer net.Dialer

	mu     sync.Mutex
	idle   []*relayConn // most recently used last
	closed bool
}

// newRelay is the relay to the endpoint of base, or nil when ranges must
// go through the SDK's client: https, a proxy configured for it, or a
// system without splice(2).
func newRelay(base url.URL) *relay {
	if base.Scheme != "http" || runtime.GOOS != "linux" {
		return nil
	}
	if p, err := http.ProxyFromEnvironment(&http.Request{URL: &base}); err != nil || p != nil {
		return nil
	}
	port := base.Port()
	if port == "" {
		port = "80"
	}
	return &relay{addr: net.JoinHostPort(base.Hostname(), port), dialer: net.Dialer{Timeout: relayDialTimeout}}
}

// relayConn is a connection to the endpoint and its reader, which may hold
// the first bytes of a body after reading the answer's header.
type relayConn struct {
	tcp   *net.TCPConn
	br    *bufio.Reader
	bw    *bufio.Writer
	timer *time.Timer // closes the connection when it waits too long
}

func (c *relayConn) close() { c.tcp.Close() }

// take is an idle connection, or nil.
func (p *relay) take() *relayConn {
	p.mu.Lock()
	defer p.mu.Unlock()
	for len(p.idle) > 0 {
		c := p.idle[len(p.idle)-1]
		p.idle = p.idle[:len(p.idle)-1]
		if c.timer.Stop() {
			return c
		}
		// Its timer fired and is closing it.
	}
	return nil
}

// put keeps c for the next range, or closes it when enough wait.
func (p *relay) put(c *relayConn) {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.closed || len(p.idle) >= relayMaxIdle {
		c.close()
		return
	}
	if c.timer == nil {
		c.timer = time.AfterFunc(relayIdleTimeout, func() { p.evict(c) })
	} else {
		c.timer.Reset(relayIdleTimeout)
	}
	p.idle = append(p.idle, c)
}

// evict closes c, waiting too long.
func (p *relay) evict(c *relayConn) {
	p.mu.Lock()
	for i, ic := range p.idle {
		if ic == c {
			p.idle = append(p.idle[:i], p.idle[i+1:]...)
			break
		}
	}
	p.mu.Unlock()
	c.close()
}

// close closes the idle connections; those in use close when their body
// is closed.
func (p *relay) close() {
	p.mu.Lock()
	idle := p.idle
	p.idle, p.closed = nil, true
	p.mu.Unlock()
	for _, c := range idle {
		c.timer.Stop()
		c.close()
	}
}

func (p *relay) dial(ctx context.Context) (*relayConn, error) {
	conn, err := p.dialer.DialContext(ctx, "tcp", p.addr)
	if err != nil {
		return nil, err
	}
	tcp, ok := conn.(*net.TCPConn)
	if !ok {
		conn.Close()
		return nil, fmt.Errorf("blob: %s is not a TCP connection", p.addr)
	}
	return &relayConn{tcp: tcp, br: bufio.NewReaderSize(tcp, 4<<10), bw: bufio.NewWriterSize(tcp, 1<<10)}, nil
}

// connError is a failure of a connection before any answer was read: on a
// connection that waited in the pool (the server may have closed it
// meanwhile), the request is sent again on another.
type connError struct{ err error }

func (e *connError) Error() string { return e.err.Error() }
func (e *connError) Unwrap() error { return e.err }

// get sends req, a GET signed for the endpoint, and reads its answer's
// header: the object's size and its body, ready to be relayed.
func (p *relay) get(ctx context.Context, req *http.Request, offset int64) (object, error) {
	for tries := 0; ; tries++ {
		var c *relayConn
		if tries <= relayMaxIdle {
			c = p.take()
		}
		reused := c != nil
		if !reused {
			var err error
			if c, err = p.dial(ctx); err != nil {
				return object{}, err
			}
		}
		obj, err := p.roundTrip(ctx, c, req, offset)
		var ce *connError
		if err != nil && reused && errors.As(err, &ce) && ctx.Err() == nil {
			continue
		}
		return obj, err
	}
}

func (p *relay) roundTrip(ctx context.Context, c *relayConn, req *http.Request, offset int64) (object, error) {
	// The request's context going away (a client gone, a server
	// stopping) stops the connection's reads and writes, wherever they
	// are: sending the request, reading the answer, or relaying it.
	stop := context.AfterFunc(ctx, func() { c.tcp.SetDeadline(aLongTimeAgo) })
	fail := func(err error) (object, error) {
		stop()
		c.close()
		if ctx.Err() != nil {
			return object{}, ctx.Err()
		}
		return object{}, &connError{err}
	}
	if err := req.Write(c.bw); err != nil {
		return fail(err)
	}
	if err := c.bw.Flush(); err != nil {
		return fail(err)
	}
	res, err := http.ReadResponse(c.br, req)
	if err != nil {
		return fail(err)
	}
	size, err := objectSize(res, offset)
	if err != nil {
		stop()
		c.close()
		return object{}, err
	}
	if len(res.TransferEncoding) > 0 || res.ContentLength < 0 {
		// A body of unknown length (chunked) is read as net/http reads
		// it, and its connection not kept.
		return object{body: &plainBody{ReadCloser: res.Body, stop: stop, c: c}, size: size}, nil
	}
	return object{body: &relayBody{relay: p, c: c, left: res.ContentLength, keep: !res.Close, stop: stop}, size: size}, nil
}

// relayBody is the body of an answer on a relay connection: read through
// the connection's buffer, or sent by sendTo straight from the socket.
type relayBody struct {
	relay *relay
	c     *relayConn // nil once closed
	left  int64      // bytes of the body not yet read
	keep  bool       // the server keeps the connection after this answer
	stop  func() bool
	err   error // a failed read or write: the connection is not kept
}

func (b *relayBody) Read(p []byte) (int, error) {
	if b.c == nil {
		return 0, errors.New("blob: read after close")
	}
	if b.err != nil {
		return 0, b.err
	}
	if b.left <= 0 {
		return 0, io.EOF
	}
	if int64(len(p)) > b.left {
		p = p[:b.left]
	}
	n, err := b.c.br.Read(p)
	b.left -= int64(n)
	if errors.Is(err, io.EOF) && b.left > 0 {
		err = io.ErrUnexpectedEOF
	}
	if err != nil {
		b.err = err
	}
	return n, err
}

// sendTo writes the next n bytes of the body to w: first those the
// connection's reader already holds, then the rest straight from the
// socket, which w's ReadFrom (a response's) can hand to the kernel.
func (b *relayBody) sendTo(w io.Writer, n int64) (int64, error) {
	if b.c == nil {
		return 0, errors.New("blob: read after close")
	}
	if b.err != nil {
		return 0, b.err
	}
	n = min(n, b.left)
	var written int64
	if k := min(int64(b.c.br.Buffered()), n); k > 0 {
		buf, _ := b.c.br.Peek(int(k))
		m, err := w.Write(buf)
		b.c.br.Discard(m)
		written, b.left = written+int64(m), b.left-int64(m)
		if err != nil {
			b.err = err
			return written, err
		}
	}
	if rest := n - written; rest > 0 {
		// The reader's buffer is empty here: the socket is where the
		// body continues.
		lr := &io.LimitedReader{R: b.c.tcp, N: rest}
		m, err := io.Copy(w, lr)
		written, b.left = written+m, b.left-m
		if err == nil && lr.N > 0 {
			err = io.ErrUnexpectedEOF
		}
		if err != nil {
			b.err = err
			return written, err
		}
	}
	return written, nil
}

// Close keeps the connection for the next range when the whole body was
// read, the server keeps it and the request's context did not stop it;
// otherwise closes it.
func (b *relayBody) Close() error {
	if b.c == nil {
		return nil
	}
	c := b.c
	b.c = nil
	if b.stop() && b.left == 0 && b.keep && b.err == nil {
		b.relay.put(c)
	} else {
		c.close()
	}
	return nil
}

// plainBody is a body of unknown length on a relay connection, which is
// closed with it.
type plainBody struct {
	io.ReadCloser
	stop func() bool
	c    *relayConn
}

func (b *plainBody) Close() error {
	b.stop()
	b.c.close()
	return nil
}
