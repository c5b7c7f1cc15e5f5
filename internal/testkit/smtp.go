package testkit

import (
	"bytes"
	"encoding/base64"
	"errors"
	"fmt"
	"io"
	"mime"
	"mime/multipart"
	"mime/quotedprintable"
	"net"
	"net/mail"
	"net/url"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/emersion/go-smtp"
)

// Mailbox is a real SMTP server, listening on loopback inside the test
// process, that keeps every message it accepts. Point the product at URL()
// and read what it sent with WaitFor.
type Mailbox struct {
	srv  *smtp.Server
	port int

	mu    sync.Mutex
	msgs  []received
	fails int           // DATA commands still to refuse, see FailNext
	slow  time.Duration // wait before accepting a message, see Slow
	stall time.Duration // wait before accepting a recipient, see Stall
	// changed is closed (and replaced) whenever a message arrives, so that
	// WaitFor can sleep until there is something new to look at.
	changed chan struct{}
}

// received is a stored message and which of its recipients WaitFor has
// already handed out.
type received struct {
	mail  Mail
	taken map[string]bool // lower-cased recipient → returned by WaitFor
}

// Mail is one message the Mailbox accepted.
type Mail struct {
	// From is the envelope sender (MAIL FROM); the From header is in Header.
	From string
	// To holds the envelope recipients (RCPT TO), which include Bcc.
	To []string
	// Subject is the Subject header, RFC 2047 words decoded.
	Subject string
	// Text and HTML are the decoded text/plain and text/html bodies (the
	// first of each that is not an attachment), with "\n" line ends;
	// empty when absent.
	Text string
	HTML string
	// Raw is the message exactly as received.
	Raw []byte
	// Header holds the top-level header fields, undecoded.
	Header mail.Header
	// Received is when the server accepted the message.
	Received time.Time
}

// StartSMTP starts a Mailbox on 127.0.0.1 with a free port. It stops when
// the test ends.
func StartSMTP(t testing.TB) *Mailbox {
	t.Helper()
	m := &Mailbox{changed: make(chan struct{})}

	srv := smtp.NewServer(backend{m})
	srv.Domain = "localhost"
	srv.AllowInsecureAuth = true // plain loopback; no TLS to set up
	srv.EnableSMTPUTF8 = true    // accept non-ASCII addresses like a modern relay
	srv.MaxMessageBytes = 20 << 20
	srv.MaxRecipients = 100
	// Bounded so that a client that hangs mid-command cannot keep a
	// goroutine alive past the test.
	srv.ReadTimeout = 30 * time.Second
	srv.WriteTimeout = 30 * time.Second
	m.srv = srv

	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatalf("smtp listen: %v", err)
	}
	m.port = l.Addr().(*net.TCPAddr).Port

	done := make(chan struct{})
	go func() {
		defer close(done)
		// Serve returns ErrServerClosed at cleanup; any earlier failure
		// shows up in the test as mail that never arrives.
		_ = srv.Serve(l)
	}()
	t.Cleanup(func() {
		_ = srv.Close()
		<-done
	})
	return m
}

// URL is the product's SMTP setting for this server (plain SMTP, no
// STARTTLS, no authentication).
func (m *Mailbox) URL() string {
	return "smtp://127.0.0.1:" + strconv.Itoa(m.port) + "?tls=none"
}

// Port is the TCP port the server listens on at 127.0.0.1.
func (m *Mailbox) Port() int { return m.port }

// FailNext makes the next n messages be refused after DATA with a temporary
// "451" error, so a test can prove the product retries. The refused
// messages are not stored.
func (m *Mailbox) FailNext(n int) {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.fails = n
}

// Slow makes the server take d to accept each message it has received
// (zero: at once). A message that arrives whole is kept even if its sender
// is gone before the answer, as a real server does: a sender killed in that
// moment does not know its mail went out.
func (m *Mailbox) Slow(d time.Duration) {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.slow = d
}

// Stall makes the server take d to accept each recipient (zero: at once):
// a sender killed in that moment never sent its message.
func (m *Mailbox) Stall(d time.Duration) {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.stall = d
}

// pause waits for what Slow or Stall asked.
func (m *Mailbox) pause(which *time.Duration) {
	m.mu.Lock()
	d := *which
	m.mu.Unlock()
	time.Sleep(d)
}

// All returns every accepted message, oldest first.
func (m *Mailbox) All() []Mail {
	m.mu.Lock()
	defer m.mu.Unlock()
	out := make([]Mail, len(m.msgs))
	for i, r := range m.msgs {
		out[i] = r.mail
	}
	return out
}

// Count returns how many accepted messages had to among their recipients
// (case-insensitive), whether or not WaitFor returned them.
func (m *Mailbox) Count(to string) int {
	m.mu.Lock()
	defer m.mu.Unlock()
	n := 0
	for _, r := range m.msgs {
		if r.addressedTo(to) {
			n++
		}
	}
	return n
}

// WaitFor returns the oldest message to the address to (case-insensitive)
// that WaitFor has not returned for that address before, waiting up to
// timeout for one to arrive. It fails the test with a list of what did
// arrive when none does. Successive calls thus walk through the messages to
// one recipient in order, one call per expected message.
func (m *Mailbox) WaitFor(t testing.TB, to string, timeout time.Duration) Mail {
	t.Helper()
	key := strings.ToLower(to)
	timer := time.NewTimer(timeout)
	defer timer.Stop()
	for {
		m.mu.Lock()
		for i := range m.msgs {
			r := &m.msgs[i]
			if r.addressedTo(to) && !r.taken[key] {
				r.taken[key] = true
				m.mu.Unlock()
				return r.mail
			}
		}
		changed := m.changed
		m.mu.Unlock()

		select {
		case <-changed:
		case <-timer.C:
			t.Fatalf("no new mail to %s within %v; received:\n%s", to, timeout, m.summary())
			return Mail{}
		}
	}
}

// summary lists the received messages for a failure message.
func (m *Mailbox) summary() string {
	m.mu.Lock()
	defer m.mu.Unlock()
	if len(m.msgs) == 0 {
		return "  (nothing)"
	}
	var b strings.Builder
	for i, r := range m.msgs {
		fmt.Fprintf(&b, "  %d. to %s: %q", i+1, strings.Join(r.mail.To, ", "), r.mail.Subject)
		if len(r.taken) > 0 {
			b.WriteString(" (already returned by WaitFor)")
		}
		b.WriteByte('\n')
	}
	return strings.TrimSuffix(b.String(), "\n")
}

func (r *received) addressedTo(addr string) bool {
	for _, to := range r.mail.To {
		if strings.EqualFold(to, addr) {
			return true
		}
	}
	return false
}

// deliver stores an accepted message and wakes up every WaitFor.
func (m *Mailbox) deliver(msg Mail) {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.msgs = append(m.msgs, received{mail: msg, taken: map[string]bool{}})
	close(m.changed)
	m.changed = make(chan struct{})
}

// takeFailure reports whether the current message must be refused.
func (m *Mailbox) takeFailure() bool {
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.fails > 0 {
		m.fails--
		return true
	}
	return false
}

// linkRE finds URLs in plain text; trailing punctuation is trimmed after.
var linkRE = regexp.MustCompile(`https?://[^\s<>"']+`)

// Link returns the first http(s) URL in the text body whose path starts
// with pathPrefix, e.g. m.Link(t, "/verify/"). It fails the test if there is
// none.
func (m Mail) Link(t testing.TB, pathPrefix string) string {
	t.Helper()
	for _, raw := range linkRE.FindAllString(m.Text, -1) {
		// A sentence may end right after the link.
		raw = strings.TrimRight(raw, ".,;:!?)]}")
		u, err := url.Parse(raw)
		if err == nil && strings.HasPrefix(u.Path, pathPrefix) {
			return raw
		}
	}
	t.Fatalf("no link with path prefix %q in mail %q to %s; text:\n%s", pathPrefix, m.Subject, strings.Join(m.To, ", "), m.Text)
	return ""
}

// TokenOf returns the token a mailed link carries in its query.
func TokenOf(t testing.TB, link string) string {
	t.Helper()
	u, err := url.Parse(link)
	if err != nil {
		t.Fatal(err)
	}
	return u.Query().Get("token")
}

// backend and session adapt the Mailbox to go-smtp.
type backend struct{ m *Mailbox }

func (b backend) NewSession(*smtp.Conn) (smtp.Session, error) {
	return &session{m: b.m}, nil
}

type session struct {
	m    *Mailbox
	from string
	to   []string
}

func (s *session) Mail(from string, _ *smtp.MailOptions) error {
	s.from = from
	return nil
}

func (s *session) Rcpt(to string, _ *smtp.RcptOptions) error {
	s.m.pause(&s.m.stall)
	s.to = append(s.to, to)
	return nil
}

func (s *session) Data(r io.Reader) error {
	raw, err := io.ReadAll(r)
	if err != nil {
		return err
	}
	s.m.pause(&s.m.slow)
	if s.m.takeFailure() {
		return &smtp.SMTPError{
			Code:         451,
			EnhancedCode: smtp.EnhancedCode{4, 3, 0},
			Message:      "testkit: temporary failure requested by FailNext",
		}
	}
	msg, err := parseMail(raw)
	if err != nil {
		// Refuse rather than store half a message: a malformed mail is a
		// product bug the sending test should see.
		return &smtp.SMTPError{
			Code:         554,
			EnhancedCode: smtp.EnhancedCode{5, 6, 0},
			Message:      "testkit: cannot parse message: " + err.Error(),
		}
	}
	msg.From = s.from
	msg.To = append([]string(nil), s.to...)
	msg.Received = time.Now()
	s.m.deliver(msg)
	return nil
}

func (s *session) Reset() {
	s.from = ""
	s.to = nil
}

func (s *session) Logout() error { return nil }

// parseMail decodes a raw RFC 5322 message into a Mail (without envelope).
func parseMail(raw []byte) (Mail, error) {
	msg, err := mail.ReadMessage(bytes.NewReader(raw))
	if err != nil {
		return Mail{}, err
	}
	var dec mime.WordDecoder
	subject, err := dec.DecodeHeader(msg.Header.Get("Subject"))
	if err != nil {
		return Mail{}, fmt.Errorf("subject: %w", err)
	}
	m := Mail{Subject: subject, Raw: raw, Header: msg.Header}
	if err := m.walk(msg.Header.Get("Content-Type"), msg.Header.Get("Content-Transfer-Encoding"), "", msg.Body); err != nil {
		return Mail{}, err
	}
	return m, nil
}

// walk decodes one MIME entity into m.Text/m.HTML, descending into
// multipart entities (alternative inside mixed, related, …).
func (m *Mail) walk(contentType, encoding, disposition string, body io.Reader) error {
	if contentType == "" {
		contentType = "text/plain; charset=us-ascii" // RFC 2045 default
	}
	mediaType, params, err := mime.ParseMediaType(contentType)
	if err != nil {
		return fmt.Errorf("content-type %q: %w", contentType, err)
	}

	if strings.HasPrefix(mediaType, "multipart/") {
		mr := multipart.NewReader(body, params["boundary"])
		for {
			// NextRawPart: we decode the transfer encoding ourselves,
			// the same way for every level.
			p, err := mr.NextRawPart()
			if errors.Is(err, io.EOF) {
				return nil
			}
			if err != nil {
				return fmt.Errorf("%s: %w", mediaType, err)
			}
			if err := m.walk(p.Header.Get("Content-Type"), p.Header.Get("Content-Transfer-Encoding"), p.Header.Get("Content-Disposition"), p); err != nil {
				return err
			}
		}
	}

	if d, _, _ := mime.ParseMediaType(disposition); d == "attachment" {
		return nil
	}
	if mediaType != "text/plain" && mediaType != "text/html" {
		return nil
	}
	text, err := decodeBody(body, encoding, params["charset"])
	if err != nil {
		return fmt.Errorf("%s body: %w", mediaType, err)
	}
	switch {
	case mediaType == "text/plain" && m.Text == "":
		m.Text = text
	case mediaType == "text/html" && m.HTML == "":
		m.HTML = text
	}
	return nil
}

// decodeBody undoes the Content-Transfer-Encoding, converts the charset
// to UTF-8 (UTF-8, US-ASCII and Latin-1 are understood; others are kept as
// bytes) and turns CRLF line ends into LF.
func decodeBody(body io.Reader, encoding, charset string) (string, error) {
	switch strings.ToLower(strings.TrimSpace(encoding)) {
	case "quoted-printable":
		body = quotedprintable.NewReader(body)
	case "base64":
		body = base64.NewDecoder(base64.StdEncoding, body) // skips line breaks
	case "", "7bit", "8bit", "binary":
	default:
		return "", fmt.Errorf("unknown content-transfer-encoding %q", encoding)
	}
	b, err := io.ReadAll(body)
	if err != nil {
		return "", err
	}
	text := string(b)
	switch strings.ToLower(charset) {
	case "iso-8859-1", "latin1", "latin-1":
		r := make([]rune, len(b))
		for i, c := range b {
			r[i] = rune(c)
		}
		text = string(r)
	}
	// CRLF is the wire format, not content; tests compare with Go strings.
	return strings.ReplaceAll(text, "\r\n", "\n"), nil
}
